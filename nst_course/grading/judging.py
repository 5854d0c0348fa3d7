"""Judging observations: ``judge(name, probes, observations) -> CheckResult``.

The judge never sees the student's function: it reads the values :func:`observe` recorded and
computes every expected value itself (:mod:`nst_course.grading.reference`), so observations
from an untrusted process can only be right or wrong, never "trusted". Order of the verdict:
an exception or None first, then the returned type and shape, then the values (a known wrong
approach gets its own hint), then the properties (J(A, A) = 0, J > 0, symmetry).
"""

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import numpy as np

from . import reference
from .hints import CALLEE_NOTE, DETAIL, PASSED, hint
from .probing import published_total_cost_inputs
from .protocol import UNEXPECTED_GRAM

COURSE_DEFAULTS = {"total_cost": {"alpha": 10, "beta": 40}, "model_nn": {"num_iterations": 200}}

#: The graded functions each graded function uses. While it is judged they are the reference
#: ones (``observe(..., callees=...)``; ``model_nn``'s graph is built with the reference
#: costs), so one wrong function costs its own points only; when the student's own version
#: fails, the verdict says so (:func:`callee_note`).
CALLEES = {
    "compute_layer_style_cost": ("gram_matrix",),
    "model_nn": ("compute_content_cost", "compute_layer_style_cost", "total_cost"),
}


@dataclass
class CheckResult:
    """The verdict of one check: passed, the message, what was checked (human-readable), and
    the hint's stable identifier (None when passed).

    ``message`` is what a student reads, the same in the notebook, in nbgrader and in
    ``nst-course grade``: its first line is "All tests passed" or the one hint; when the
    function raised, the error follows on an indented line (:data:`~.hints.DETAIL`); a line
    from :func:`callee_note` may end it."""

    passed: bool
    message: str
    checked: list = field(default_factory=list)
    hint_id: str | None = None

    @property
    def hint(self) -> str:
        """The first line of the message: the verdict without the error's detail or notes."""
        return self.message.split("\n", 1)[0]

    def noted(self, note: str | None) -> "CheckResult":
        """The same verdict with ``note`` (a line, or None for none) added to its message."""
        if not note:
            return self
        return type(self)(self.passed, self.message + "\n" + note, self.checked, self.hint_id)

    def to_dict(self):
        return asdict(self)

    def __bool__(self):
        return self.passed


class _Verdict(Exception):
    def __init__(self, hint_id, error=None, **fields):
        super().__init__(hint_id)
        self.hint_id = hint_id
        self.error = error  # the recorded error shown under the hint (None: no detail line)
        self.fields = fields


def callee_note(name: str, failing: Iterable[str]) -> str | None:
    """The line saying that ``name`` was judged with the reference versions of the graded
    functions in ``failing`` (the student's own versions of which fail), or None. It goes
    under a passed verdict only: there it says why the notebook's own cells, which call the
    student's versions, still go wrong; a failed function has its own hint to fix first.

    ``failing``: names of graded functions; only those ``name`` uses (:data:`CALLEES`) count.
    """
    failing = [callee for callee in CALLEES.get(name, ()) if callee in set(failing)]
    if not failing:
        return None
    callees = " and ".join([", ".join(failing[:-1]), failing[-1]] if len(failing) > 1 else failing)
    many = len(failing) > 1
    return CALLEE_NOTE.format(
        callees=callees, fails="fail" if many else "fails", it="them" if many else "it", name=name
    )


def as_array(value):
    """A recorded value (nested lists, 'nan'/'inf' strings) as a float64 array."""
    return np.array(value, dtype=object).astype(np.float64)


def close(got, expected, rtol=1e-4, atol=1e-6):
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    if got.shape != expected.shape:
        return False
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    return bool(np.all(np.abs(got - expected) <= atol * scale + rtol * np.abs(expected)))


def _inputs(probe):
    return [as_array(spec["value"]) for spec in probe.get("args", [])], {
        k: float(spec["value"]) for k, spec in probe.get("kwargs", {}).items()
    }


