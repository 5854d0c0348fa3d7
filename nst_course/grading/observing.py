"""What a student's function DID on each probe:
``observe(name, function, probes, workdir=None, callees=None)``.

Values only, JSON-serialisable: the returned value (numbers, nested lists), its type, shape and
dtype, the graph ops it created, what it printed, or the exception's type and one-line message.
Nothing here judges: :mod:`nst_course.grading.judging` does, from these values alone, so a grader
can run ``observe`` in an untrusted child process and ``judge`` in its parent.

Each probe runs in a fresh ``tf.Graph`` and ``Session``; the caller's default graph and session
are left as they were (the new ones are pushed and popped, never reset). ``callees`` replaces,
while ``function`` runs, the graded functions it calls (``gram_matrix`` for
``compute_layer_style_cost``) so that a wrong one costs its own points only.

TensorFlow is imported through :func:`nst_course.run.quiet.import_tensorflow_quietly`: a check
run from a plain script or a notebook prints none of TensorFlow's start-up lines (nbgrader
gives 0 to a test cell that writes to stderr).
"""

import contextlib
import inspect
import io
import os
import re
import sys
import tempfile
from collections.abc import Callable, Mapping

import numpy as np

from ..run.quiet import import_tensorflow_quietly
from .judging import cost_lines

tf = import_tensorflow_quietly()  # before anything of ours imports TensorFlow
tf1 = tf.compat.v1


_quieted = False  # the first session has run (see _first_session_quietly)


def _first_session_quietly():
    """Run one tiny session with file descriptor 2 set aside, once per process.

    TensorFlow's C++ side logs when its first session starts (the CUDA probe, the MLIR pass)
    unless ``TF_CPP_MIN_LOG_LEVEL`` was set before TensorFlow was imported, which a script
    that imported TensorFlow itself did not do: those lines are once per process, so they
    are spent here, where nobody sees them. Called by :func:`observe`, not at import: the
    grader's zygote imports this module and must start no session before it forks (a
    session's thread pools do not survive a fork).
    """
    global _quieted
    if _quieted:
        return
    _quieted = True
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        return
    try:
        with tempfile.TemporaryFile() as sink:
            os.dup2(sink.fileno(), 2)
            graph = tf1.Graph()
            with graph.as_default(), tf1.Session(graph=graph) as sess:
                sess.run(tf1.constant(1.0) + 1.0)
    except Exception:  # noqa: BLE001 - a warm-up only: the checks will say what is wrong
        pass
    finally:
        os.dup2(saved, 2)
        os.close(saved)


#: The notebook globals the course's ``model_nn`` reads.
MODEL_NN_GLOBALS = ("model", "J", "J_content", "J_style", "train_step")

_PLACEHOLDER = re.compile(r"^\s*(?:[\w\[\]'\", .]+=\s*)?None\s*$")


def placeholders(function):
    """How many course placeholder lines (``x = None`` or a bare ``None``) the source still has.

    Counted between ``### START CODE HERE ###`` and ``### END CODE HERE ###`` (the whole body
    when there are no markers); None when the source cannot be read.
    """
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return None
    lines = source.splitlines()
    inside = "START CODE HERE" not in source
    count = 0
    for line in lines:
        if "START CODE HERE" in line:
            inside = True
        elif "END CODE HERE" in line:
            inside = False
        elif inside and _PLACEHOLDER.match(line):
            count += 1
    return count


