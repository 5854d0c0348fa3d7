"""One judge, one message (issue 22, point 1): the whole corpus of implementations
(tests/grading_corpus.py) graded by the real ``nst-course grade`` and checked in-process, as
the notebook's check cells and nbgrader's hidden tests do (both call
:func:`nst_course.grading.check`), gives the same verdict and the same words for each function.

The class is the corpus packed into as few Python files as its longest list (a submission
holds one implementation of each graded function), plus one student whose only mistake is
gram_matrix: one ``grade`` run for all, through its public JSON output. nbgrader's own
pipeline runs a representative subset (tests/test_nbgrader.py: the solution, the untouched
release, a wrong unrolling, a wrong gram_matrix alone, raising mistakes), because each
notebook it executes costs a kernel start and a whole notebook run.
"""

import json
import subprocess
import sys

import pytest

import nst_course.grading as grading
from nst_course.grading.points import GRADED, POINTS, TOTAL

from ..conftest import cli_env
from ..grading_corpus import CORPUS, PREAMBLE, as_class, define

SEED = 2017  # the seed of the notebook's hidden tests

ONLY_GRAM_WRONG = "\n\n".join(
    [PREAMBLE]
    + [
        "def gram_matrix(A):\n    return tf.matmul(A, A)\n"
        if name == "gram_matrix"
        else entries[0][1]  # the course's own way, right
        for name, entries in CORPUS.items()
    ]
)


def words(text):
    return " ".join(str(text).split())


def notebook_namespace(source, student):
    """The student's code run as a notebook's cells run: one namespace for all functions."""
    return define(None, source, student, {})


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    students = {name: source for name, (source, _) in as_class().items()}
    students["only-gram-wrong"] = ONLY_GRAM_WRONG
    for student, source in students.items():
        (folder / (student + ".py")).write_text(source, encoding="utf-8")
    out = tmp_path_factory.mktemp("grades")
    done = subprocess.run(
        [sys.executable, "-m", "nst_course", "grade", str(folder), "--out", str(out)]
        + ["--seed", str(SEED), "--json"],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    rows = {
        result["student"]: {row["function"]: row for row in result["functions"]}
        for result in report["submissions"]
    }
    assert set(rows) == set(students)
    return students, rows, report


def test_grade_and_the_notebook_checks_say_the_same(graded):
    students, rows, _ = graded
    expected = {name: hints for name, (_, hints) in as_class().items()}
    compared = 0
    for student, hints in expected.items():
        namespace = notebook_namespace(students[student], student)
        for name, (label, hint_id) in hints.items():
            ours = grading.check(name, namespace[name], seed=SEED)
            row = rows[student][name]
            where = "%s %s/%s" % (student, name, label)
            assert ours.hint_id == hint_id, (where, ours.message)
            assert (row["status"] == "passed") == ours.passed, (where, row["hint"])
            assert row["points"] == (POINTS[name] if ours.passed else 0), where
            assert words(row["hint"]) == words(ours.message), where
            compared += 1
    assert compared == sum(len(entries) for entries in CORPUS.values())


def test_one_wrong_gram_matrix_costs_its_point_only(graded):
    students, rows, report = graded
    row = rows["only-gram-wrong"]
    expected = {name: float(POINTS[name]) for name in GRADED}
    expected["gram_matrix"] = 0.0
    assert {name: row[name]["points"] for name in GRADED} == expected
    total = next(r for r in report["submissions"] if r["student"] == "only-gram-wrong")["total"]
    assert total == TOTAL - POINTS["gram_matrix"]
    assert row["gram_matrix"]["hint"].startswith("gram_matrix: tf.matmul(A, A) multiplies")
    assert words(row["compute_layer_style_cost"]["hint"]) == (
        "All tests passed Note: judged with the reference gram_matrix; yours fails: see "
        "gram_matrix, and fix it first (compute_layer_style_cost uses it)."
    )
    namespace = notebook_namespace(students["only-gram-wrong"], "only-gram-wrong")
    ours = grading.check("compute_layer_style_cost", namespace["compute_layer_style_cost"])
    assert words(ours.message) == words(row["compute_layer_style_cost"]["hint"])


def test_the_untouched_template_is_not_implemented_in_grade_too(graded):
    """The course templates (None placeholders) are 'not implemented yet' through grade, as
    in the notebook: never 'returned None' nor a TypeError about NoneType."""
    _, rows, _ = graded
    templates = [
        (student, name)
        for student, (_, hints) in as_class().items()
        for name, (label, _) in hints.items()
        if label == "course template"
    ]
    assert len(templates) == len(GRADED)
    for student, name in templates:
        assert "is not implemented yet" in rows[student][name]["hint"], (student, name)
        assert "NoneType" not in rows[student][name]["hint"]
