"""The supervisor side of the sandbox: start the child (:mod:`nst_course.grading.child`) for
one submission, feed it, watch it, end it, and return what it observed, as values.

Isolation, as far as this machine allows (each item that could not be had is said in the
student's feedback, see :func:`isolation`):

- ``unshare --net --pid --fork --kill-child --mount`` (``--map-root-user`` too when the grader
  is not root): no network at all, a process tree of its own (when its first process ends,
  every process it forked ends with it; its parent is outside, pid 0, out of reach), a mount
  table of its own (the class's folders and the output are hidden behind empty mounts);
  ``setpriv --pdeathsig KILL`` in front, so the child dies with the supervisor;
- as root: the child drops to uid/gid 65534 (or ``--user``) before the student's code runs,
  so it cannot read root's files, nor signal the supervisor;
- limits in the child: CPU seconds, file size, open files, processes; the resident memory of
  the child's whole process tree is watched from here and the tree killed above the limit
  (``RLIMIT_AS`` would break TensorFlow, which reserves far more address space than it uses);
  a wall-clock limit per graded function, also from here.

A child that dies while a function runs (``os._exit``, a signal, the memory or time limit)
costs that function only: the remaining functions are run in a new child.
"""

import functools
import json
import os
import pwd
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass

GB = 1024**3
MB = 1024**2
#: Time allowed for the child to start (TensorFlow's import and the warm-up), beyond --timeout.
START_SECONDS = 180
POLL_SECONDS = 0.1


@dataclass
class Limits:
    """The limits of one child: wall seconds per graded function, resident memory of the
    whole process tree, CPU seconds of the child (a backstop for the wall limit), the largest
    file it may write, open files, processes of the sandbox user."""

    timeout: float = 120.0
    memory: float = 4 * GB
    fsize: int = 64 * MB
    nofile: int = 256
    nproc: int = 64

    def cpu_seconds(self, functions):
        return int(2 * self.timeout * max(1, functions) + START_SECONDS)


@dataclass
class Isolation:
    """What this machine allows: the command prefix and the user to drop to."""

    prefix: tuple
    user: tuple  # (uid, gid) or None
    notes: tuple  # lines for the feedback: protections that could not be had
    own_mounts: bool


def _works(command):
    try:
        return (
            subprocess.run(
                command + ["true"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=30,
            ).returncode
            == 0
        )
    except (OSError, subprocess.SubprocessError):
        return False


def user_ids(name=None):
    """(uid, gid) of ``name`` (a user name or a number), default 65534 ("nobody")."""
    if name is None:
        return 65534, 65534
    try:
        entry = pwd.getpwnam(name) if not str(name).isdigit() else pwd.getpwuid(int(name))
        return entry.pw_uid, entry.pw_gid
    except KeyError:
        if str(name).isdigit():
            return int(name), int(name)
        from .extract import SubmissionError

        raise SubmissionError(
            "unknown user %r for --user; give a user name or a uid" % name
        ) from None


@functools.cache
def isolation(user=None):
    """The isolation this machine gives (tried once per process)."""
    notes = []
    root = os.geteuid() == 0
    unshare = shutil.which("unshare")
    prefix = []
    own_mounts = False
    if unshare:
        command = [unshare, "--net", "--pid", "--fork", "--kill-child", "--mount"]
        if not root:
            command.insert(1, "--map-root-user")
        if _works(command):
            prefix, own_mounts = command, True
        elif _works([unshare, "--net"] if root else [unshare, "--map-root-user", "--net"]):
            prefix = [unshare, "--net"] if root else [unshare, "--map-root-user", "--net"]
            notes.append(
                "no private process tree or mount table (unshare --pid --mount refused): "
                "processes the submission forks may outlive it; the class's folders are "
                "not hidden"
            )
    if not prefix:
        notes.append(
            "no network namespace could be made (unshare not available or not allowed): "
            "the submission ran with this machine's network"
        )
    setpriv = shutil.which("setpriv")
    if setpriv and _works([setpriv, "--pdeathsig", "KILL"]):
        prefix = [setpriv, "--pdeathsig", "KILL"] + prefix
    ids = user_ids(user) if root else None
    if not root:
        notes.append(
            "the grader is not root: the submission ran as the grader's own user (it "
            "could read what that user can read and signal that user's processes)"
        )
    return Isolation(tuple(prefix), ids, tuple(notes), own_mounts)


def _child_environment(threads=1):
    """A small, known environment for the child (nothing of the teacher's but the basics)."""
    package_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    keep = ("PATH", "LANG", "LC_ALL", "TF_ENABLE_ONEDNN_OPTS", "TF_ONEDNN_ASSUME_FROZEN_WEIGHTS")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    python_path = [package_parent] + [
        p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p
    ]
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(python_path),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONNOUSERSITE": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "TF_NUM_INTRAOP_THREADS": str(threads),
            "TF_NUM_INTEROP_THREADS": "1",
            "OMP_NUM_THREADS": str(threads),
            "OPENBLAS_NUM_THREADS": str(threads),
            "MKL_NUM_THREADS": str(threads),
            "MALLOC_ARENA_MAX": "2",
            "MPLBACKEND": "Agg",
            "XDG_CACHE_HOME": "/nonexistent",
        }
    )
    return env


