"""The sandbox's own side: a warm process (the *zygote*) that forks one fresh sandbox per
graded function of a submission. It runs inside bubblewrap's allow-list world (see
:mod:`nst_course.grading.sandbox`) and imports only the staged given code
(:mod:`nst_course.grading.stage`): no reference implementation exists in its world.

    python -S -m nst_course.grading.box CONTROL_FD CONFINED

The zygote imports TensorFlow, numpy and the checks' code once, builds no session (a session
starts thread pools, and a fork copies only the calling thread), says ``ready``, then serves
jobs from the supervisor over the control socket: a small JSON header with file descriptors
(SCM_RIGHTS): the request (a sealed memfd: the student's code, the probes, the oracles), the
result pipe's write end, and the job's cgroup ``cgroup.procs`` files (opened by the supervisor).

Per job (one graded function of one submission)::

    zygote --fork--> C1: joins the job's cgroups (writes "0" to each cgroup.procs),
                         unshare(mount, IPC, network, UTS, PID, cgroup namespaces),
                         fresh size-limited tmpfs on /box, /tmp, /var/tmp, /dev/shm
           --fork--> C2: pid 1 of its own PID namespace, its own /proc; rlimits; becomes the
                         box's own uid/gid (no groups, no capabilities, no new privileges,
                         not dumpable, killed with C1); closes every descriptor but the result
                         pipe; runs the student's imports, helpers and the one function's
                         code, then observes that function on the probes; writes ONE JSON
                         line to the result pipe; exits.

The supervisor trusts none of it beyond being values under a strict schema
(:mod:`nst_course.grading.protocol`), and keeps every clock and limit itself.
"""

import builtins
import ctypes
import hashlib
import json
import linecache
import os
import resource
import signal
import socket
import struct
import sys
import tempfile
import time

from .protocol import UNEXPECTED_GRAM

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x00020000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWNET = 0x08000000, 0x20000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 1 << 14, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 4, 24, 38
#: Where the student's scratch folder is, inside a confined job.
BOX = "/box"
#: Modules imported once by the zygote, so a job does not pay for them.
WARM_MODULES = (
    "numpy",
    "scipy",
    "scipy.io",
    "PIL.Image",
    "imageio",
    "matplotlib",
    "matplotlib.pyplot",
    "nst_course",
    "nst_course._tf",
    "nst_course.seeding",
    "nst_course.config",
    "nst_course.costs",
    "nst_course.images",
    "nst_course.vgg",
    "nst_course.weights",
    "nst_course.weights.synthetic",
    "nst_course.grading.observing",
)
#: The course's helper module of the TF1 notebook (``from nst_utils import *``).
NST_UTILS_NAMES = (
    "CONFIG",
    "load_vgg_model",
    "reshape_and_normalize_image",
    "generate_noise_image",
    "save_image",
)
#: Bytes of a saved image the job reads back for the supervisor (larger: not sent).
IMAGE_BYTES = 1 << 20


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        raise OSError(ctypes.get_errno(), "%s: %s" % (what, os.strerror(ctypes.get_errno())))


# --------------------------------------------------------------------------- framing


def send_frame(sock: socket.socket, message: dict, fds: tuple = ()) -> None:
    """One length-prefixed JSON message, with descriptors attached to its first byte."""
    data = json.dumps(message).encode("utf-8")
    frame = struct.pack("!I", len(data)) + data
    if fds:
        sent = socket.send_fds(sock, [frame[:1]], list(fds))
        frame = frame[sent:]
    sock.sendall(frame)


def recv_frame(sock: socket.socket, max_fds: int = 0, limit: int = 1 << 20) -> tuple:
    """The next message and its descriptors; (None, []) at end of stream."""
    fds: list = []
    if max_fds:
        data, fds, _, _ = socket.recv_fds(sock, 1, max_fds)
    else:
        data = sock.recv(1)
    if not data:
        return None, fds
    while len(data) < 4:
        more = sock.recv(4 - len(data))
        if not more:
            return None, fds
        data += more
    (size,) = struct.unpack("!I", data[:4])
    if size > limit:
        raise ValueError("control message of %d bytes" % size)
    body = data[4:]
    while len(body) < size:
        more = sock.recv(size - len(body))
        if not more:
            return None, fds
        body += more
    return json.loads(body.decode("utf-8")), fds


