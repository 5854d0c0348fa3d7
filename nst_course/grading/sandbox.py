"""The supervisor side of the sandbox: one warm *zygote* per grading process, inside
bubblewrap's allow-list world, forking a fresh sandbox per graded function of a submission
(:mod:`nst_course.grading.box` is the other side). Every clock and limit is kept here.

The world (bubblewrap, run as root, without a user namespace, so that a root-only virtual
environment or clone can still be bound): read-only binds of ``/usr`` (and the ``/bin``,
``/lib``... links to it), the interpreter's own prefix, the virtual environment's
``site-packages`` (an installed ``nst_course`` there is covered by the given code), the
staged given code (:mod:`nst_course.grading.stage`) at ``/given``, ``/etc/ld.so.cache``; a
minimal ``/dev``, its own ``/proc``; new IPC, PID, network and UTS namespaces; dies with its
parent; a new session (no terminal). Nothing else of the machine exists in it: not ``/etc``,
not ``/root``, not the checkout, not the class's folders, not ``--out``.

Per job (one graded function of one submission), on top of that world:

- a box user: a uid/gid of its own from :data:`UIDS`, held with a lock file for the job's
  whole life (as isolate does with its boxes), so no two sandboxes ever share a uid;
- a cgroup of its own (cgroup v1 ``memory`` + ``pids``, or v2), created here, limits set,
  killed and removed afterwards: the kernel counts anonymous, shared (``mmap(MAP_SHARED)``,
  SysV) and tmpfs memory alike; the pids controller bounds processes and threads;
- new mount, IPC, network, UTS, PID and cgroup namespaces; fresh size-limited tmpfs on
  ``/box`` (its scratch folder), ``/tmp``, ``/var/tmp``, ``/dev/shm``: gone with the job;
- rlimits (CPU seconds, file size, open files, processes, no core files);
- wall time on this process's clock: ``--timeout`` per function, and the submission's total;
  the child cannot extend either (it sends nothing but its one result).

Where bubblewrap, namespaces, root or Linux are missing, :func:`require_sandbox` refuses in
one line (unless ``--no-sandbox``); where cgroups are not usable, :func:`machine` says so in a
note that reaches every output.
"""

import atexit
import errno
import fcntl
import json
import os
import random
import select
import shutil
import signal
import site
import socket
import subprocess
import sys
import sysconfig
import threading
import time
from dataclasses import dataclass

from ..errors import NSTError
from .box import recv_frame, send_frame

GB = 1024**3
MB = 1024**2
#: Seconds allowed for a zygote to start (TensorFlow's import, once per grading process).
START_SECONDS = 240
#: The box users' uids (and gids): one per running sandbox, as isolate's boxes.
UIDS = range(61000, 62000)
#: The most a job may send back (its one result line), in bytes.
MAX_RESULT = 8 * MB
INSTALL_HINT = (
    "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install "
    "bubblewrap; Arch: pacman -S bubblewrap) and run grade as root, or pass --no-sandbox to "
    "run the submissions unconfined"
)
UNCONFINED_NOTE = (
    "UNCONFINED: graded with --no-sandbox: the submission's code ran with the grader's own "
    "user, files and network, without limits the kernel enforces"
)


class SandboxUnavailable(NSTError):
    """No sandbox can be made on this machine (and --no-sandbox was not given)."""


@dataclass
class Limits:
    """The limits of one submission: wall seconds per graded function (``timeout``) and in all
    (``submission``, default: ``timeout`` times the number of functions), memory of a job's
    cgroup (anonymous, shared and tmpfs), the largest file, open files, processes and
    threads, the size of each private tmpfs (``tmpfs``: /tmp, /var/tmp, /dev/shm) and of the
    scratch folder."""

    timeout: float = 120.0
    memory: float = 4 * GB
    fsize: int = 64 * MB
    nofile: int = 256
    nproc: int = 64
    tmpfs: int = 64 * MB
    scratch: int = 256 * MB
    submission: float = 0.0

    def cpu_seconds(self):
        return int(2 * self.timeout + 10)

    def total(self, functions):
        return self.submission or self.timeout * max(1, functions)

    def for_job(self):
        return {
            "cpu": self.cpu_seconds(),
            "fsize": int(self.fsize),
            "nofile": int(self.nofile),
            "nproc": int(self.nproc),
            "tmpfs": int(self.tmpfs),
            "scratch": int(self.scratch),
        }