def _private_memory(pid):
    """Bytes of anonymous memory (heap, arrays: what a submission allocates) of one process,
    shared pages split among their sharers (``Pss_Anon`` of ``/proc/PID/smaps_rollup``; its
    ``Pss`` on kernels without it). Shared library pages are not counted: their share would
    vary with how many other processes on the machine map the same TensorFlow."""
    try:
        with open("/proc/%d/smaps_rollup" % pid, "rb") as handle:
            text = handle.read().decode("ascii", "replace")
    except OSError:
        return 0
    fields = {}
    for line in text.splitlines()[1:]:
        name, _, value = line.partition(":")
        parts = value.split()
        if parts and parts[0].isdigit():
            fields[name.strip()] = int(parts[0]) * 1024
    return fields.get("Pss_Anon", fields.get("Pss", 0))


def _tree_memory(pid):
    """Memory of ``pid`` and all its descendants, in bytes (0 once gone): the sum of their
    :func:`_private_memory` (a page shared by forked processes is counted once in all)."""
    import psutil

    try:
        root = psutil.Process(pid)
        processes = [root] + root.children(recursive=True)
    except psutil.Error:
        return 0
    return sum(_private_memory(process.pid) for process in processes)


def _kill(process):
    """End the child's whole session (setpriv/unshare and, through them, the child's tree)."""
    import signal

    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.kill()
    except OSError:
        pass
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass


def _describe_limit(limits, kind):
    if kind == "memory":
        return "used more than the memory limit of %s GB: stopped" % _number(limits.memory / GB)
    if kind == "timeout":
        return "ran longer than the time limit of %s s: stopped" % _number(limits.timeout)
    if kind == "cpu":
        return "used more CPU time than the limit: stopped"
    if kind == "start":
        return "the grader's sandbox did not start in time"
    return kind


def _number(value):
    return "%g" % value


def _prepare_scratch(base, files, user):
    """A private folder for one child: ``private`` (root only: the warm-up) and ``scratch``
    (the student's: only its own submission files)."""
    private = tempfile.mkdtemp(prefix="child-", dir=base)
    scratch = os.path.join(private, "scratch")
    os.mkdir(scratch, 0o700)
    os.chmod(private, 0o711)  # the student's user may pass through, not list
    for name, data in files:
        path = os.path.join(scratch, os.path.basename(name))
        with open(path, "wb") as handle:
            handle.write(data)
        if user is not None:
            os.chown(path, *user)
    if user is not None:
        os.chown(scratch, *user)
    return private, scratch


