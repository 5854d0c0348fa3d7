"""The sandbox child: ``python -m nst_course.grading.child`` runs one submission's graded
functions and reports what they did, as values, over a pipe.

It is started by the grader's supervisor (:mod:`nst_course.grading.sandbox`), usually inside
``unshare --net --pid --mount`` (no network, its own process tree, its own mount table), as
root when the grader is root. The order matters:

1. as the user that started it: read the request (JSON on stdin), import TensorFlow, numpy,
   the package and the checks, and warm them up on the reference functions (so nothing has
   to be read from the installation once privileges are gone: the installation may be in a
   folder only root can read);
2. hide the class's folders and the output folder behind empty read-only mounts (only in a
   mount namespace of its own);
3. set the limits (CPU seconds, file size, open files, processes, no core files) and drop to
   the unprivileged user (``setgroups([])``, ``setresgid``, ``setresuid``, not dumpable, no new
   privileges), change into the private scratch folder;
4. only then compile and run the submission's code and call
   :func:`nst_course.grading.observe` on each graded function.

Every line written to the result pipe is one JSON object: ``{"event": "ready", "notes": [...]}``,
``{"event": "start", "function": name}``, ``{"function": name, "observations": {...}}`` (or
``"ours"`` / ``"error"`` instead of observations), ``{"event": "cpu"}`` when the CPU limit is
reached, ``{"event": "done"}``. The parent trusts none of it beyond its being values.
"""

import ctypes
import functools
import json
import linecache
import os
import resource
import signal
import sys
import time
import types

PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
#: Packages whose modules a submission's imports name are imported before the drop (the
#: installation may be unreadable afterwards); other imports are tried as the student.
PREIMPORT = ("numpy", "tensorflow", "scipy", "matplotlib", "PIL", "imageio", "nst_course")
#: The course's helper module of the TF1 notebook, served by the package's own helpers.
NST_UTILS_NAMES = (
    "CONFIG",
    "load_vgg_model",
    "reshape_and_normalize_image",
    "generate_noise_image",
    "save_image",
)


