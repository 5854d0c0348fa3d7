"""nbgrader's real pipeline with our grader in the middle: ``nbgrader generate_assignment`` on
the package's source notebook, three submissions placed as ``nbgrader collect`` places them
(``submitted/<student>/<assignment>/`` with ``timestamp.txt``), ``nst-course grade --nbgrader``,
then ``nbgrader export`` (nbgrader's own command) shows the totals, the grade cells hold the
points and the solution cells the hints. The same run exports Canvas and Moodle files, read
back and checked against our gradebook."""

import csv
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

pytest.importorskip(
    "nbgrader", reason="nbgrader is not installed (the 'teach' extra: pip install -e '.[teach]')"
)

from nst_course.grading import POINTS, TOTAL, assignment  # noqa: E402
from tests.conftest import ROOT, cli_env  # noqa: E402

NAME = "nst_assignment"
NOTEBOOK = os.path.basename(assignment.SOURCE)
# the classic mistake: unrolling without the transpose
BUG = {
    "a_%s = tf.transpose(tf.reshape(a_%s, [n_H * n_W, n_C]))"
    % (x, x): "a_%s = tf.reshape(a_%s, [n_C, n_H * n_W])" % (x, x)
    for x in "SG"
}
EXPECTED = {
    "solution": TOTAL,
    "one-bug": TOTAL - POINTS["compute_layer_style_cost"],
    "release": 0,
}


def environment():
    env = cli_env()
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")  # alembic
    return env


def nbgrader(args, course):
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader"] + args,
        cwd=course,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def nst(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "nst_course", "grade"] + [str(a) for a in args],
        cwd=cwd,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course after generate_assignment, collect and ``nst-course grade --nbgrader``."""
    root = tmp_path_factory.mktemp("course")
    source = root / "source" / NAME
    source.mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, *assignment.SOURCE.split("/")), source / NOTEBOOK)
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.course_id = 'nst-platforms'\n"
        "c.CourseDirectory.root = %r\n" % str(root)
    )
    nbgrader(["generate_assignment", NAME, "--force"], root)
    solution = (source / NOTEBOOK).read_text(encoding="utf-8")
    buggy = solution
    for right, wrong in BUG.items():
        assert right in buggy
        buggy = buggy.replace(right, wrong)
    texts = {
        "solution": solution,
        "one-bug": buggy,
        "release": (root / "release" / NAME / NOTEBOOK).read_text(encoding="utf-8"),
    }
    for student, text in texts.items():
        folder = root / "submitted" / student / NAME
        folder.mkdir(parents=True)
        (folder / NOTEBOOK).write_text(text, encoding="utf-8")
        (folder / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
    roster = root / "roster.csv"
    roster.write_text(
        "student_id,Student,ID,SIS User ID,SIS Login ID,Section,Email address\n"
        "solution,\"Sol, Ann\",11,S11,ann,A,ann@example.edu\n"
        "one-bug,\"Bug, Ben\",12,S12,ben,A,ben@example.edu\n"
        "release,\"Rel, Cat\",13,S13,cat,B,cat@example.edu\n"
    )
    out = root / "nst-grades"
    done = nst(
        "--nbgrader", root, NAME, "--out", out, "--timeout", "60", "--seed", "3",
        "--export", "canvas", root / "canvas.csv", "--roster", roster,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return root, out, done


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_nbgrader_export_shows_our_totals(course):
    root, _, _ = course
    nbgrader(["export", "--to", str(root / "grades-export.csv")], root)
    rows = {
        r["student_id"]: r for r in read_csv(root / "grades-export.csv") if r["assignment"] == NAME
    }
    assert {s: float(r["score"]) for s, r in rows.items()} == EXPECTED
    assert {float(r["max_score"]) for r in rows.values()} == {TOTAL}
    assert rows["solution"]["timestamp"].startswith("2026-12-01 10:00:00")


def test_the_grade_cells_hold_the_points_and_the_solution_cells_the_hints(course):
    root, _, _ = course
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + str(root / "gradebook.db"), "nst-platforms") as gradebook:
        submission = gradebook.find_submission(NAME, "one-bug")
        (notebook,) = submission.notebooks
        grades = {
            g.name: (g.auto_score, g.max_score, g.needs_manual_grade) for g in notebook.grades
        }
        comments = {c.name: c.auto_comment for c in notebook.comments}
    assert grades == {
        "test_" + name: (
            float(points) if name != "compute_layer_style_cost" else 0.0,
            points,
            False,
        )
        for name, points in POINTS.items()
    }
    assert "THEN transposing" in comments["compute_layer_style_cost"]
    assert comments["gram_matrix"].startswith("gram_matrix: 1 / 1")


def test_our_feedback_sits_next_to_it(course):
    _, out, done = course
    assert "3 submission(s) of %s graded" % NAME in done.stderr
    for student in EXPECTED:
        assert (out / "feedback" / (student + ".md")).is_file()
    with sqlite3.connect(str(out / "gradebook.db")) as db:
        assert dict(db.execute("SELECT student, total FROM submissions")) == EXPECTED


def test_the_canvas_file_reads_back_as_the_gradebook(course):
    root, _, done = course
    rows = read_csv(root / "canvas.csv")
    assert list(rows[0]) == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", NAME]
    assert {r["SIS Login ID"]: float(r[NAME]) for r in rows} == {
        "ann": EXPECTED["solution"],
        "ben": EXPECTED["one-bug"],
        "cat": EXPECTED["release"],
    }
    assert {r["Student"] for r in rows} == {"Sol, Ann", "Bug, Ben", "Rel, Cat"}


def test_a_moodle_file_and_a_student_missing_from_the_roster(course):
    """Again on the same course (nothing changed: nothing graded again), a roster without
    one student: Moodle's file has the others, the missing one is named, exit status 1."""
    root, out, _ = course
    roster = root / "short-roster.csv"
    roster.write_text(
        "student_id,Email address\nsolution,ann@example.edu\nrelease,cat@example.edu\n"
    )
    done = nst(
        "--nbgrader", root, NAME, "--out", out,
        "--export", "moodle", root / "moodle.csv", "--roster", roster, "--column", "NST",
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "not in the roster" in done.stderr and "one-bug" in done.stderr
    rows = read_csv(root / "moodle.csv")
    assert rows == [  # in the order of the grader's ids
        {"Email address": "cat@example.edu", "NST": "%g" % EXPECTED["release"]},
        {"Email address": "ann@example.edu", "NST": "%g" % EXPECTED["solution"]},
    ]


def test_folders_that_are_not_an_nbgrader_course(course, tmp_path):
    root, _, _ = course
    plain = tmp_path / "plain"
    plain.mkdir()
    no_book = tmp_path / "no-book"
    (no_book / "submitted" / "ann" / NAME).mkdir(parents=True)
    for folder, name, words in [
        (tmp_path / "missing", NAME, "no such folder"),
        (plain, NAME, "is not an nbgrader course folder: it has no submitted/ folder"),
        (no_book, NAME, "it has no gradebook"),
        (root, "other", "no submissions of 'other'"),
    ]:
        done = nst("--nbgrader", folder, name, "--out", tmp_path / "out")
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 1 and len(lines) == 1, done.stderr
        assert lines[0].startswith("nst-course: error:") and words in lines[0], done.stderr
    assert not (tmp_path / "out").exists()  # nothing written
