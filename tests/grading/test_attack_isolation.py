"""Each sandbox its own world, limits the kernel enforces, nothing left behind.

Bounded: every allocation is at most 1.5 GB against a limit of 0.5 GB (the machines have
far more), a planted sandbox sleeps 8 s, a search lasts 5 s."""

import os
import threading
import time

import nst_course
from tests.fixtures import grade_samples as samples

from .sandboxed import box_processes, grade, needs_sandbox, our_cgroups, sysv_keys

#: The package's source in the clone the grader runs from (the reference lives there): the
#: sandbox must not see it. (The clone's folder itself may exist there, empty but for a bound
#: virtual environment inside it, as in CI.)
CHECKOUT = os.path.dirname(os.path.abspath(nst_course.__file__))

pytestmark = needs_sandbox

GB = 1024**3
#: SysV key the attacks use ("NST!").
KEY = 0x4E535421

MEMORY = {
    "compute_content_cost": """def compute_content_cost(a_C, a_G):
    import mmap
    area = mmap.mmap(-1, 1536 * 2**20, flags=mmap.MAP_SHARED)
    for offset in range(0, len(area), 4096):
        area[offset] = 1
    raise RuntimeError('SHARED MMAP NOT STOPPED')
""",
    "gram_matrix": """def gram_matrix(A):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    size = 1536 * 2**20
    ident = libc.shmget(%d, ctypes.c_size_t(size), 0o1600)
    if ident < 0:
        raise RuntimeError('SHMGET %%d' %% ctypes.get_errno())
    base = libc.shmat(ident, None, 0)
    ctypes.memset(base, 1, size)
    raise RuntimeError('SYSV NOT STOPPED')
"""
    % KEY,
    "compute_layer_style_cost": """def compute_layer_style_cost(a_S, a_G):
    block = b'x' * 2**20
    written = 0
    try:
        with open('/dev/shm/fill', 'wb') as handle:
            for _ in range(1536):
                handle.write(block)
                handle.flush()
                written += 1
    except OSError as exc:
        raise RuntimeError('DEVSHM %d MB then %s' % (written, exc.strerror))
    raise RuntimeError('DEVSHM NOT STOPPED')
""",
    "total_cost": """def total_cost(J_content, J_style, alpha = 10, beta = 40):
    import mmap, os
    fd = os.open('/tmp/mapped', os.O_RDWR | os.O_CREAT)
    try:
        os.ftruncate(fd, 1536 * 2**20)
        area = mmap.mmap(fd, 1536 * 2**20)
        for offset in range(0, len(area), 4096):
            area[offset] = 1
    except (OSError, ValueError) as exc:
        raise RuntimeError('TMPFS MMAP %s' % exc)
    raise RuntimeError('TMPFS NOT STOPPED')
""",
}


def test_shared_sysv_and_tmpfs_memory_count_against_the_limit():
    before = sysv_keys()
    rows, _ = grade(samples.python_file(MEMORY), timeout=60, memory=0.5 * GB)
    for name in ("compute_content_cost", "gram_matrix"):
        assert rows[name]["status"] == "limit", rows[name]
        assert "memory limit of 0.5 GB" in rows[name]["hint"], rows[name]
    # a tmpfs of the sandbox is small: it fills up (or the memory limit stops it) first
    for name, words in (("compute_layer_style_cost", "DEVSHM"), ("total_cost", "TMPFS")):
        row = rows[name]
        assert row["points"] == 0 and "NOT STOPPED" not in row["hint"], row
        assert (
            words in row["hint"]
            or "memory limit" in row["hint"]
            or "SIGBUS" in row["hint"]
            or ("signal" in row["hint"])
        ), row
    assert KEY not in sysv_keys() - before  # the segment died with its IPC namespace
    assert not our_cgroups() and not box_processes()


PLANTER = (
    """def compute_content_cost(a_C, a_G):
    import ctypes, os, socket, time
    stamp = time.time()
    for folder in ('/tmp', '/var/tmp', '/dev/shm', '/box'):
        with open(os.path.join(folder, 'nst-attack-planted'), 'w') as handle:
            handle.write('planted')
    server = socket.socket(socket.AF_UNIX)
    server.bind('/tmp/nst-attack.sock')
    server.listen(1)
    abstract = socket.socket(socket.AF_UNIX)
    abstract.bind(b'\\0nst-attack')
    abstract.listen(1)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.shmget(%d, ctypes.c_size_t(4096), 0o1666) < 0:
        raise RuntimeError('SHMGET failed')
    if os.fork() == 0:  # a process left behind, in a session of its own
        os.setsid()
        time.sleep(300)
        os._exit(0)
    time.sleep(8)
    raise RuntimeError('PLANTED %%.3f %%.3f' %% (stamp, time.time()))
"""
    % KEY
)