_NONE_USED = re.compile(r"nonetype|none values not supported|'none'")
_INT_MIXED = re.compile(
    r"int32 that does not match type float|float32 that does not match type int32|"
    r"float32 != tf\.int32|int32 != tf\.float32|datatype int32 not in list of allowed|"
    r"conversion requested dtype int32 for tensor with dtype float|"
    r"conversion requested dtype float32 for tensor with dtype int32|"
    r"expected int32 passed to parameter"
)
_SHAPES = re.compile(r"with input shapes: \[([\d,]*)\], \[([\d,]*)\]")


def _matmul_hint(message):
    """The hint of a tf.matmul shape error, from the shapes the error names."""
    shapes = _SHAPES.search(message)
    if shapes:
        a, b = (tuple(int(d) for d in part.split(",") if d) for part in shapes.groups())
        if len(a) > 2 or len(b) > 2:
            return "not-unrolled"  # the 4-D activations handed to the Gram matrix
        if a == b:
            return "matmul-no-transpose"  # A A, the transpose forgotten
    return None


def _diagnosis(name, kind, message, placeholders):
    """The hint id that says why a student's function raised (None: not recognised)."""
    lowered = message.lower()
    if UNEXPECTED_GRAM.lower() in lowered:
        return "unexpected-gram-input"  # the sandbox's gram_matrix oracle: a matrix it lacks
    if (
        "symbolic" in lowered
        or "only available when eager execution" in lowered
        or re.search(r"tensor'? object has no attribute", lowered)
    ):
        return "numpy-on-tensor"
    if kind == "NotImplementedError" or _NONE_USED.search(lowered):
        return "not-implemented"  # nbgrader's release, or a None placeholder used
    if "ndarray' object has no attribute" in lowered:
        return "shape-of-numpy"
    if "'int' object has no attribute 'value'" in lowered:
        return "dimension-value"
    if "float64" in lowered or "double" in lowered:
        return "float64-mixed"
    if _INT_MIXED.search(lowered):
        return "int-mixed"
    if "cannot reshape a tensor" in lowered or "input to reshape is a tensor with" in lowered:
        return "reshape-size"
    if "node transpose" in lowered or "transpose expects a vector of size" in lowered:
        return "transpose-perm"
    if "matmul" in lowered and ("dimensions must be equal" in lowered or "rank" in lowered):
        return _matmul_hint(message) or "matmul-no-transpose"
    if "matrix size-incompatible" in lowered or "in[0] mismatch in[1]" in lowered:
        return "matmul-no-transpose"  # the same mistake, found when the graph ran
    # a None line left somewhere decides only when no shape or type mistake above named the
    # error: in a body without START/END markers an unrelated `x = None` must not hide e.g. a
    # forgotten transpose; an uninitialised variable in model_nn is the template's None line
    if placeholders:
        return "not-implemented"
    if name == "model_nn" and (kind == "FailedPreconditionError" or "uninitiali" in lowered):
        return "no-initializer"
    return None


def _error_hint(name, error, placeholders):
    """The verdict on a recorded error: the diagnosed hint, the error kept as its detail."""
    hint_id = _diagnosis(name, error["type"], error["message"], placeholders) or "raised"
    if hint_id in ("not-implemented", "no-initializer", "unexpected-gram-input"):
        # nothing to learn from a placeholder's error; which uninitialised variable
        # TensorFlow names first varies from run to run (the same code, other words); the
        # oracle's own words are the hint already
        return _Verdict(hint_id)
    return _Verdict(hint_id, error=error)


def _common(name, probes, observations):
    """Raise the verdict for exceptions and None; return {probe id: record} otherwise."""
    records = {r.get("probe"): r for r in observations.get("results", [])}
    placeholders = observations.get("placeholders") or 0
    for probe in probes:
        record = records.get(probe["id"])
        if record is None:
            raise _Verdict(
                "raised",
                error={
                    "type": "no result",
                    "message": "the check recorded nothing for input %s" % probe["id"],
                },
            )
        if "error" in record:
            raise _error_hint(name, record["error"], placeholders)
        if record.get("type") == "NoneType":
            raise _Verdict("not-implemented" if placeholders else "returned-none")
        if isinstance(record.get("value"), str) and "shape" not in record:  # not numbers
            raise _Verdict(
                "wrong-shape", got=record["value"][:60], expected="numbers", probe=probe["id"]
            )
    return records