# --------------------------------------------------------------------------- the zygote


def _warm():
    """Import what jobs need, as the zygote's (privileged) user, before any job."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    from nst_course.run.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()
    notes = []
    for module in WARM_MODULES:
        try:
            __import__(module)
        except Exception as exc:  # noqa: BLE001 - a job importing it will say it again
            notes.append("%s: %s" % (module, type(exc).__name__))
    import types

    import nst_course

    shim = types.ModuleType("nst_utils")
    for name in NST_UTILS_NAMES:
        setattr(shim, name, getattr(nst_course, name))
    import numpy as np

    from nst_course._tf import tf

    shim.np, shim.tf = np, tf.compat.v1
    sys.modules["nst_utils"] = shim
    return notes


def serve(control_fd: int, confined: bool) -> None:
    """The zygote's loop: one job at a time, until the supervisor closes the socket."""
    sock = socket.socket(fileno=control_fd)
    notes = _warm()
    send_frame(
        sock,
        {"ready": True, "threads": len(os.listdir("/proc/self/task")), "notes": notes},
    )
    while True:
        header, fds = recv_frame(sock, max_fds=8)
        if header is None:
            return
        pid = os.fork()
        if pid == 0:
            status = 70
            try:
                sock.close()
                status = _job(header, fds, confined)
            except BaseException:  # noqa: BLE001 - a failed set-up: the job's exit status says so
                status = 71
            os._exit(status)
        for fd in fds:
            os.close(fd)
        send_frame(sock, {"job": header.get("job"), "pid": pid})
        _, status = os.waitpid(pid, 0)
        send_frame(sock, {"job": header.get("job"), "status": status})


# --------------------------------------------------------------------------- one job


def _read_request(fd):
    chunks = []
    os.lseek(fd, 0, os.SEEK_SET)
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return json.loads(b"".join(chunks).decode("utf-8"))


def _mount_tmpfs(libc, path, size, mode, owner=None):
    options = "size=%d,mode=%o" % (size, mode)
    if owner is not None:
        options += ",uid=%d,gid=%d" % owner
    _check(
        libc.mount(b"tmpfs", path.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options.encode()),
        "mount " + path,
    )


def _job(header, fds, confined):
    """C1: join the cgroups, take new namespaces and fresh tmpfs, fork C2, wait, exit."""
    request_fd, result_fd, *cgroup_fds = fds
    request = _read_request(request_fd)
    for fd in cgroup_fds:
        os.write(fd, b"0")
        os.close(fd)
    uid, gid = header["uid"], header["gid"]
    limits = header["limits"]
    libc = _libc()
    if confined:
        _check(
            libc.unshare(
                CLONE_NEWNS
                | CLONE_NEWIPC
                | CLONE_NEWNET
                | CLONE_NEWUTS
                | CLONE_NEWPID
                | CLONE_NEWCGROUP
            ),
            "unshare",
        )
        _check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "private mounts")
        for path in ("/tmp", "/var/tmp", "/dev/shm"):
            _mount_tmpfs(libc, path, int(limits["tmpfs"]), 0o1777)
        _mount_tmpfs(libc, BOX, int(limits["scratch"]), 0o700, (uid, gid))
        workdir = BOX
    else:
        workdir = tempfile.mkdtemp(prefix="nst-grade-unconfined-")
    for name, data in request.get("files", []):
        path = os.path.join(workdir, os.path.basename(name) or "_")
        with open(path, "wb") as handle:
            handle.write(bytes.fromhex(data))
        if confined:
            os.chown(path, uid, gid)
    pid = os.fork()
    if pid == 0:
        try:
            _student(header, request, result_fd, workdir, confined)
        finally:
            os._exit(72)
    os.close(result_fd)
    _, status = os.waitpid(pid, 0)
    if not confined:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _drop(libc, uid, gid, confined):
    if confined:
        for cap in range(64):  # the bounding set: no capability can ever come back
            if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                break
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid):
            raise RuntimeError("could not become the box's user")
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no new privileges")
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # after the uid change, which clears it
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def _limits(limits, confined):
    cpu = int(limits["cpu"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(limits["fsize"]),) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (int(limits["nofile"]),) * 2)
    if confined:  # counts the uid's processes: only the box's own uid is the sandbox's alone
        resource.setrlimit(resource.RLIMIT_NPROC, (int(limits["nproc"]),) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _close_all_but(keep):
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd != keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _student(header, request, result_fd, workdir, confined):
    """C2: the student's process."""
    libc = _libc()
    if confined:
        _check(
            libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None), "proc"
        )
        libc.sethostname(b"sandbox", 7)
    _limits(header["limits"], confined)
    _drop(libc, header["uid"], header["gid"], confined)
    _close_all_but(result_fd)
    os.chdir(workdir)
    os.environ.clear()
    os.environ.update(
        {
            "HOME": workdir,
            "TMPDIR": "/tmp" if confined else workdir,
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "MPLBACKEND": "Agg",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "OMP_NUM_THREADS": "1",
        }
    )
    message = run_function(request, workdir)
    try:
        line = json.dumps(message, allow_nan=False)
    except (TypeError, ValueError) as exc:
        line = json.dumps({"error": "its results are not plain values (%s)" % exc})
    data = (line + "\n").encode("utf-8")
    while data:
        data = data[os.write(result_fd, data) :]
    os._exit(0)


