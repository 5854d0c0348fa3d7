"""The assignment notebooks: the nbgrader source, and the student notebook generated from it.

The committed student notebook must be exactly what the generator makes from the source (no
drift), contain no solution and no hidden test, look like the course's assignment, and run as
released up to the first check, which says politely that the function is not implemented yet.
"""

import json
import os
import re
import subprocess
import sys

import pytest

from nst_course.grading import POINTS, assignment
from tests.conftest import ROOT, cli_env, execute_notebook

SOURCE = os.path.join(ROOT, *assignment.SOURCE.split("/"))
STUDENT = os.path.join(ROOT, *assignment.STUDENT.split("/"))


def cells(path):
    with open(path, encoding="utf-8") as f:
        notebook = json.load(f)
    for cell in notebook["cells"]:
        cell["source"] = "".join(cell["source"])
    return notebook["cells"]


def nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def solution_lines(source_cells):
    """The non-empty lines inside the source's solution regions."""
    found = []
    for cell in source_cells:
        inside = False
        for line in cell["source"].splitlines():
            if "BEGIN SOLUTION" in line or "END SOLUTION" in line:
                inside = "BEGIN" in line
            elif inside and line.strip():
                found.append(line.strip())
    return found


def test_the_committed_student_notebook_is_what_the_source_gives(tmp_path):
    fresh = tmp_path / "student.ipynb"
    assert assignment.generate(SOURCE, str(fresh)) is False  # it was written
    assert fresh.read_text(encoding="utf-8") == open(STUDENT, encoding="utf-8").read(), (
        "notebooks/student is out of date: run python -m nst_course.grading.assignment"
    )
    done = subprocess.run(
        [sys.executable, "-m", "nst_course.grading.assignment", SOURCE, STUDENT, "--check"],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "up to date" in done.stdout


def test_check_mode_reports_a_stale_notebook(tmp_path):
    stale = tmp_path / "student.ipynb"
    stale.write_text("{}", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "nst_course.grading.assignment", SOURCE, str(stale), "--check"],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "OUT OF DATE" in done.stdout
    assert stale.read_text(encoding="utf-8") == "{}"


def test_the_student_notebook_has_no_solution_and_no_hidden_test():
    text = "\n".join(cell["source"] for cell in cells(STUDENT))
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "check(", "seed=2017"):
        assert marker not in text
    lines = solution_lines(cells(SOURCE))
    assert len(lines) >= 12
    for line in lines:
        assert line not in text, line


def test_the_student_notebook_looks_like_the_course():
    student = cells(STUDENT)
    text = "\n".join(cell["source"] for cell in student)
    for name in POINTS:
        assert "# GRADED FUNCTION: %s" % name in text
        assert "%s_test(%s)" % (name, name) in text
    assert text.count("### START CODE HERE ###") == text.count("### END CODE HERE ###") >= 8
    assert "(≈1 line)" in text and "(≈2 lines)" in text
    assert "    m, n_H, n_W, n_C = None\n" in text
    assert "    GA = None\n" in text and "    J = None\n" in text
    assert re.search(r"### START CODE HERE ### \(1 line\)\n    None\n", text)  # model_nn's sess.run
    assert "def compute_style_cost(model, STYLE_LAYERS):" in text  # given, as in the course
    assert all(not cell.get("outputs") for cell in student if cell["cell_type"] == "code")


def test_grade_cells_carry_the_points_table():
    graded = {
        nbgrader(c)["grade_id"]: nbgrader(c)["points"]
        for c in cells(SOURCE)
        if nbgrader(c).get("grade")
    }
    assert graded == {"test_" + name: points for name, points in POINTS.items()}
    solutions = [nbgrader(c)["grade_id"] for c in cells(SOURCE) if nbgrader(c).get("solution")]
    assert solutions == list(POINTS)


@pytest.mark.parametrize(
    "source, error",
    [
        ("x = 1\n### BEGIN SOLUTION\ny = 2\n", "never closed"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "nested"),
        ("### END SOLUTION\n", "without"),
        ("### BEGIN SOLUTION\nfor i in range(3):\n    pass\n### END SOLUTION\n", "no placeholder"),
    ],
)
def test_bad_source_regions_are_clear_errors(source, error):
    with pytest.raises(assignment.AssignmentError, match=error):
        assignment.student_source(source)


def test_placeholders_keep_the_markers_indentation():
    source = "def f(a):\n    ### BEGIN SOLUTION\n    x, y = a\n    sess.run(\n        a)\n    ### END SOLUTION\n"
    assert assignment.student_source(source) == "def f(a):\n    x, y = None\n    None\n"


def test_the_released_notebook_runs_to_the_first_check(tmp_path, tiny_mat, jupyter_path):
    """Executed as a student gets it: every cell up to the first check runs without an error,
    and the check says 'not implemented yet' in one line, on stdout only."""
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from tests.course.test_notebook import text_of

    nb = nbformat.read(STUDENT, as_version=4)
    first = next(k for k, c in enumerate(nb.cells) if nbgrader(c).get("grade"))
    nb.cells = nb.cells[: first + 1]
    workdir = tmp_path / "student"
    workdir.mkdir()
    execute_notebook(
        nb,
        workdir,
        jupyter_path,
        {
            "NST_NOTEBOOK_WIDTH": "40",
            "NST_NOTEBOOK_HEIGHT": "32",
            "NST_VGG_MODEL": tiny_mat,
            "NST_NOTEBOOK_IMAGES": os.path.join(ROOT, "images"),
            "TF_CPP_MIN_LOG_LEVEL": "2",
        },
    )
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    check = nb.cells[first]
    assert [o.get("name") for o in check.outputs] == ["stdout"]
    shown = text_of(check)
    assert "compute_content_cost is not implemented yet" in shown
    assert shown.count("\n") == 1 and "Traceback" not in shown