def signature_defaults(function):
    """The parameters' default values that are plain numbers/strings/None ({} when unreadable)."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return {}
    found = {}
    for name, parameter in parameters.items():
        default = parameter.default
        if default is inspect.Parameter.empty:
            found[name] = "<required>"
        elif default is None or isinstance(default, (bool, int, float, str)):
            found[name] = default
        else:
            found[name] = repr(default)
    return found


def type_name(value):
    """'tf.Tensor', 'tf.Variable', 'NoneType', 'float', 'int', 'ndarray', 'numpy.float32', ..."""
    if isinstance(value, tf.Tensor):
        return "tf.Tensor"
    if isinstance(value, tf.Variable):
        return "tf.Variable"
    if isinstance(value, np.ndarray):
        return "ndarray"
    if isinstance(value, np.generic):
        return "numpy." + type(value).__name__
    return type(value).__name__


_TF_NOISE = ("Graph execution error", "Detected at node", "File ", "Node:", "[[", "Original stack")


def one_line(exc):
    """The exception's message: its first informative line, at most 300 characters.

    TensorFlow's run-time errors start with 'Graph execution error:' and the node's stack:
    those lines are skipped for the sentence that says what went wrong.
    """
    text = str(getattr(exc, "message", None) or exc).strip()
    lines = [part.strip() for part in text.splitlines() if part.strip()]
    useful = [line for line in lines if not line.startswith(_TF_NOISE)]
    return (useful or lines or [""])[0][:300]


def error_record(exc, when):
    return {"type": type(exc).__name__, "message": one_line(exc), "when": when}


def numbers(value):
    """A numeric value as JSON: (nested) floats, non-finite numbers as the strings 'nan'/'inf'."""
    array = np.asarray(value, dtype=np.float64)
    if np.all(np.isfinite(array)):
        return array.tolist()
    return np.vectorize(lambda x: x if np.isfinite(x) else str(x), otypes=[object])(array).tolist()


def _argument(spec):
    value = spec["value"]
    if spec["as"] == "number":
        return float(value)
    array = np.asarray(value, dtype=np.float32)
    if spec["as"] == "tensor":
        return tf.constant(array)
    return array


@contextlib.contextmanager
def _captured():
    """Capture what Python code prints to stdout and stderr (kept off the real streams)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


def _describe(value, sess, record):
    record["type"] = type_name(value)
    if value is None:
        return
    try:
        if isinstance(value, tf.Variable):
            sess.run(value.initializer)
        if isinstance(value, (tf.Tensor, tf.Variable)):
            shape = value.get_shape()
            record["static_shape"] = (
                None
                if shape.rank is None
                else [None if d is None else int(d) for d in shape.as_list()]
            )
            value = sess.run(value)
        array = np.asarray(value)
        if array.dtype == object:
            record["value"] = repr(value)[:200]
            return
        record["shape"] = list(array.shape)
        record["dtype"] = str(array.dtype)
        record["value"] = numbers(array)
    except Exception as exc:  # a graph that fails when run (dtype mix, bad shapes)
        record["error"] = error_record(exc, "run")


def _observe_call(function, probe):
    from ..seeding import tf1_seeding  # here: it imports TensorFlow, which must come quietly

    record = {"probe": probe["id"]}
    graph = tf1.Graph()
    seeding = tf1_seeding() if probe["kind"] == "course-cell" else contextlib.nullcontext()
    with seeding, graph.as_default(), tf1.Session(graph=graph) as sess:
        if probe["kind"] == "course-cell":
            tf1.set_random_seed(1)
            args = [tf1.random_normal(shape, mean=1, stddev=4) for shape in probe["draws"]]
            kwargs = {}
        else:
            args = [_argument(spec) for spec in probe.get("args", [])]
            kwargs = {k: _argument(spec) for k, spec in probe.get("kwargs", {}).items()}
        before = len(graph.get_operations())
        with _captured() as (out, err):
            try:
                value = function(*args, **kwargs)
            except (Exception, SystemExit) as exc:
                record["error"] = error_record(exc, "call")
                value = None
            else:
                _describe(value, sess, record)
        record["ops"] = sorted({op.type for op in graph.get_operations()[before:]})
        record["printed"] = out.getvalue()[-2000:]
        record["stderr"] = err.getvalue()[-2000:]
    return record