# --------------------------------------------------------------------------- the function


def _one_line(exc):
    return "%s: %s" % (type(exc).__name__, " ".join(str(exc).split())[:300])


def _run_code(code, namespace, label):
    """Run one piece of the submission; None or the one-line reason it failed."""
    filename = "<submission: %s>" % label
    # its text for inspect.getsource, as IPython registers a cell's: the checks count the
    # course's None placeholders in it ("not implemented yet", as in the notebook)
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    try:
        exec(compile(code, filename, "exec"), namespace)
    except SystemExit as exc:
        return "called sys.exit(%s)" % ("" if exc.code is None else repr(exc.code))
    except BaseException as exc:  # noqa: BLE001 - the student's failure is data
        return _one_line(exc)
    return None


def _key(array):
    """The lookup key of a float32 matrix: its shape and a digest of its bytes."""
    import numpy as np

    array = np.ascontiguousarray(array, dtype=np.float32)
    return "%s:%s" % ("x".join(map(str, array.shape)), hashlib.sha256(array.tobytes()).hexdigest())


#: What a gram_matrix oracle raises for a matrix the check did not expect (judging has a hint
#: of its own for it: ``unexpected-gram-input``).


def _attr_text(attr, dtype):
    """One attribute of a NodeDef as TensorFlow's shape errors print it (None: a kind not
    printed here)."""
    if attr.type == "type":
        return "%s=%s" % (attr.name, dtype)
    if attr.type == "bool" and attr.HasField("default_value"):
        return "%s=%s" % (attr.name, "true" if attr.default_value.b else "false")
    return None


def _dims(shape):
    return "[%s]" % ",".join(map(str, shape))


