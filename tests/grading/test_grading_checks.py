"""The checks with hints, tested on a corpus of implementations (tests/fixtures/grading_corpus.py).

Every correct implementation (several styles) must pass; every wrong one must fail with its
own hint. Also: the API's contract (JSON-serialisable probes and observations, judge without
the function), the caller's graph and session untouched, the course-style printing.
"""

import inspect
import io
import json
import os

import numpy as np
import pytest
import tensorflow as tf

import nst_course.grading as grading
from nst_course import costs, training
from nst_course.grading.hints import HINTS
from tests.fixtures.grading_corpus import CORPUS, define

tf1 = tf.compat.v1


def source_of(name, label):
    return next(source for lab, source, _ in CORPUS[name] if lab == label)


CASES = [
    (name, label, source, hint_id)
    for name, entries in CORPUS.items()
    for label, source, hint_id in entries
]


@pytest.mark.parametrize(
    "name, label, source, hint_id", CASES, ids=["%s/%s" % (c[0], c[1]) for c in CASES]
)
def test_corpus(name, label, source, hint_id):
    result = grading.check(name, define(name, source, label))
    if hint_id is None:
        assert result.passed, result.message
        assert result.message == "All tests passed" and result.hint_id is None
    else:
        assert not result.passed
        assert result.hint_id == hint_id, result.message
        assert result.message and "Traceback" not in result.message
        first, *rest = result.message.split("\n")
        assert first == result.hint and "Error" not in first  # the hint, never the raw error
        assert all(line.startswith("    (") for line in rest)  # the error, indented, below


def test_every_wrong_approach_of_the_issue_has_its_hint_in_the_corpus():
    wanted = {
        "no-transpose",
        "missing-4",
        "missing-square-nC",
        "missing-square-nHnW",
        "wrong-dimensions",
        "gram-transposed",
        "alpha-beta-swapped",
        "defaults-changed",
        "no-square",
        "numpy-on-tensor",
        "reduce-mean",
        "returned-none",
        "not-implemented",
        "input-not-assigned",
        "input-reassigned",
    }
    found = {hint_id for *_, hint_id in CASES}
    assert wanted <= found
    assert found - {None} <= set(HINTS)


@pytest.mark.parametrize("name", list(grading.GRADED))
def test_the_package_functions_pass(name):
    function = getattr(costs, name, None) or training.model_nn
    result = grading.check(name, function, seed=2017)  # the seed of the notebook's hidden tests
    assert result.passed, result.message
    assert result.checked  # says what it checked


def test_points_table():
    assert list(grading.POINTS) == [
        "compute_content_cost",
        "gram_matrix",
        "compute_layer_style_cost",
        "total_cost",
        "model_nn",
    ]
    assert grading.GRADED == tuple(grading.POINTS)
    assert "total" in grading.points_table()


def test_probes_json_published_fixed_random_seeded():
    for name in grading.GRADED:
        probes = grading.probes(name)
        assert json.loads(json.dumps(probes)) == probes
        assert grading.probes(name, seed=1) == probes
    a, b = grading.probes("gram_matrix", seed=1), grading.probes("gram_matrix", seed=2)
    assert a[0] == b[0]  # the published example
    assert a[1]["args"] != b[1]["args"]
    shapes = [
        np.shape(p["args"][1]["value"])
        for p in grading.probes("compute_content_cost")
        if p["kind"] == "call"
    ]
    assert any(s[1] != s[2] for s in shapes) and len({s[3] for s in shapes}) >= 3


def test_observe_is_json_and_judge_needs_only_values():
    probes = grading.probes("compute_layer_style_cost", seed=3)
    seen = grading.observe("compute_layer_style_cost", costs.compute_layer_style_cost, probes)
    seen = json.loads(json.dumps(seen))  # what a child process would send back
    assert grading.judge("compute_layer_style_cost", probes, seen).passed
    # values only: a forged observation of the right type with a wrong value fails
    seen["results"][1]["value"] = 0.5
    verdict = grading.judge("compute_layer_style_cost", probes, seen)
    assert not verdict.passed and verdict.hint_id == "wrong-value"
    # an observation that claims success without values fails
    assert not grading.judge("compute_layer_style_cost", probes, {"results": []}).passed


def test_observe_records_a_failure_as_values():
    seen = grading.observe(
        "gram_matrix",
        define("gram_matrix", "def gram_matrix(A):\n    1 / 0\n", "div"),
        grading.probes("gram_matrix"),
    )
    assert seen["results"][0]["error"] == {
        "type": "ZeroDivisionError",
        "message": "division by zero",
        "when": "call",
    }
    seen = grading.observe("total_cost", costs.total_cost, grading.probes("total_cost"))
    assert (
        seen["results"][0]["type"] == "float" and seen["results"][0]["value"] == 35.34667875478276
    )
    assert seen["results"][-1]["type"] == "tf.Tensor"
    assert seen["defaults"] == {
        "J_content": "<required>",
        "J_style": "<required>",
        "alpha": 10,
        "beta": 40,
    }


def test_checks_leave_the_callers_graph_and_session_alone(tmp_path):
    graph = tf1.get_default_graph()
    marker = tf1.constant(1.0, name="marker")
    sess = tf1.InteractiveSession()
    before = len(graph.get_operations())
    cwd = os.getcwd()
    for name in grading.GRADED:
        grading.check(name, getattr(costs, name, None) or training.model_nn, workdir=str(tmp_path))
    assert tf1.get_default_graph() is graph and tf1.get_default_session() is sess
    assert len(graph.get_operations()) == before and sess.run(marker) == 1.0
    assert os.getcwd() == cwd
    sess.close()


def test_model_nn_globals_are_restored():
    source = source_of("model_nn", "course")
    function = define("model_nn", source, "globals")
    function.__globals__["J"] = "the notebook's J"
    assert grading.check("model_nn", function).passed
    assert function.__globals__["J"] == "the notebook's J"
    assert "train_step" not in function.__globals__


def test_course_style_test_prints_and_returns(capsys, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    result = grading.gram_matrix_test(costs.gram_matrix)
    assert result.passed and capsys.readouterr() == ("All tests passed\n", "")
    wrong = define("gram_matrix", source_of("gram_matrix", "A^T A"), "printing")
    result = grading.gram_matrix_test(wrong)
    out, err = capsys.readouterr()
    assert not result.passed and out == result.message + "\n" and err == ""
    assert "A A^T" in out


def test_colour_where_supported(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    grading.report(grading.CheckResult(True, "All tests passed"), stream)
    assert stream.getvalue() == "\033[92mAll tests passed\033[0m\n"


def test_the_course_test_functions_take_the_function():
    for name in grading.GRADED:
        test = getattr(grading, name + "_test")
        assert list(inspect.signature(test).parameters)[0] == "target"
