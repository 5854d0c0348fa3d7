"""Errors become hints, and one bug costs one function (issue 22, points 2 and 3).

When a student's function raises, the check names the mistake (a hint of its own) and keeps
TensorFlow's or Python's error as an indented second line, never as the hint. A graded
function is judged with the reference versions of the graded functions it uses; when the
student's own version fails, the verdict says so in one more line.
"""

import numpy as np
import pytest

import nst_course.grading as grading
from nst_course import costs
from nst_course.grading.hints import HINTS
from nst_course.grading.judging import callee_note
from tests.fixtures.grading_corpus import CORPUS, define

#: The hints of raising mistakes: (graded function, corpus label, what the raw error says).
RAISING = {
    "matmul-no-transpose": [
        ("gram_matrix", "A A", "Dimensions must be equal"),
        ("compute_layer_style_cost", "A A", "Dimensions must be equal"),
    ],
    "not-unrolled": [("compute_layer_style_cost", "not unrolled", "with input shapes: [1,")],
    "reshape-size": [
        ("compute_content_cost", "unrolled with n_H*n_H", "Cannot reshape"),
        ("compute_layer_style_cost", "unrolled with n_H*n_H", "Cannot reshape"),
    ],
    "transpose-perm": [
        ("compute_layer_style_cost", "transpose with a 3-axis perm", "Dimension must be 4")
    ],
    "int-mixed": [
        ("compute_content_cost", "int32 constant", "int32"),
        ("compute_layer_style_cost", "int32 constant", "int32"),
        ("total_cost", "tf.multiply(alpha, ...)", "int32"),
    ],
    "dimension-value": [("compute_content_cost", "Dimension.value", "'value'")],
    "numpy-on-tensor": [
        ("gram_matrix", "np.transpose", "symbolic"),
        ("model_nn", ".numpy() on the input", "eager"),
    ],
    "float64-mixed": [("compute_content_cost", "float64 constant", "float64")],
    "shape-of-numpy": [("compute_content_cost", "shape of a_C", "ndarray")],
}
CASES = [(hint_id, *case) for hint_id, cases in RAISING.items() for case in cases]


def source_of(name, label):
    return next((source, hint_id) for lab, source, hint_id in CORPUS[name] if lab == label)


@pytest.mark.parametrize(
    "hint_id, name, label, raw", CASES, ids=["%s/%s/%s" % c[:3] for c in CASES]
)
def test_a_raising_mistake_gets_its_hint_and_the_error_below(hint_id, name, label, raw):
    source, expected = source_of(name, label)
    assert expected == hint_id  # the corpus names the same hint
    result = grading.check(name, define(name, source, label))
    assert not result.passed and result.hint_id == hint_id, result.message
    hint, detail = result.message.split("\n")
    assert hint == result.hint and name in hint or hint.startswith("model_nn")
    assert "Error" not in hint and "{{node" not in hint  # the hint is ours, not TensorFlow's
    assert detail.startswith("    (") and detail.endswith(")")
    assert raw.lower() in detail.lower()


def test_every_raising_corpus_entry_has_a_hint_of_its_own():
    """No corpus implementation is judged 'raised' (the words for an unknown error)."""
    assert "raised" not in {hint_id for entries in CORPUS.values() for *_, hint_id in entries}
    for hint_id in RAISING:
        assert hint_id in HINTS and "{error_message}" not in HINTS[hint_id]


def test_the_hints_without_the_error_below():
    """A placeholder's error says nothing more than "not implemented yet"; which uninitialised
    variable TensorFlow names first varies from run to run (the same code, other words)."""
    for name, label, hint_id in [
        ("model_nn", "no initializer", "no-initializer"),
        ("gram_matrix", "nbgrader release", "not-implemented"),
    ]:
        source, expected = source_of(name, label)
        result = grading.check(name, define(name, source, label))
        assert expected == result.hint_id == hint_id
        assert result.message == HINTS[hint_id].format(name=name)


def test_an_unknown_error_says_so_and_shows_it():
    wrong = define("gram_matrix", "def gram_matrix(A):\n    return 1 / 0\n", "unknown")
    result = grading.check("gram_matrix", wrong)
    assert result.hint_id == "raised"
    assert result.message.split("\n") == [
        "gram_matrix stopped with an error the checks do not recognise: read the error below "
        "and the line of your code it comes from.",
        "    (ZeroDivisionError: division by zero)",
    ]