@contextlib.contextmanager
def _globals_set(function, values):
    """Set names in ``function.__globals__`` for the duration, then restore them exactly."""
    namespace = getattr(function, "__globals__", {})
    missing = object()
    saved = {name: namespace.get(name, missing) for name in values}
    namespace.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = value


@contextlib.contextmanager
def _working_directory(path):
    previous = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def _files(root):
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            found[os.path.relpath(path, root).replace(os.sep, "/")] = os.path.getsize(path)
    return found


def _start_costs(graph, handles, start):
    """J at the input image and at the input variable's initial value (what the model starts
    from when the input is never assigned), in a session of their own, so that the student's
    session keeps its variables uninitialised."""
    costs = {}
    with tf1.Session(graph=graph) as other:
        other.run(tf1.global_variables_initializer())
        costs["initial_value"] = float(other.run(handles.J))
        other.run(handles.model["input"].assign(start))
        costs["input_image"] = float(other.run(handles.J))
    return costs


def _observe_model_nn(function, probe, workdir):
    """Build the course's graph on tiny weights, then call ``function(sess, input_image, n)``."""
    from ..training import build_graph
    from ..weights.synthetic import tiny_weights

    record = {"probe": probe["id"]}
    content = np.asarray(probe["content_image"], dtype=np.float32)
    style = np.asarray(probe["style_image"], dtype=np.float32)
    start = np.asarray(probe["input_image"], dtype=np.float32)
    graph = tf1.Graph()
    with graph.as_default(), tf1.Session(graph=graph) as sess, sess.as_default():
        handles = build_graph(
            content, style, weights=tiny_weights(seed=probe["weights_seed"]), sess=sess
        )
        record["start_costs"] = _start_costs(graph, handles, start)
        run_dir = tempfile.mkdtemp(prefix="model_nn-", dir=workdir)
        os.makedirs(os.path.join(run_dir, "output"))
        with _globals_set(function, handles._asdict()), _working_directory(run_dir):
            with _captured() as (out, err):
                try:
                    value = function(sess, start, num_iterations=probe["iterations"])
                except (Exception, SystemExit) as exc:
                    record["error"] = error_record(exc, "call")
                    value = None
                else:
                    _describe(value, sess, record)
        record["printed"] = out.getvalue()[-20000:]
        record["stderr"] = err.getvalue()[-2000:]
        record["costs"] = cost_lines(record["printed"])
        record["files"] = _files(run_dir)
    return record


def observe(
    name: str,
    function: Callable,
    probes: list[dict],
    workdir: str | None = None,
    callees: Mapping[str, Callable] | None = None,
) -> dict:
    """Run ``function`` on each probe and report what it did (a JSON-serialisable dict).

    ``callees`` maps global names of ``function``'s module (e.g. ``"gram_matrix"``) to the
    functions to use while it runs (in the notebook: the package's reference ones); the
    module's own values are put back afterwards, exactly.

    ``{"name", "placeholders", "defaults", "results": [one record per probe]}``; a record has
    ``probe`` (its id) and either ``error`` ({type, message, when}) or ``type`` and, for a
    value, ``shape``, ``dtype``, ``value``; also ``ops`` (graph op types the call created),
    ``printed`` and ``stderr``; model_nn's record also has ``files`` ({relative path: bytes}).
    model_nn runs in a new folder under ``workdir`` (a temporary folder when None).
    """
    _first_session_quietly()
    observation = {
        "name": name,
        "placeholders": placeholders(function),
        "defaults": signature_defaults(function),
        "results": [],
    }
    with contextlib.ExitStack() as stack:
        stack.enter_context(_globals_set(function, dict(callees or {})))
        if name == "model_nn" and workdir is None:
            workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="nst-check-"))
        for probe in probes:
            if probe["kind"] == "model_nn":
                observation["results"].append(_observe_model_nn(function, probe, workdir))
            else:
                observation["results"].append(_observe_call(function, probe))
    return observation