def _value(record, probe_id):
    value = as_array(record["value"])
    if not np.all(np.isfinite(value)):
        raise _Verdict("not-finite", probe=probe_id)
    return value


def _name_the_mistake(name, pairs, ops):
    """The hint of the known wrong approach that gives the observed values on every probe."""
    for hint_id, wrong in reference.CANDIDATES.get(name, []):
        if all(close(got, wrong(*args), rtol=1e-3) for args, got in pairs):
            if hint_id == "missing-4" and "Mean" in ops:
                return "reduce-mean"  # reduce_mean alone = the sum without the 4 (content cost)
            return hint_id
    return None


def _judge_activations(name, probes, records, checked):
    """compute_content_cost and compute_layer_style_cost: a scalar tensor, numpy values."""
    right = reference.content_cost if name == "compute_content_cost" else reference.layer_style_cost
    label = "J_content" if name == "compute_content_cost" else "J_style_layer"
    pairs, ops, first_wrong, published_wrong = [], set(), None, None
    for probe in probes:
        record = records[probe["id"]]
        if record["type"] != "tf.Tensor":
            raise _Verdict("not-a-tensor", got=record["type"])
        if record.get("shape") != []:
            raise _Verdict("not-scalar", got=tuple(record.get("shape", ())))
        got = _value(record, probe["id"])
        ops.update(record.get("ops", []))
        if probe["kind"] == "course-cell":
            expected = reference.PUBLISHED[name]
            if abs(float(got) - expected) > 5e-5:
                published_wrong = (float(got), expected)
            continue
        args, _ = _inputs(probe)
        expected = right(*args)
        pairs.append((args, got))
        if not close(got, expected) and first_wrong is None:
            first_wrong = (probe, float(got), float(expected), tuple(args[1].shape))
        if probe["id"] == "same-input" and abs(float(got)) > 1e-6:
            first_wrong = first_wrong or (probe, float(got), 0.0, tuple(args[1].shape))
    checked += [
        "published Expected Output: %s = %s" % (label, reference.PUBLISHED[name]),
        "returns a scalar tf.Tensor",
        "numpy reference values on shapes %s"
        % ", ".join(str(tuple(np.shape(a[1]))) for a, _ in pairs),
        "J(A, A) == 0 and J > 0 for different inputs",
    ]
    if first_wrong is None and published_wrong is None:
        return
    mistake = _name_the_mistake(name, pairs, ops)
    if mistake:
        raise _Verdict(mistake)
    if published_wrong is not None:
        raise _Verdict("published-mismatch", got=published_wrong[0], expected=published_wrong[1])
    probe, got, expected, shape = first_wrong
    raise _Verdict("wrong-value", shape=shape, got="%.6g" % got, expected="%.6g" % expected)