def matmul_shape_error(A) -> str | None:
    """The ValueError text ``tf.matmul(A, tf.transpose(A))`` gives at graph construction for a
    tensor ``A`` that is not a matrix, built from ``A``'s static shape (no product computed).

    TensorFlow's shape functions, reproduced for the two cases: rank 0 or 1 (``MatMul``:
    "Shape must be rank 2 but is rank r"); rank > 2 (``BatchMatMulV2``, B = A with its axes
    reversed): the inner dimensions A[-1] and B[-2] first, then the batch dimensions
    broadcast left to right ("Dimensions must be equal, but are x and y"). The node is named
    as the graph would name it (``MatMul``, ``transpose``, made unique), its attributes come
    from TensorFlow's op registry. None when the shape is not fully known, when the product
    would be defined (a 4-D A with n_C == n_H...) or the registry holds an attribute kind not
    printed here: then the oracle fails as for any other unexpected matrix.
    """
    from tensorflow.core.framework import types_pb2
    from tensorflow.python.framework import op_def_registry

    shape = A.get_shape()
    if shape.rank is None or None in shape.as_list() or shape.rank == 2:
        return None
    a = shape.as_list()
    b = a[::-1]
    if len(a) < 2:
        op_type, reason = "MatMul", "Shape must be rank 2 but is rank %d" % len(a)
    else:
        op_type, pairs = "BatchMatMulV2", [(a[-1], b[-2])]
        pairs += [(x, y) for x, y in zip(a[:-2], b[:-2]) if 1 not in (x, y)]
        wrong = [(x, y) for x, y in pairs if x != y]
        if not wrong:
            return None
        reason = "Dimensions must be equal, but are %d and %d" % wrong[0]
    op_def = op_def_registry.get(op_type)
    if op_def is None:
        return None
    dtype = types_pb2.DataType.Name(A.dtype.as_datatype_enum)  # DT_FLOAT
    attrs = [_attr_text(attr, dtype) for attr in sorted(op_def.attr, key=lambda x: x.name)]
    if None in attrs:
        return None
    graph = A.graph
    source = A.op.name if A.value_index == 0 else "%s:%d" % (A.op.name, A.value_index)
    return "%s for '{{node %s}} = %s[%s](%s, %s)' with input shapes: %s, %s." % (
        reason,
        graph.unique_name("MatMul", mark_as_used=False),
        op_type,
        ", ".join(attrs),
        source,
        graph.unique_name("transpose", mark_as_used=False),
        _dims(a),
        _dims(b),
    )


def gram_oracle(table: dict):
    """A ``gram_matrix`` that holds no code of the solution: the supervisor computed G = A A^T
    for each matrix the check expects (``table``: :func:`_key` -> G as nested lists: the right
    unrolling and the known wrong ones, so a wrong unrolling still gets its named hint).

    Looked up by value when the graph runs. A tensor that is not a matrix (the 4-D
    activations handed over without unrolling) raises, when the graph is built, the ValueError
    ``tf.matmul`` would raise (:func:`matmul_shape_error`), so the judge says what it says in
    the notebook; any other matrix fails the caller with :data:`UNEXPECTED_GRAM`.
    """
    import numpy as np

    from nst_course._tf import tf

    values = {key: np.asarray(value, dtype=np.float32) for key, value in table.items()}

    def unexpected(shape):
        return ValueError(
            "%s (shape %s): check the unrolling: reshape to (n_H*n_W, n_C), then transpose to "
            "(n_C, n_H*n_W)" % (UNEXPECTED_GRAM, tuple(shape))
        )

    def lookup(matrix):
        found = values.get(_key(matrix))
        if found is None:
            raise unexpected(np.shape(matrix))
        return found

    def looked_up(A):
        A = tf.convert_to_tensor(A, dtype=tf.float32)
        if A.get_shape().rank != 2:
            raise ValueError(matmul_shape_error(A) or unexpected(A.get_shape()).args[0])
        G = tf.compat.v1.numpy_function(lookup, [A], tf.float32, name="gram_matrix_oracle")
        n = A.get_shape().as_list()[0]
        G.set_shape([n, n])
        return G

    looked_up.__name__ = looked_up.__qualname__ = "gram_matrix"
    return looked_up


def _read_back(path):
    """A saved file's bytes (hex) for the supervisor: never through a link, at most 1 MB."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        import stat

        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > IMAGE_BYTES:
            return None
        return os.read(fd, IMAGE_BYTES + 1)[:IMAGE_BYTES].hex()
    finally:
        os.close(fd)


def _model_nn_graph(graph_spec):
    """The course's graph for model_nn, built by the supervisor and imported here as data."""
    import base64

    from tensorflow.core.protobuf import meta_graph_pb2

    from nst_course._tf import tf

    tf1 = tf.compat.v1
    meta = meta_graph_pb2.MetaGraphDef.FromString(base64.b64decode(graph_spec["meta"]))
    tf1.train.import_meta_graph(meta)
    graph = tf1.get_default_graph()
    model = {k: graph.get_tensor_by_name(v) for k, v in graph_spec["model"].items()}
    model["input"] = next(v for v in tf1.global_variables() if v.name == graph_spec["input"])
    return {
        "model": model,
        "J": graph.get_tensor_by_name(graph_spec["J"]),
        "J_content": graph.get_tensor_by_name(graph_spec["J_content"]),
        "J_style": graph.get_tensor_by_name(graph_spec["J_style"]),
        "train_step": graph.get_operation_by_name(graph_spec["train_step"]),
    }


