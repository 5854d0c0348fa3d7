"""nbgrader's own pipeline on the source notebook, in a temporary course directory.

``nbgrader generate_assignment`` makes the release; ``nbgrader autograde`` grades five
submissions in one run: the solution (full marks), the solution with one known bug (that cell
loses its points, the others keep theirs), the solution with a wrong gram_matrix only (its
point only: compute_layer_style_cost is judged with the reference gram_matrix), one whose every
graded function raises (each a hint of its own, the error below it) and the untouched release
(zero, no crash). The scores are read from nbgrader's gradebook (SQLite); what each grade cell
shows is compared with :func:`nst_course.grading.check` on the same code (one voice). The
notebook runs small: tiny VGG weights (``NST_VGG_MODEL``), a 40x32 image, 2 iterations.
"""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

pytest.importorskip(
    "nbgrader", reason="nbgrader is not installed (the 'teach' extra: pip install -e '.[teach]')"
)
nbformat = pytest.importorskip("nbformat")

from nst_course.grading import (  # noqa: E402
    POINTS,
    TOTAL,
    assignment,  # noqa: E402
)
from tests.conftest import ROOT, cli_env  # noqa: E402

NAME = "nst_assignment"
NOTEBOOK = os.path.basename(assignment.SOURCE)
# The classic mistake: unrolling without the transpose.
RIGHT = {
    "a_%s = tf.transpose(tf.reshape(a_%s, [n_H * n_W, n_C]))"
    % (x, x): "a_%s = tf.reshape(a_%s, [n_C, n_H * n_W])" % (x, x)
    for x in "SG"
}
# The forgotten transpose in gram_matrix, and nothing else.
GRAM_BUG = {"GA = tf.matmul(A, tf.transpose(A))": "GA = tf.matmul(A, A)"}
# A raising mistake in each graded function (tests/fixtures/grading_corpus.py has them all).
RAISING = {
    "J_content = (1 / (4 * n_H * n_W * n_C)) * tf.reduce_sum(tf.square(tf.subtract("
    "a_C_unrolled, a_G_unrolled)))": "J_content = tf.reduce_sum(tf.square(a_C_unrolled - "
    "a_G_unrolled)) / tf.constant(4 * n_H * n_W * n_C)",
    "GA = tf.matmul(A, tf.transpose(A))": "GA = tf.matmul(A, np.transpose(A))",
    "a_S = tf.transpose(tf.reshape(a_S, [n_H * n_W, n_C]))": (
        "a_S = tf.reshape(tf.transpose(a_S, perm=[2, 0, 1]), [n_C, n_H * n_W])"
    ),
    "J = alpha * J_content + beta * J_style": (
        "J = tf.multiply(alpha, J_content) + tf.multiply(beta, J_style)"
    ),
    "    sess.run(tf.global_variables_initializer())\n": "    pass\n",
}
EXPECTED_HINTS = {
    "one-gram-bug": {"gram_matrix": "matmul-no-transpose"},
    "raising": {
        "compute_content_cost": "int-mixed",
        "gram_matrix": "numpy-on-tensor",
        "compute_layer_style_cost": "transpose-perm",
        "total_cost": "int-mixed",
        "model_nn": "no-initializer",
    },
}


def with_changes(text, changes):
    """The notebook ``text`` with each right line replaced by its wrong one (each must be there)."""
    notebook = json.loads(text)
    found = set()
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        for right, wrong in changes.items():
            if right in source:
                found.add(right)
                source = source.replace(right, wrong)
        cell["source"] = source
    assert found == set(changes), set(changes) - found
    return json.dumps(notebook)


def run(args, cwd, env):
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader"] + args,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def graded(tmp_path_factory, tiny_mat):
    course = tmp_path_factory.mktemp("course")
    source = course / "source" / NAME
    source.mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, *assignment.SOURCE.split("/")), source / NOTEBOOK)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'nst-course-test'\n"
        "c.CourseDirectory.root = %r\n"
        "c.Execute.timeout = 600  # a loaded test machine; the default is 30 s per cell\n"
        % str(course)
    )
    jupyter = course / "jupyter"
    spec = jupyter / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3",
                "language": "python",
            }
        )
    )
    env = cli_env()
    env.update(
        {
            "PATH": os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),  # alembic
            "JUPYTER_PATH": str(jupyter),
            "NST_VGG_MODEL": tiny_mat,
            "NST_NOTEBOOK_WIDTH": "40",
            "NST_NOTEBOOK_HEIGHT": "32",
            "NST_NOTEBOOK_ITERATIONS": "2",
            "NST_NOTEBOOK_IMAGES": os.path.join(ROOT, "images"),
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        }
    )
    run(["generate_assignment", NAME, "--force"], course, env)
    release = course / "release" / NAME / NOTEBOOK
    assert release.exists()

    submissions = {
        "solution": (source / NOTEBOOK).read_text(encoding="utf-8"),
        "release": release.read_text(encoding="utf-8"),
    }
    buggy = submissions["solution"]
    for right, bug in RIGHT.items():
        assert right in buggy
        buggy = buggy.replace(right, bug)
    submissions["one-bug"] = buggy
    submissions["one-gram-bug"] = with_changes(submissions["solution"], GRAM_BUG)
    submissions["raising"] = with_changes(submissions["solution"], RAISING)
    for student, text in submissions.items():
        folder = course / "submitted" / student / NAME
        folder.mkdir(parents=True)
        (folder / NOTEBOOK).write_text(text, encoding="utf-8")
    run(["autograde", NAME, "--create", "--force"], course, env)

    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook("sqlite:///" + str(course / "gradebook.db")) as gradebook:
        for student in submissions:
            submission = gradebook.find_submission(NAME, student)
            cells = {
                grade.name: grade.score
                for notebook in submission.notebooks
                for grade in notebook.grades
            }
            scores[student] = (submission.score, submission.max_score, cells)
    return course, scores