SEARCHER = (
    """def compute_content_cost(a_C, a_G):
    import ctypes, os, socket, time
    seen, stamp = set(), time.time()
    libc = ctypes.CDLL(None, use_errno=True)
    while time.time() < stamp + 5:
        for folder in ('/tmp', '/var/tmp', '/dev/shm', '/box'):
            if os.path.exists(os.path.join(folder, 'nst-attack-planted')):
                seen.add(folder)
        for address in ('/tmp/nst-attack.sock', b'\\0nst-attack'):
            try:
                socket.socket(socket.AF_UNIX).connect(address)
                seen.add(repr(address))
            except OSError:
                pass
        if libc.shmget(%d, ctypes.c_size_t(4096), 0o666) >= 0:
            seen.add('sysv')
        time.sleep(0.2)
    raise RuntimeError('SEARCHED %%.3f %%.3f SEEN %%s' %% (stamp, time.time(), sorted(seen)))
"""
    % KEY
)


def _times(hint, word):
    # the error is the hint's detail line, "(RuntimeError: PLANTED t0 t1)"
    parts = hint.split(word + " ", 1)[1].split()
    return float(parts[0]), float(parts[1].rstrip(")"))


def test_two_sandboxes_at_once_share_nothing_and_nothing_outlives_them():
    from nst_course.grading.sandbox import zygote

    before = sysv_keys()
    results, errors = {}, {}
    ready = threading.Barrier(2)

    def run(label, code, delay):
        try:
            zygote().start() if not zygote().alive() else None  # this thread's own zygote
            ready.wait(timeout=600)
            time.sleep(delay)
            results[label] = grade(
                (samples.IMPORTS + code).encode(), graded=["compute_content_cost"], timeout=60
            )[0]["compute_content_cost"]
        except BaseException as exc:  # the other thread must not wait for this one in vain
            errors[label] = "%s: %s" % (type(exc).__name__, exc)
            ready.abort()

    threads = [
        threading.Thread(target=run, args=("planter", PLANTER, 0)),
        threading.Thread(target=run, args=("searcher", SEARCHER, 2)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=900)
    assert not errors, errors
    planted, searched = results["planter"]["hint"], results["searcher"]["hint"]
    assert "PLANTED" in planted, planted
    assert "SEEN []" in searched, searched
    plant_start, plant_end = _times(planted, "PLANTED")
    search_start, search_end = _times(searched, "SEARCHED")
    assert search_start < plant_end and plant_start < search_end  # they did run at once
    # nothing outlives the grading: processes, segments, cgroups, files on the machine
    assert not box_processes()
    assert KEY not in sysv_keys() - before
    assert not our_cgroups()
    for folder in ("/tmp", "/var/tmp", "/dev/shm"):
        assert not os.path.exists(os.path.join(folder, "nst-attack-planted"))
    assert not os.path.exists("/tmp/nst-attack.sock")


def test_its_world_holds_nothing_of_the_machine(tmp_path):
    secret = tmp_path / "teacher-secret.txt"
    secret.write_text("TEACHER-SECRET")
    os.environ["NST_TEACHER_SECRET"] = "TEACHER-SECRET"
    try:
        code = """def compute_content_cost(a_C, a_G):
    import os
    seen = []
    for path in ('/etc/shadow', '/etc/passwd', '/root/.bashrc', '/home', %r, %r, %r,
                 '/sys/fs/cgroup', '/run'):
        if os.path.exists(path):
            seen.append(path)
    for path in ('/proc/self/environ', '/proc/1/environ', '/proc/1/cmdline'):
        try:
            with open(path, 'rb') as handle:
                if b'TEACHER-SECRET' in handle.read():
                    seen.append(path)
        except OSError:
            pass
    raise RuntimeError('UID %%d PIDS %%s SEEN %%s' %% (os.getuid(), sorted(os.listdir('/proc'))[:3], seen))
""" % (str(secret), str(tmp_path), CHECKOUT)
        rows, _ = grade((samples.IMPORTS + code).encode(), graded=["compute_content_cost"])
    finally:
        del os.environ["NST_TEACHER_SECRET"]
    hint = rows["compute_content_cost"]["hint"]
    assert "SEEN []" in hint, hint
    uid = int(hint.split("UID ", 1)[1].split()[0])
    from nst_course.grading.sandbox import UIDS

    assert uid in UIDS


def test_without_cgroups_the_outputs_say_so_and_time_still_holds(monkeypatch):
    """A machine without usable cgroups (simulated: the grader is told there are none): the
    notes say memory was not limited by the kernel, and the wall-time limit still ends the
    function and everything it started."""
    import dataclasses

    from nst_course.grading import sandbox

    found = sandbox.machine()
    bare = dataclasses.replace(
        found, cgroups=None, notes=("no usable cgroups on the grading machine (simulated)",)
    )
    monkeypatch.setattr(sandbox, "_MACHINE", bare)
    box = sandbox.zygote()
    monkeypatch.setattr(box, "machine", bare)
    spin = """def gram_matrix(A):
    import time
    if os.fork() == 0:
        while True:
            pass
    while True:
        time.sleep(1)
"""
    started = time.monotonic()
    rows, result = grade(
        samples.python_file({"gram_matrix": spin}), graded=["gram_matrix"], timeout=5
    )
    assert "ran longer than the time limit of 5 s" in rows["gram_matrix"]["hint"], rows
    assert time.monotonic() - started < 5 + 30
    assert any("no usable cgroups" in note for note in result["notes"]), result["notes"]
    deadline = time.monotonic() + 10
    while box_processes() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not box_processes()