def observe_model_nn(function, probe: dict, graph_spec: dict, workdir: str) -> dict:
    """model_nn on the supervisor's graph: what it returned, printed and saved."""
    import numpy as np

    from nst_course._tf import tf
    from nst_course.grading import observing

    tf1 = tf.compat.v1
    record = {"probe": probe["id"]}
    start = np.asarray(probe["input_image"], dtype=np.float32)
    graph = tf1.Graph()
    with graph.as_default():
        handles = _model_nn_graph(graph_spec)
    with graph.as_default(), tf1.Session(graph=graph) as sess, sess.as_default():
        run_dir = tempfile.mkdtemp(prefix="model_nn-", dir=workdir)
        os.makedirs(os.path.join(run_dir, "output"))
        with observing._globals_set(function, handles), observing._working_directory(run_dir):
            with observing._captured() as (out, err):
                try:
                    value = function(sess, start, num_iterations=probe["iterations"])
                except (Exception, SystemExit) as exc:
                    record["error"] = observing.error_record(exc, "call")
                    value = None
                else:
                    observing._describe(value, sess, record)
        record["printed"] = out.getvalue()[-20000:]
        record["stderr"] = err.getvalue()[-2000:]
        files = {}
        for folder, _, names in os.walk(run_dir):
            for name in sorted(names)[:64]:
                path = os.path.join(folder, name)
                files[os.path.relpath(path, run_dir).replace(os.sep, "/")] = _read_back(path)
        record["files"] = {k: (0 if v is None else len(v) // 2) for k, v in files.items()}
        record["images"] = {k: v for k, v in files.items() if v is not None}
    return record


def run_function(request: dict, workdir: str) -> dict:
    """Run the submission's code for one graded function and observe it: the one message."""
    from nst_course.grading import observing

    name = request["name"]
    namespace = {"__name__": "__submission__", "__builtins__": builtins}
    for index, statement in enumerate(request.get("imports", [])):
        _run_code(statement, namespace, "import %d" % (index + 1))  # a failing import is skipped
    for code in request.get("helpers", []):
        error = _run_code(code, namespace, "helper")
        if error and error.startswith("called sys.exit"):
            return {"error": "the submission's top-level code %s" % error}
    started = time.monotonic()
    error = _run_code(request["code"], namespace, name)
    if error:
        return {"error": error, "seconds": time.monotonic() - started}
    function = namespace.get(name)
    if function is None or not callable(function):
        return {"error": "%s is not a function" % name, "seconds": 0.0}
    callees = {}
    if "gram_table" in request:
        callees["gram_matrix"] = gram_oracle(request["gram_table"])
    workdir = os.path.join(workdir, "check-" + name)
    os.makedirs(workdir, exist_ok=True)
    try:
        with observing._globals_set(function, callees):
            if name == "model_nn":
                observation = {
                    "name": name,
                    "placeholders": observing.placeholders(function),
                    "defaults": observing.signature_defaults(function),
                    "results": [
                        observe_model_nn(function, probe, request["graph"], workdir)
                        for probe in request["probes"]
                    ],
                }
            else:
                observation = observing.observe(name, function, request["probes"], workdir=workdir)
    except SystemExit as exc:
        return {
            "error": "called sys.exit(%s)" % ("" if exc.code is None else repr(exc.code)),
            "seconds": time.monotonic() - started,
        }
    except BaseException as exc:  # noqa: BLE001
        return {"error": _one_line(exc), "seconds": time.monotonic() - started}
    return {"observations": observation, "seconds": time.monotonic() - started}


if __name__ == "__main__":
    code = 0
    try:
        serve(int(sys.argv[1]), sys.argv[2] == "1")
    except BaseException:  # noqa: BLE001 - the zygote's own failure: to its log, for the supervisor
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
        code = 1
    os._exit(code)  # no interpreter teardown: TensorFlow's atexit work is not needed