def run_child(request, files, limits, order, hide=(), user=None, base=None):
    """Run one child on ``order`` (graded names) of ``request`` (imports, helpers, functions,
    probes). Returns ``(messages, stopped)``: ``messages`` maps a name to the child's message
    about it (observations / ours / error); ``stopped`` is None when the child finished, else
    ``(name, reason)``: the function that was running when it was stopped or died."""
    iso = isolation(user)
    own_base = base is None
    base = base or tempfile.mkdtemp(prefix="nst-grade-")
    os.chmod(base, 0o711)
    private, scratch = _prepare_scratch(base, files, iso.user)
    log = tempfile.TemporaryFile(dir=private)
    read_fd, write_fd = os.pipe()
    payload = dict(
        request,
        order=list(order),
        results_fd=write_fd,
        scratch=scratch,
        private=private,
        user=iso.user,
        own_mounts=iso.own_mounts,
        hide=[p for p in hide if os.path.isdir(p)] if iso.own_mounts else [],
        limits=dict(asdict(limits), cpu=limits.cpu_seconds(len(order))),
    )
    command = list(iso.prefix) + [sys.executable, "-m", "nst_course.grading.child"]
    messages, stopped, running = {}, None, "(start)"
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=log,
            pass_fds=(write_fd,),
            env=_child_environment(),
            start_new_session=True,
            cwd=private,
        )
    except OSError as exc:
        os.close(read_fd)
        os.close(write_fd)
        shutil.rmtree(private, ignore_errors=True)
        raise RuntimeError("cannot start the grader's sandbox: %s" % exc) from None
    os.close(write_fd)
    try:
        try:
            process.stdin.write(json.dumps(payload).encode("utf-8"))
            process.stdin.close()
        except OSError:
            pass
        stopped, running = _watch(process, read_fd, limits, messages)
    finally:
        if process.poll() is None:
            _kill(process)
        else:  # what it forked into its session, where no process tree of its own ends them
            try:
                os.killpg(process.pid, 9)
            except (ProcessLookupError, PermissionError):
                pass
        os.close(read_fd)
        if stopped is None and running is not None:
            stopped = (running, _death(process, log))
        log.close()
        shutil.rmtree(private, ignore_errors=True)
        if own_base:
            shutil.rmtree(base, ignore_errors=True)
    return messages, stopped


def _death(process, log):
    """Why the child ended early, in one line."""
    code = process.returncode
    try:
        log.seek(0)
        tail = log.read()[-2000:].decode("utf-8", "replace").strip().splitlines()
    except (OSError, ValueError):
        tail = []
    last = tail[-1] if tail else ""
    if code is not None and code < 0:
        return "the grading process was killed by signal %d" % -code
    if code not in (None, 0, 1) or not last or "sigprocmask" in last:
        return "the grading process ended (exit status %s) before the function returned" % code
    return "the grading process failed: %s" % last[:300]


def _watch(process, read_fd, limits, messages):
    """Read the child's lines until it is done, stopping it at a limit.
    Returns ``(stopped, running)``."""
    selector = selectors.DefaultSelector()
    selector.register(read_fd, selectors.EVENT_READ)
    buffer = b""
    running = "(start)"
    started = time.monotonic()
    allowed = START_SECONDS + limits.timeout
    try:
        while True:
            for _ in selector.select(POLL_SECONDS):
                chunk = os.read(read_fd, 65536)
                if not chunk:
                    return None, (None if running is None else running)
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    try:
                        message = json.loads(line.decode("utf-8", "replace"))
                    except ValueError:
                        continue
                    if not isinstance(message, dict):
                        continue
                    event = message.get("event")
                    if event == "ready":
                        messages["(notes)"] = message.get("notes") or []
                    elif event == "start":
                        running = str(message.get("function"))
                        started, allowed = time.monotonic(), limits.timeout
                    elif event == "cpu":
                        return (running, _describe_limit(limits, "cpu")), running
                    elif event == "done":
                        return None, None
                    elif event == "setup-exit":
                        return (running, str(message.get("reason"))[:300]), running
                    elif (
                        isinstance(message.get("function"), str)
                        and message["function"] not in messages
                    ):
                        messages[message["function"]] = message
                        running = None
            if time.monotonic() - started > allowed:
                kind = "start" if running == "(start)" else "timeout"
                return (running, _describe_limit(limits, kind)), running
            if _tree_memory(process.pid) > limits.memory:
                return (running, _describe_limit(limits, "memory")), running
            if process.poll() is not None and not selector.select(0):
                return None, running
    finally:
        selector.close()