def _judge_gram(probes, records, checked):
    pairs, first_wrong = [], None
    for probe in probes:
        record = records[probe["id"]]
        if record["type"] != "tf.Tensor":
            raise _Verdict("not-a-tensor", got=record["type"])
        shape = tuple(record.get("shape", ()))
        n_C, m = (
            probe["draws"][0]
            if probe["kind"] == "course-cell"
            else np.shape(probe["args"][0]["value"])
        )
        if shape != (n_C, n_C):
            if shape == (m, m):
                raise _Verdict("gram-transposed")
            raise _Verdict("wrong-shape", got=shape, expected=(n_C, n_C), probe=probe["id"])
        got = _value(record, probe["id"])
        if probe["kind"] == "course-cell":
            if not np.allclose(got, reference.PUBLISHED["gram_matrix"], rtol=1e-6, atol=1e-5):
                first_wrong = first_wrong or (
                    "published-mismatch",
                    got.round(6).tolist(),
                    reference.PUBLISHED["gram_matrix"],
                    None,
                )
            continue
        args, _ = _inputs(probe)
        pairs.append((args, got))
        if not close(got, reference.gram(args[0])) or not np.allclose(got, got.T):
            first_wrong = first_wrong or (
                "wrong-value",
                got.round(4).tolist(),
                reference.gram(args[0]).round(4).tolist(),
                (n_C, m),
            )
    checked += [
        "published Expected Output: GA",
        "returns a tf.Tensor of shape (n_C, n_C)",
        "numpy reference values (A A^T) on shapes %s"
        % ", ".join(str(np.shape(a[0])) for a, _ in pairs),
        "the Gram matrix is symmetric",
    ]
    if first_wrong is None:
        return
    mistake = _name_the_mistake("gram_matrix", pairs, set())
    if mistake:
        raise _Verdict(mistake)
    hint_id, got, expected, shape = first_wrong
    raise _Verdict(hint_id, got=got, expected=expected, shape=shape)


def _judge_total(probes, records, defaults, checked):
    course = COURSE_DEFAULTS["total_cost"]
    if any(defaults.get(k) != v for k, v in course.items()):
        raise _Verdict(
            "defaults-changed",
            name="total_cost",
            expected=", ".join("%s=%s" % kv for kv in course.items()),
            got=", ".join("%s=%s" % (k, defaults.get(k, "missing")) for k in course),
        )
    wrong = {"alpha-beta-swapped": True, "alpha-beta-ignored": True}
    all_right, first_wrong = True, None
    for probe in probes:
        record = records[probe["id"]]
        on_tensors = any(spec["as"] == "tensor" for spec in probe["args"])
        if on_tensors and record["type"] != "tf.Tensor":
            raise _Verdict("not-a-tensor", got=record["type"])
        if not on_tensors and record["type"] in ("tf.Tensor", "tf.Variable", "ndarray"):
            raise _Verdict("not-a-number", got=record["type"])
        if record.get("shape") not in ([], None):
            raise _Verdict("not-scalar", got=tuple(record["shape"]))
        got = float(_value(record, probe["id"]))
        (J_content, J_style), kwargs = _inputs(probe)
        alpha, beta = kwargs.get("alpha", 10.0), kwargs.get("beta", 40.0)
        expected = reference.total(J_content, J_style, alpha, beta)
        if probe["id"] == "published" and (J_content, J_style) == published_total_cost_inputs():
            expected = reference.PUBLISHED["total_cost"]  # the course's own number
        if not close(got, expected, rtol=1e-6 if not on_tensors else 1e-5):
            all_right = False
            first_wrong = first_wrong or (probe, got, expected, kwargs)
        wrong["alpha-beta-swapped"] &= close(got, reference.total(J_content, J_style, beta, alpha))
        wrong["alpha-beta-ignored"] &= close(got, reference.total(J_content, J_style))
    checked += [
        "published Expected Output: J = 35.34667875478276",
        "default arguments alpha=10, beta=40",
        "alpha= and beta= given by keyword are used",
        "a number on numbers, a tf.Tensor on tensors",
    ]
    if all_right:
        return
    for hint_id, matched in wrong.items():
        if matched:
            raise _Verdict(hint_id)
    probe, got, expected, kwargs = first_wrong
    if probe["id"] == "published":
        raise _Verdict("published-mismatch", got=got, expected=expected)
    raise _Verdict(
        "wrong-value",
        got="%.10g" % got,
        expected="%.10g" % expected,
        shape="() (numbers%s)" % "".join(", %s=%s" % kv for kv in sorted(kwargs.items())),
    )


_COST_LINES = re.compile(
    r"Iteration (\d+) :\s*\ntotal cost = (\S+)\s*\ncontent cost = (\S+)"
    r"\s*\nstyle cost = (\S+)"
)