@pytest.mark.parametrize(
    "body",
    [
        "    m, n_H, n_W, n_C = None\n    return tf.reduce_sum(a_G) / (n_H * n_W)\n",
        "    a = None\n    return tf.reduce_sum(tf.reshape(a, [-1]))\n",
        "    J = None\n    return J + tf.reduce_sum(a_G)\n",
    ],
    ids=["unpack", "tf-op", "arithmetic"],
)
def test_a_none_placeholder_is_not_implemented_even_without_the_source(body):
    """Without the source (placeholders not countable) a None used anywhere is still a
    placeholder: "not implemented yet", in one line, never a TypeError about NoneType."""
    import tensorflow as tf

    namespace = {"tf": tf.compat.v1}
    exec(compile("def compute_content_cost(a_C, a_G):\n" + body, "<no source>", "exec"), namespace)
    result = grading.check("compute_content_cost", namespace["compute_content_cost"])
    assert result.hint_id == "not-implemented"
    assert result.message == HINTS["not-implemented"].format(name="compute_content_cost")


WRONG_GRAM = "def gram_matrix(A):\n    return tf.matmul(A, A)\n"
RIGHT_STYLE = next(source for label, source, _ in CORPUS["compute_layer_style_cost"])


def notebook_with(gram_source):
    """One namespace, as the notebook's: the student's gram_matrix and layer style cost."""
    import tensorflow as tf

    namespace = {"tf": tf.compat.v1, "np": np}
    define("gram_matrix", gram_source, "notebook gram", namespace)
    return define("compute_layer_style_cost", RIGHT_STYLE, "notebook style", namespace)


def test_a_wrong_gram_matrix_costs_gram_matrix_only():
    style = notebook_with(WRONG_GRAM)
    wrong_gram = style.__globals__["gram_matrix"]
    assert grading.check("gram_matrix", wrong_gram).hint_id == "matmul-no-transpose"
    result = grading.check("compute_layer_style_cost", style)
    assert result.passed and result.hint_id is None
    assert result.message.split("\n") == [
        "All tests passed",
        "Note: judged with the reference gram_matrix; yours fails: see gram_matrix, and fix it "
        "first (compute_layer_style_cost uses it).",
    ]
    assert style.__globals__["gram_matrix"] is wrong_gram  # put back after the check


def test_no_note_when_the_students_callee_passes():
    right = "def gram_matrix(A):\n    return tf.matmul(A, tf.transpose(A))\n"
    result = grading.check("compute_layer_style_cost", notebook_with(right))
    assert result.passed and result.message == "All tests passed"


def test_observe_swaps_callees_and_restores_them():
    style = notebook_with(WRONG_GRAM)
    namespace = style.__globals__
    own = namespace["gram_matrix"]
    called = []

    def spy(A):
        called.append(namespace["gram_matrix"] is spy)
        return costs.gram_matrix(A)

    probes = grading.probes("compute_layer_style_cost")[:2]
    seen = grading.observe("compute_layer_style_cost", style, probes, callees={"gram_matrix": spy})
    assert called and all(called) and namespace["gram_matrix"] is own
    assert all("error" not in record for record in seen["results"])
    # without callees the student's own (wrong) gram_matrix is used, and raises
    seen = grading.observe("compute_layer_style_cost", style, probes)
    assert seen["results"][0]["error"]["type"] == "ValueError"


def test_callee_note_words():
    assert callee_note("gram_matrix", ["compute_content_cost"]) is None
    assert callee_note("compute_layer_style_cost", ["total_cost"]) is None
    assert callee_note("model_nn", ["compute_content_cost", "total_cost"]) == (
        "Note: judged with the reference compute_content_cost and total_cost; yours fail: see "
        "compute_content_cost and total_cost, and fix them first (model_nn uses them)."
    )
    three = ["compute_content_cost", "compute_layer_style_cost", "total_cost"]
    assert "reference compute_content_cost, compute_layer_style_cost and total_cost;" in (
        callee_note("model_nn", three)
    )


def test_an_unrelated_none_line_does_not_hide_the_mistake():
    """A hand-written body (no START/END markers) with a leftover ``x = None`` line and a
    forgotten transpose: the error names the transpose, not "not implemented yet"; the same
    body that *uses* the None is still "not implemented yet"."""
    forgot = "def gram_matrix(A):\n    GA = None\n    GA = tf.matmul(A, A)\n    return GA\n"
    result = grading.check("gram_matrix", define("gram_matrix", forgot, "None then A A"))
    assert result.hint_id == "matmul-no-transpose", result.message
    used = "def gram_matrix(A):\n    GA = None\n    return tf.matmul(GA, tf.transpose(A))\n"
    result = grading.check("gram_matrix", define("gram_matrix", used, "None used"))
    assert result.hint_id == "not-implemented", result.message