class Channel:
    """The result pipe: one JSON object per line."""

    def __init__(self, fd):
        self.fd = fd

    def send(self, **message):
        try:
            line = json.dumps(message, allow_nan=True)
        except (TypeError, ValueError) as exc:
            line = json.dumps(
                {
                    "function": message.get("function"),
                    "error": "observations are not plain values (%s)" % exc,
                }
            )
        data = (line + "\n").encode("utf-8")
        while data:
            written = os.write(self.fd, data)
            data = data[written:]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _quiet_imports(request):
    """Step 1: the imports, as the starting user."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    from nst_course.run.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()
    import numpy  # noqa: F401

    import nst_course._tf  # noqa: F401  (graph mode, as the course's TF1 code expects)
    import nst_course.costs  # noqa: F401
    import nst_course.grading  # noqa: F401
    import nst_course.grading.checks  # noqa: F401  (reference_callees, before the drop)
    import nst_course.training  # noqa: F401

    for name in nst_course.__all__:  # the package's lazily loaded names, for `import *`
        getattr(nst_course, name)
    notes = []
    for module in request.get("modules", []):
        if module.split(".")[0] not in PREIMPORT:
            continue
        try:
            if module.split(".")[0] == "matplotlib":
                import matplotlib

                matplotlib.use("Agg")
            __import__(module)
        except ImportError:
            pass  # ``from a import b`` where b is a name, not a module; or not installed
        except Exception as exc:  # noqa: BLE001 - the student's import will say it again
            notes.append("could not import %s: %s" % (module, " ".join(str(exc).split())[:200]))
    _install_nst_utils()
    return notes


def _install_nst_utils():
    """``from nst_utils import *`` (the course's TF1 helper module) gives the package's helpers."""
    import numpy as np

    import nst_course
    from nst_course._tf import tf

    shim = types.ModuleType("nst_utils")
    for name in NST_UTILS_NAMES:
        setattr(shim, name, getattr(nst_course, name))
    shim.np, shim.tf = np, tf.compat.v1
    sys.modules.setdefault("nst_utils", shim)


def _reference(name):
    import nst_course

    return getattr(nst_course, name)


def _warm_up(request, workdir):
    """Run every check once on the package's own function, as the starting user, so that
    TensorFlow's and the checks' lazily loaded parts are loaded before the drop."""
    import nst_course.grading as checks

    for name, probes in request["probes"].items():
        try:
            checks.observe(name, _reference(name), probes[:1], workdir=workdir)
        except Exception:  # noqa: BLE001 - a warm-up only
            pass
    try:
        import numpy as np

        from nst_course.images import save_image

        image = np.zeros((1, 8, 8, 3), np.float32)
        for ext in (".png", ".jpg"):
            save_image(os.path.join(workdir, "warm-up" + ext), image)
    except Exception:  # noqa: BLE001
        pass


def _hide(paths, own_namespace):
    """Step 2: an empty, unreadable tmpfs over each folder (only in a private mount table)."""
    if not paths:
        return []
    if not own_namespace:
        return ["the class's folders could not be hidden (no private mount table)"]
    libc = _libc()
    notes = []
    for path in paths:
        result = libc.mount(
            b"none",
            os.fsencode(path),
            b"tmpfs",
            MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
            b"size=4k,mode=000",
        )
        if result != 0:
            notes.append("%s could not be hidden (%s)" % (path, os.strerror(ctypes.get_errno())))
    return notes


def _limits(limits):
    """Step 3a: the resource limits (before the drop: RLIMIT_NPROC binds the new user)."""
    cpu = int(limits["cpu"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(limits["fsize"]),) * 2)
    open_now = len(os.listdir("/proc/self/fd"))
    nofile = max(int(limits["nofile"]), open_now + 64)
    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    resource.setrlimit(resource.RLIMIT_NPROC, (int(limits["nproc"]),) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _drop(user):
    """Step 3b: become the unprivileged user for good."""
    libc = _libc()
    if user is not None:
        uid, gid = user
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        if os.getuid() != uid or os.geteuid() != uid or os.getegid() != gid:
            raise RuntimeError("could not drop privileges")
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


class Tripwire:
    """Notes a call of the package's own graded function while that function is graded."""

    def __init__(self):
        self.watching = None
        self.tripped = False
        self.originals = set()

    def install(self, names):
        import nst_course
        import nst_course.costs
        import nst_course.training

        for name in names:
            for module in (nst_course.costs, nst_course.training):
                original = module.__dict__.get(name)
                if callable(original):
                    watched = self._wrap(name, original)
                    setattr(module, name, watched)
                    setattr(nst_course, name, watched)

    def _wrap(self, name, original):
        @functools.wraps(original)
        def watched(*args, **kwargs):
            if self.watching == name:
                self.tripped = True
            return original(*args, **kwargs)

        self.originals.update((original, watched))
        return watched


def is_ours(function, tripwire):
    """Why ``function`` is the package's own (a reason), or None."""
    import nst_course

    package = os.path.dirname(os.path.abspath(nst_course.__file__))
    if function in tripwire.originals:
        return "is nst_course's own %s, not the student's" % getattr(
            function, "__name__", "function"
        )
    module = getattr(function, "__module__", "") or ""
    code = getattr(function, "__code__", None)
    filename = (
        os.path.abspath(code.co_filename)
        if code is not None and code.co_filename[:1] != "<"
        else ""
    )
    if module.split(".")[0] == "nst_course" or (filename and filename.startswith(package + os.sep)):
        return "is nst_course's own code (%s), not the student's" % (module or filename)
    return None


def _run_code(code, namespace, label):
    """Run one piece of the submission; None or the one-line reason it failed."""
    filename = "<submission: %s>" % label
    # the text for inspect.getsource, as IPython does: the checks count its None placeholders
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    try:
        exec(compile(code, filename, "exec"), namespace)
    except SystemExit as exc:
        return "called sys.exit(%s)" % ("" if exc.code is None else repr(exc.code))
    except BaseException as exc:  # noqa: BLE001 - the student's failure is data
        return "%s: %s" % (type(exc).__name__, " ".join(str(exc).split())[:300])
    return None


def _end_strays():
    """End every process the student's code forked, and reap them (zombies count against the
    process limit). Only as the first process of a process tree of its own, where
    ``kill(-1)`` reaches exactly the processes of that tree."""
    if os.getpid() != 1:
        return
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


def _on_cpu_limit(channel):
    def handler(signum, frame):
        channel.send(event="cpu")
        os._exit(124)

    return handler


def main():
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    sys.stdin.close()
    channel = Channel(int(request["results_fd"]))
    notes = _quiet_imports(request)
    scratch = request["scratch"]
    warm = os.path.join(request["private"], "warm-up")
    os.makedirs(warm, exist_ok=True)
    _warm_up(request, warm)
    notes += _hide(request.get("hide", []), request.get("own_mounts", False))
    _limits(request["limits"])
    signal.signal(signal.SIGXCPU, _on_cpu_limit(channel))
    _drop(request.get("user"))
    os.chdir(scratch)
    os.environ["HOME"] = scratch
    tripwire = Tripwire()
    tripwire.install(list(request["functions"]))
    channel.send(event="ready", notes=notes, uid=os.getuid())

    import nst_course.grading as checks
    from nst_course.grading.checks import reference_callees  # imported before the drop

    namespace = {"__name__": "__submission__", "__builtins__": __builtins__}
    channel.send(event="start", function="(setup)")
    for index, statement in enumerate(request.get("imports", [])):
        _run_code(statement, namespace, "import %d" % (index + 1))  # a failing import is skipped
    setup_errors = [
        e
        for e in (_run_code(code, namespace, "helper") for code in request.get("helpers", []))
        if e
    ]
    if setup_errors and any(e.startswith("called sys.exit") for e in setup_errors):
        channel.send(event="setup-exit", reason=setup_errors[0])
    for name in request["order"]:
        started = time.monotonic()
        channel.send(event="start", function=name)
        error = _run_code(request["functions"][name], namespace, name)
        if error:
            channel.send(function=name, error=error, seconds=time.monotonic() - started)
            continue
        function = namespace.get(name)
        if function is None or not callable(function):
            channel.send(function=name, error="%s is not a function" % name, seconds=0.0)
            continue
        reason = is_ours(function, tripwire)
        if reason:
            channel.send(function=name, ours=reason, seconds=time.monotonic() - started)
            continue
        workdir = os.path.join(scratch, name)
        os.makedirs(workdir, exist_ok=True)
        tripwire.watching, tripwire.tripped = name, False
        try:
            observations = checks.observe(
                name,
                function,
                request["probes"][name],
                workdir=workdir,
                callees=reference_callees(name),  # one bug costs one function
            )
        except SystemExit as exc:
            channel.send(
                function=name,
                error="called sys.exit(%s)" % ("" if exc.code is None else repr(exc.code)),
                seconds=time.monotonic() - started,
            )
            continue
        except BaseException as exc:  # noqa: BLE001
            channel.send(
                function=name,
                error="%s: %s" % (type(exc).__name__, " ".join(str(exc).split())[:300]),
                seconds=time.monotonic() - started,
            )
            continue
        finally:
            tripwire.watching = None
            _end_strays()
        if tripwire.tripped:
            channel.send(
                function=name,
                ours="calls nst_course's own %s" % name,
                seconds=time.monotonic() - started,
            )
            continue
        channel.send(function=name, observations=observations, seconds=time.monotonic() - started)
    channel.send(event="done")


if __name__ == "__main__":
    status = 0
    try:
        main()
    except BaseException:  # noqa: BLE001 - the grader's own failure: to the log, exit 1
        import traceback

        traceback.print_exc()
        status = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # noqa: BLE001
            pass
        os._exit(status)  # no interpreter teardown: TensorFlow's atexit work is not needed