def cost_lines(printed):
    """The course's printed cost blocks as [[iteration, total, content, style], ...]."""
    rows = []
    for match in _COST_LINES.finditer(printed):
        try:
            rows.append([int(match.group(1))] + [float(match.group(k)) for k in (2, 3, 4)])
        except ValueError:
            continue
    return rows


def _nearer(value, a, b):
    """True if the positive ``value`` is nearer to ``a`` than to ``b`` on a log scale."""
    if min(value, a, b) <= 0:
        return abs(value - a) < abs(value - b)
    return abs(np.log(value / a)) < abs(np.log(value / b))


def _judge_model_nn(probes, records, defaults, checked):
    probe = probes[0]
    record = records[probe["id"]]
    shape = [1, probe["height"], probe["width"], 3]
    if record["type"] != "ndarray" or record.get("shape") != shape:
        raise _Verdict(
            "wrong-return",
            expected=tuple(shape),
            got="%s of shape %s" % (record["type"], tuple(record.get("shape", ()))),
        )
    iterations = probe["iterations"]
    printed = cost_lines(record.get("printed", ""))  # parsed here again: values, not trust
    expected_its = list(range(0, iterations, 20))
    if [int(row[0]) for row in printed] != expected_its:
        raise _Verdict("print-format", got=[int(row[0]) for row in printed], expected=expected_its)
    files = set(record.get("files", {}))
    wanted = ["output/%d.png" % i for i in expected_its] + ["output/generated_image.jpg"]
    missing = [name for name in wanted if name not in files]
    if missing:
        raise _Verdict("missing-files", missing=", ".join(missing))
    moved = float(np.max(np.abs(_value(record, probe["id"]) - as_array(probe["input_image"]))))
    if moved < 1e-3:
        raise _Verdict("no-train-step")
    if moved <= 2.0 * 1.05:  # Adam moves each pixel by at most about the learning rate per step
        raise _Verdict("input-reassigned")
    totals = [row[1] for row in printed]
    start = record.get("start_costs", {})
    if start and _nearer(totals[0], start["initial_value"], start["input_image"]):
        raise _Verdict("input-not-assigned")
    if not totals[-1] < totals[0]:
        raise _Verdict("cost-not-decreasing", got=" -> ".join("%.6g" % t for t in totals))
    course = COURSE_DEFAULTS["model_nn"]
    if any(defaults.get(k) != v for k, v in course.items()):
        raise _Verdict(
            "defaults-changed",
            name="model_nn",
            expected="num_iterations=200",
            got="num_iterations=%s" % defaults.get("num_iterations", "missing"),
        )
    checked += [
        "runs on tiny VGG weights at %dx%d for %d iterations"
        % (probe["width"], probe["height"], iterations),
        "prints the course's cost lines every 20 iterations",
        "writes %s" % ", ".join(wanted),
        "starts from the input image and the total cost goes down",
        "returns the generated image, shape %s" % (tuple(shape),),
        "default num_iterations=200",
    ]


def judge(name, probes, observations):
    """The verdict on ``observations`` (from :func:`observe`) of graded function ``name``."""
    checked = []
    try:
        records = _common(name, probes, observations)
        defaults = observations.get("defaults", {})
        if name in ("compute_content_cost", "compute_layer_style_cost"):
            _judge_activations(name, probes, records, checked)
        elif name == "gram_matrix":
            _judge_gram(probes, records, checked)
        elif name == "total_cost":
            _judge_total(probes, records, defaults, checked)
        elif name == "model_nn":
            _judge_model_nn(probes, records, defaults, checked)
        else:
            raise ValueError("no checks for %r" % (name,))
    except _Verdict as verdict:
        fields = dict(verdict.fields)
        fields.setdefault("name", name)
        message = hint(verdict.hint_id, **fields)
        if verdict.error is not None:
            message += "\n" + DETAIL.format(
                error_type=verdict.error.get("type", "?"),
                error_message=" ".join(str(verdict.error.get("message", "")).split()),
            )
        return CheckResult(False, message, checked, verdict.hint_id)
    return CheckResult(True, PASSED, checked, None)