# --------------------------------------------------------------------------- the machine


@dataclass(frozen=True)
class Machine:
    """What this machine gives: bubblewrap's path (None: no sandbox), the cgroup kind
    ('v1', 'v2' or None) and notes for the outputs."""

    bwrap: str | None
    cgroups: str | None
    notes: tuple
    problem: str | None


def _cgroup_kind():
    if not os.path.isdir("/sys/fs/cgroup"):
        return None, "no cgroup file system is mounted"
    if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):  # cgroup v2 only
        try:
            with open("/sys/fs/cgroup/cgroup.subtree_control") as handle:
                enabled = handle.read().split()
        except OSError as exc:
            return None, "cgroup v2 is not readable (%s)" % exc.strerror
        missing = [c for c in ("memory", "pids") if c not in enabled]
        if missing:
            return None, "cgroup v2 has no %s controller enabled" % " and ".join(missing)
        kind, roots = "v2", ["/sys/fs/cgroup"]
    elif os.path.exists("/sys/fs/cgroup/memory/memory.limit_in_bytes") and os.path.isdir(
        "/sys/fs/cgroup/pids"
    ):
        kind, roots = "v1", ["/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids"]
    else:
        return None, "no memory and pids cgroup controllers are mounted"
    probe = "nst-course-probe-%d-%d" % (os.getpid(), random.randrange(1 << 30))
    made = []
    try:
        for root in roots:
            os.mkdir(os.path.join(root, probe))
            made.append(os.path.join(root, probe))
    except OSError as exc:
        return None, "cgroups are not writable here (%s)" % (exc.strerror or exc)
    finally:
        for path in made:
            try:
                os.rmdir(path)
            except OSError:
                pass
    return kind, None


_MACHINE = None
_MACHINE_LOCK = threading.Lock()


def machine() -> Machine:
    """The sandbox this machine allows (found once per process)."""
    global _MACHINE
    with _MACHINE_LOCK:
        if _MACHINE is None:
            _MACHINE = _find_machine()
        return _MACHINE