def check_outputs(course, student):
    nb = nbformat.read(str(course / "autograded" / student / NAME / NOTEBOOK), as_version=4)
    shown = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            shown[meta["grade_id"]] = [
                (o.get("output_type"), o.get("name"), o.get("text", "")) for o in cell.outputs
            ]
    return shown


def test_the_release_is_nbgraders(graded):
    course, _ = graded
    text = (course / "release" / NAME / NOTEBOOK).read_text(encoding="utf-8")
    assert "raise NotImplementedError()" in text and "BEGIN SOLUTION" not in text
    assert "HIDDEN TESTS" not in text and "# GRADED FUNCTION: gram_matrix" in text


def test_the_solution_gets_full_marks(graded):
    course, scores = graded
    score, max_score, cells = scores["solution"]
    assert max_score == TOTAL and score == TOTAL
    assert cells == {"test_" + name: float(points) for name, points in POINTS.items()}
    for grade_id, outputs in check_outputs(course, "solution").items():
        assert [(kind, name) for kind, name, _ in outputs] == [("stream", "stdout")], grade_id
        assert "All tests passed" in outputs[0][2]


def test_one_bug_loses_that_cell_only(graded):
    course, scores = graded
    score, _, cells = scores["one-bug"]
    assert cells["test_compute_layer_style_cost"] == 0
    assert score == TOTAL - POINTS["compute_layer_style_cost"]
    shown = check_outputs(course, "one-bug")["test_compute_layer_style_cost"]
    assert any("reshaping to (n_H*n_W, n_C) and THEN" in text for _, _, text in shown)


def test_the_untouched_release_gets_zero_without_crashing(graded):
    course, scores = graded
    score, max_score, cells = scores["release"]
    assert score == 0 and max_score == TOTAL and set(cells) == {"test_" + n for n in POINTS}
    shown = check_outputs(course, "release")["test_compute_content_cost"]
    assert any("not implemented yet" in text for _, _, text in shown)


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def graded_code(course, student):
    """The student's graded functions, defined as the notebook defines them (one namespace)."""
    import numpy as np
    import tensorflow as tf

    from nst_course.images import save_image
    from tests.fixtures.grading_corpus import define

    nb = nbformat.read(str(course / "submitted" / student / NAME / NOTEBOOK), as_version=4)
    namespace = {"tf": tf.compat.v1, "np": np, "os": os, "save_image": save_image}
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            define(
                None, cell.source, "%s %s" % (student, cell.metadata.nbgrader.grade_id), namespace
            )
    return namespace


@pytest.mark.parametrize("student", ["solution", "one-gram-bug", "raising", "one-bug", "release"])
def test_nbgrader_shows_what_the_checks_say(graded, student):
    """One voice: each grade cell shows the course-style check's words (seed 1) and, when it
    fails, nbgrader's hidden test fails with the words of the same check at the hidden seed."""
    from nst_course import grading

    course, scores = graded
    namespace = graded_code(course, student)
    nb = nbformat.read(str(course / "autograded" / student / NAME / NOTEBOOK), as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade"):
            continue
        name = meta["grade_id"][len("test_") :]
        visible = grading.check(name, namespace[name])
        hidden = grading.check(name, namespace[name], seed=2017)
        printed = [ANSI.sub("", o.get("text", "")) for o in cell.outputs if o.get("name")]
        errors = [o for o in cell.outputs if o.get("output_type") == "error"]
        assert [o.get("name") for o in cell.outputs if o.get("name")] == ["stdout"], name
        assert printed == [visible.message + "\n"], name
        assert scores[student][2][meta["grade_id"]] == (POINTS[name] if hidden.passed else 0)
        if hidden.passed:
            assert not errors, name
        else:
            assert [e["ename"] for e in errors] == ["AssertionError"], name
            assert errors[0]["evalue"] == hidden.message, name
        expected = EXPECTED_HINTS.get(student, {}).get(name)
        if expected:
            assert visible.hint_id == hidden.hint_id == expected, visible.message


def test_a_wrong_gram_matrix_costs_its_point_only(graded):
    course, scores = graded
    score, _, cells = scores["one-gram-bug"]
    assert score == TOTAL - POINTS["gram_matrix"]
    assert cells["test_gram_matrix"] == 0 and cells["test_compute_layer_style_cost"] == 2
    shown = check_outputs(course, "one-gram-bug")["test_compute_layer_style_cost"]
    text = ANSI.sub("", "".join(t for _, _, t in shown))
    assert text.startswith("All tests passed\nNote: judged with the reference gram_matrix; yours")