def _find_machine():
    if not sys.platform.startswith("linux"):
        return Machine(None, None, (), "the grader's sandbox needs Linux (bubblewrap)")
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return Machine(None, None, (), "bubblewrap (bwrap) is not installed")
    if os.geteuid() != 0:
        return Machine(
            None,
            None,
            (),
            "the grader's sandbox needs root (a user and a cgroup of its own per submission)",
        )
    try:
        tried = subprocess.run(
            [bwrap, "--ro-bind", "/", "/", "--unshare-ipc", "--unshare-pid", "--unshare-net"]
            + ["--unshare-uts", "--die-with-parent", "--", "/bin/true"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return Machine(None, None, (), "bubblewrap cannot run here (%s)" % exc)
    if tried.returncode != 0:
        reason = " ".join(tried.stderr.decode("utf-8", "replace").split())[:200]
        return Machine(None, None, (), "bubblewrap cannot make namespaces here (%s)" % reason)
    kind, why = _cgroup_kind()
    notes = ()
    if kind is None:
        notes = (
            "no usable cgroups on the grading machine (%s): memory and processes were NOT "
            "limited by the kernel (only CPU time, file size and open files by rlimits)" % why,
        )
    return Machine(bwrap, kind, notes, None)


def require_sandbox(no_sandbox: bool = False) -> tuple:
    """Notes for the outputs; raises :class:`SandboxUnavailable` when no sandbox can be made
    and ``no_sandbox`` is False."""
    if no_sandbox:
        return (UNCONFINED_NOTE,)
    found = machine()
    if found.problem:
        raise SandboxUnavailable(
            "cannot sandbox the submissions: %s; %s" % (found.problem, INSTALL_HINT)
        )
    return found.notes


# --------------------------------------------------------------------------- box users


def _lock_folder():
    for base in ("/run", "/var/run", "/tmp"):
        path = os.path.join(base, "nst-course-boxes")
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        except OSError:
            continue
        info = os.lstat(path)
        if (
            os.path.isdir(path)
            and not os.path.islink(path)
            and info.st_uid == 0
            and not info.st_mode & 0o077
        ):
            return path
    raise SandboxUnavailable("no private folder for the sandboxes' lock files (/run, /tmp)")


class BoxUser:
    """A uid/gid from :data:`UIDS` held (a lock file, ``flock``) until :meth:`release`."""

    def __init__(self):
        folder = _lock_folder()
        start = random.randrange(len(UIDS))
        for k in range(len(UIDS)):
            uid = UIDS[(start + k) % len(UIDS)]
            fd = os.open(
                os.path.join(folder, "%d.lock" % uid),
                os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                0o600,
            )
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            self.uid = self.gid = uid
            self._fd = fd
            return
        raise SandboxUnavailable("all %d sandbox users are busy" % len(UIDS))

    def release(self):
        _kill_user(self.uid)  # nothing of the box's user outlives its job
        os.close(self._fd)


def _kill_user(uid):
    for _ in range(5):
        found = False
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                if os.stat("/proc/" + name).st_uid == uid:
                    os.kill(int(name), signal.SIGKILL)
                    found = True
            except OSError:
                pass
        if not found:
            return
        time.sleep(0.05)


# --------------------------------------------------------------------------- cgroups


class JobCgroup:
    """A cgroup made for one job (memory and pids limits), killed and removed by
    :meth:`close`. ``kind`` None: no cgroup (the machine has none)."""

    _counter = 0

    def __init__(self, kind, memory, pids):
        self.kind = kind
        self.paths = []
        if kind is None:
            return
        JobCgroup._counter += 1
        name = "nst-course-%d-%d-%d" % (os.getpid(), threading.get_ident() % 100000, self._counter)
        roots = (
            ["/sys/fs/cgroup"] if kind == "v2" else ["/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids"]
        )
        try:
            for root in roots:
                path = os.path.join(root, name)
                os.mkdir(path)
                self.paths.append(path)
            if kind == "v2":
                self._write("memory.max", memory)
                self._write("memory.swap.max", 0, required=False)
                self._write("pids.max", pids)
            else:
                self._write("memory.limit_in_bytes", memory, root=0)
                self._write("memory.memsw.limit_in_bytes", memory, root=0, required=False)
                self._write("pids.max", pids, root=1)
        except OSError:
            self.close()
            raise

    def _write(self, name, value, root=0, required=True):
        try:
            with open(os.path.join(self.paths[root], name), "w") as handle:
                handle.write(str(int(value)))
        except OSError:
            if required:
                raise

    def procs_fds(self):
        """Write-only descriptors of each ``cgroup.procs``: the job writes "0" to join."""
        return [os.open(os.path.join(p, "cgroup.procs"), os.O_WRONLY) for p in self.paths]

    def pids(self):
        found = set()
        for path in self.paths:
            try:
                with open(os.path.join(path, "cgroup.procs")) as handle:
                    found.update(int(line) for line in handle if line.strip())
            except OSError:
                pass
        return found

    def out_of_memory(self):
        """True if the kernel's OOM killer acted in this group."""
        if not self.paths:
            return False
        name = "memory.events" if self.kind == "v2" else "memory.oom_control"
        try:
            with open(os.path.join(self.paths[0], name)) as handle:
                for line in handle:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill" and int(value) > 0:
                        return True
        except (OSError, ValueError):
            pass
        return False

    def kill(self):
        if self.kind == "v2" and self.paths:
            try:
                with open(os.path.join(self.paths[0], "cgroup.kill"), "w") as handle:
                    handle.write("1")
            except OSError:
                pass
        for _ in range(200):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.01)

    def close(self):
        self.kill()
        for path in self.paths:
            for _ in range(100):
                try:
                    os.rmdir(path)
                    break
                except OSError as exc:
                    if exc.errno != errno.EBUSY:
                        break
                    time.sleep(0.02)
        self.paths = []


# --------------------------------------------------------------------------- the zygote


def _python():
    return os.path.realpath(sys.executable)


def _site_packages():
    found = []
    # and the package folders .pth lines added (an environment extended by another's)
    added = [p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages")]
    for path in site.getsitepackages() + [sysconfig.get_paths()["purelib"]] + added:
        path = os.path.realpath(path)
        if os.path.isdir(path) and path not in found:
            found.append(path)
    return found


#: Folders the sandbox mounts afresh (tmpfs, its own /dev and /proc, the given code): a bind
#: below one of them would be hidden, so such a path is bound under :data:`RELOCATED` instead
#: (a virtual environment in ``mktemp -d``, as in CI, lives under /tmp).
COVERED_BY_SANDBOX = ("/tmp", "/var/tmp", "/dev", "/proc", "/box", "/given")
RELOCATED = "/outside"


def _inside(path: str) -> str:
    """Where the sandbox sees the machine's ``path`` (itself, or under :data:`RELOCATED`)."""
    if any(path == top or path.startswith(top + "/") for top in COVERED_BY_SANDBOX):
        return RELOCATED + path
    return path


def _bind_roots():
    """The read-only binds of the sandbox's world: (source, destination) pairs."""
    sources = ["/usr"]
    for folder in (sys.base_prefix, os.path.dirname(os.path.dirname(_python()))):
        folder = os.path.realpath(folder)
        if not folder.startswith("/usr/") and folder not in sources:
            sources.append(folder)
    for path in _site_packages():
        if not any(path == s or path.startswith(s + "/") for s in sources):
            sources.append(path)
    return [(source, _inside(source)) for source in sources]


def _covered(binds):
    """Folders inside the bound roots that hold the package's solution: an installed or
    checked-out ``nst_course`` (covered with the given code) and the checkout's notebooks
    (covered with an empty folder). Usually none: the checkout is not under a bound root."""
    import sysconfig as config

    import nst_course

    package = os.path.dirname(os.path.realpath(nst_course.__file__))
    candidates = {package, os.path.join(os.path.dirname(package), "notebooks")}
    base = {"base": sys.base_prefix, "platbase": sys.base_prefix}
    folders = list(sys.path) + _site_packages() + [config.get_paths(vars=base)["purelib"]]
    for folder in folders:
        candidates.add(os.path.join(os.path.realpath(folder or "."), "nst_course"))
    covered = []
    for path in sorted(candidates):
        inside = any(path.startswith(s.rstrip("/") + "/") for s, _ in binds)
        if inside and os.path.isdir(path):
            covered.append(_inside(path))
    return covered


def bwrap_command(bwrap: str, stage_dir: str, control_fd: int) -> list:
    """The bubblewrap command that starts a zygote (an allow-list world, see the module)."""
    command = [bwrap]
    for link in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(link):
            command += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            command += ["--ro-bind", link, link]
    binds = _bind_roots()
    # bubblewrap makes the folders above a bind readable by root only: make them passable
    parents = set()
    for _, destination in binds:
        folder = os.path.dirname(destination)
        while folder not in ("/", "") and not any(folder == d for _, d in binds):
            parents.add(folder)
            folder = os.path.dirname(folder)
    for folder in sorted(parents, key=lambda f: f.count("/")):
        command += ["--perms", "0755", "--dir", folder]
    for source, destination in binds:
        command += ["--ro-bind", source, destination]
    python_path = ["/given"] + [_inside(path) for path in _site_packages()]
    for path in _covered(binds):  # the package (and its notebooks) where a bind would show it
        if path.endswith("/nst_course"):
            command += ["--ro-bind", os.path.join(stage_dir, "nst_course"), path]
        else:
            command += ["--tmpfs", path, "--remount-ro", path]
    command += ["--ro-bind", stage_dir, "/given"]
    for path in ("/etc/ld.so.cache", "/etc/localtime"):
        command += ["--ro-bind-try", path, path]
    command += ["--dev", "/dev", "--proc", "/proc"]
    command += ["--size", str(64 * MB), "--tmpfs", "/tmp", "--dir", "/var/tmp", "--dir", "/box"]
    command += ["--remount-ro", "/"]
    command += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    command += ["--die-with-parent", "--new-session", "--clearenv", "--chdir", "/"]
    environment = {
        "PYTHONPATH": ":".join(python_path),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "PYTHONHASHSEED": "0",
        "HOME": "/tmp",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "MPLBACKEND": "Agg",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TF_NUM_INTRAOP_THREADS": "1",
        "TF_NUM_INTEROP_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
    }
    for name in ("TF_ENABLE_ONEDNN_OPTS",):
        if name in os.environ:
            environment[name] = os.environ[name]
    for name, value in environment.items():
        command += ["--setenv", name, value]
    python = _inside(_python())
    return command + ["--", python, "-S", "-m", "nst_course.grading.box", str(control_fd), "1"]


def _unconfined_command(stage_dir, control_fd):
    return [_python(), "-S", "-m", "nst_course.grading.box", str(control_fd), "0"]


@dataclass
class Outcome:
    """What one job left: the bytes it sent, how it ended, and which limit stopped it."""

    data: bytes
    status: int | None  # the job's exit status (128 + signal when killed), None if unknown
    limit: str | None  # None, "timeout", "memory", "result"


class Zygote:
    """One warm sandbox parent (see the module); :meth:`run` runs one job in it."""

    def __init__(self, confined=True):
        from .stage import shared_stage, stage

        self.confined = confined
        self.machine = machine() if confined else None
        if confined:  # one tree per version of the package, in the root-only box folder
            self.stage_dir, self.own_stage = shared_stage(_lock_folder()), False
        else:
            self.stage_dir, self.own_stage = stage(), True
        self.process = None
        self.sock = None
        self.jobs = 0

    def start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        if self.confined:
            command = bwrap_command(self.machine.bwrap, self.stage_dir, theirs.fileno())
            env = {"PATH": "/usr/bin:/bin"}
        else:
            command = _unconfined_command(self.stage_dir, theirs.fileno())
            python_path = ":".join([self.stage_dir] + _site_packages())
            env = dict(os.environ, PYTHONPATH=python_path, TF_CPP_MIN_LOG_LEVEL="3")
            env.update(MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
        import tempfile

        log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            pass_fds=(theirs.fileno(),),
            env=env,
            cwd="/",
        )
        theirs.close()
        self.sock = ours
        ready, _, _ = select.select([ours], [], [], START_SECONDS)
        message = None
        if ready:
            try:
                message, _ = recv_frame(ours)
            except (OSError, ValueError):
                message = None
        if not message or not message.get("ready"):
            log.seek(0)
            error = log.read()[-2000:]
            log.close()
            self.stop()
            raise SandboxUnavailable(
                "the grader's sandbox did not start: %s"
                % (" ".join(error.decode("utf-8", "replace").split())[-300:] or "no reason given")
            )
        log.close()

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
            self.process = None

    def close(self):
        self.stop()
        from .stage import remove_stage

        if self.own_stage:
            remove_stage(self.stage_dir)

    def _job_global_pid(self, ns_pid):
        """The global pid of the job's first process (``ns_pid`` in the zygote's namespace)."""
        import psutil

        try:
            processes = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.Error:
            return None
        for process in processes:
            try:
                with open("/proc/%d/status" % process.pid) as handle:
                    for line in handle:
                        if line.startswith("NSpid:"):
                            ids = line.split()[1:]
                            if len(ids) >= 2 and int(ids[1]) == ns_pid:
                                return process.pid
            except (OSError, ValueError):
                pass
        return None

    def _kill_job(self, ns_pid, cgroup):
        cgroup.kill()
        if not self.confined:
            if ns_pid:
                _kill_tree(ns_pid)
            return
        pid = self._job_global_pid(ns_pid) if ns_pid else None
        if pid:
            _kill_tree(pid)

    def run(self, request: dict, limits: Limits, deadline: float) -> Outcome:
        """Run one job (``request``: what :func:`nst_course.grading.box.run_function` reads)
        until it ends or ``deadline`` (this process's monotonic clock). Returns an
        :class:`Outcome`."""
        if not self.alive():
            self.start()
        self.jobs += 1
        user = BoxUser() if self.confined else None
        kind = self.machine.cgroups if self.confined else None
        cgroup = JobCgroup(kind, limits.memory, limits.nproc)
        memfd = os.memfd_create("request", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        data = json.dumps(request).encode("utf-8")
        view = memoryview(data)
        while view:
            view = view[os.write(memfd, view) :]
        fcntl.fcntl(
            memfd,
            fcntl.F_ADD_SEALS,
            fcntl.F_SEAL_WRITE | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_SEAL,
        )
        read_fd, write_fd = os.pipe()
        procs = cgroup.procs_fds()
        header = {
            "job": self.jobs,
            "uid": user.uid if user else os.getuid(),
            "gid": user.gid if user else os.getgid(),
            "limits": limits.for_job(),
        }
        received, status, limit, ns_pid = [], None, None, None
        size = 0
        try:
            send_frame(self.sock, header, [memfd, write_fd] + procs)
        except OSError:
            self.stop()
            status = None
        finally:
            for fd in [memfd, write_fd] + procs:
                os.close(fd)
        try:
            while self.sock is not None and status is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    limit = "timeout"
                    break
                ready, _, _ = select.select([self.sock, read_fd], [], [], min(left, 1.0))
                if read_fd in ready:
                    chunk = os.read(read_fd, 1 << 16)
                    size += len(chunk)
                    if size > MAX_RESULT:
                        limit = "result"
                        break
                    if chunk:
                        received.append(chunk)
                if self.sock in ready:
                    try:
                        message, _ = recv_frame(self.sock)
                    except (OSError, ValueError):
                        message = None
                    if message is None:  # the zygote died
                        self.stop()
                        break
                    if "pid" in message:
                        ns_pid = message["pid"]
                    if "status" in message:
                        status = message["status"]
            if status is None and self.sock is not None:
                self._kill_job(ns_pid, cgroup)
                status = self._wait_status()
            if limit is None and cgroup.out_of_memory():
                limit = "memory"
            self._drain(read_fd, received, size)
        finally:
            os.close(read_fd)
            cgroup.close()
            if user is not None:
                user.release()
        if status is not None and os.WIFEXITED(status):
            status = os.WEXITSTATUS(status)
        elif status is not None and os.WIFSIGNALED(status):
            status = 128 + os.WTERMSIG(status)
        return Outcome(b"".join(received), status, limit)

    def _wait_status(self):
        """After a kill: the zygote's report of the job's end (or None, and a new zygote)."""
        end = time.monotonic() + 30
        while time.monotonic() < end:
            ready, _, _ = select.select([self.sock], [], [], 1.0)
            if ready:
                try:
                    message, _ = recv_frame(self.sock)
                except (OSError, ValueError):
                    message = None
                if message is None:
                    break
                if "status" in message:
                    return message["status"]
        self.stop()
        return None

    @staticmethod
    def _drain(read_fd, received, size):
        os.set_blocking(read_fd, False)
        end = time.monotonic() + 2
        while size <= MAX_RESULT and time.monotonic() < end:
            try:
                chunk = os.read(read_fd, 1 << 16)
            except BlockingIOError:
                time.sleep(0.01)
                continue
            if not chunk:
                return
            size += len(chunk)
            received.append(chunk)


def _kill_tree(pid):
    import psutil

    try:
        root = psutil.Process(pid)
        tree = root.children(recursive=True) + [root]
    except psutil.Error:
        return
    for process in tree:
        try:
            process.kill()
        except psutil.Error:
            pass


_LOCAL = threading.local()
_ALL: list = []


def zygote(confined: bool = True) -> "Zygote":
    """This thread's zygote (one per grading thread: a Dask worker has one)."""
    key = "confined" if confined else "unconfined"
    found = getattr(_LOCAL, key, None)
    if found is None:
        found = Zygote(confined)
        setattr(_LOCAL, key, found)
        _ALL.append(found)
    return found


@atexit.register
def _close_all():
    for found in _ALL:
        try:
            found.close()
        except Exception:  # noqa: BLE001 - leaving the process anyway
            pass
