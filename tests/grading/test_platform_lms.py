"""Canvas and Moodle grade files from the grader's SQLite gradebook (real files, read back),
the roster's mapping, who is missing, and the bad inputs (one line, nothing written)."""

import csv
import subprocess
import sys

import pytest

from nst_course.errors import OutputError
from nst_course.grading.gradebook import Gradebook
from nst_course.grading.platforms.lms import (
    CANVAS_COLUMNS,
    RosterError,
    export,
    export_gradebook,
    read_roster,
)
from nst_course.grading.points import POINTS
from tests.conftest import cli_env

TOTALS = {"ann": 8.0, "ben": 5.5, "cat": 0.0}


@pytest.fixture
def gradebook(tmp_path):
    """Our gradebook (the real SQLite file) with three students' results."""
    out = tmp_path / "grades"
    with Gradebook(str(out)) as book:
        for student, total in TOTALS.items():
            rows, left = [], total
            for name, points in POINTS.items():
                got = min(points, left)
                left -= got
                rows.append(
                    {"function": name, "points": got, "max_points": float(points),
                     "status": "passed" if got == points else "failed", "hint": "h"}
                )  # fmt: skip
            book.record({"student": student, "functions": rows, "total": total,
                         "max_total": 8.0})  # fmt: skip
    return out


def read_back(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def stored_totals(out):
    with Gradebook(str(out)) as book:
        return {s: book.result(s)["total"] for s in book.students()}


def test_canvas_without_a_roster_takes_the_ids_for_logins(gradebook, tmp_path, capsys):
    path = tmp_path / "canvas.csv"
    assert export_gradebook(str(gradebook), "canvas", str(path), "NST (77)") == 0
    table = read_back(path)
    assert table[0] == list(CANVAS_COLUMNS) + ["NST (77)"]
    assert {row[3]: float(row[5]) for row in table[1:]} == stored_totals(gradebook) == TOTALS
    assert all(row[1] == "" for row in table[1:])  # no Canvas ids invented
    assert "canvas grade file" in capsys.readouterr().err


def test_a_roster_maps_ids_and_nobody_is_dropped_silently(gradebook, tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,student_id,Username\n"
        "\"Ann, A\",1,U1,ann1,S1,ann,annu\n"
        "\"Dee, D\",4,U4,dee4,S1,dee,deeu\n"
        "\"Ben, B\",2,U2,ben2,S2,ben,benu\n",
        encoding="utf-8",
    )
    canvas, moodle = tmp_path / "canvas.csv", tmp_path / "moodle.csv"
    loaded = read_roster(str(roster))
    assert export_gradebook(str(gradebook), "canvas", str(canvas), "NST", loaded) == 1
    err = capsys.readouterr().err
    assert "1 graded student(s) are not in the roster" in err and ": cat (" in err
    assert "have no grade, not in the file: dee" in err
    table = read_back(canvas)
    assert table[1:] == [
        ["Ann, A", "1", "U1", "ann1", "S1", "8"],
        ["Ben, B", "2", "U2", "ben2", "S2", "5.5"],
    ]
    assert export_gradebook(str(gradebook), "moodle", str(moodle), "NST", loaded) == 1
    assert read_back(moodle) == [["Username", "NST"], ["annu", "8"], ["benu", "5.5"]]


def test_bad_rosters(tmp_path):
    cases = {
        "dup.csv": ("student_id,ID\nann,1\nben,2\nann,3\n", "has the student_id 'ann' twice (line 2 and line 4)"),
        "nokey.csv": ("Student,ID\nAnn,1\n", "has no student_id column"),
        "empty-id.csv": ("student_id,ID\n,1\n", "empty student_id on line 2"),
        "empty.csv": ("", "is empty"),
    }  # fmt: skip
    for name, (text, words) in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(RosterError, match=words.replace("(", r"\(").replace(")", r"\)")):
            read_roster(str(tmp_path / name))
    (tmp_path / "ids-only.csv").write_text("student_id,ID\nann,1\n")
    ids_only = read_roster(str(tmp_path / "ids-only.csv"))
    with pytest.raises(RosterError, match="no column Moodle can match"):
        export("moodle", str(tmp_path / "m.csv"), {"ann": 1.0}, "NST", ids_only)
    assert not (tmp_path / "m.csv").exists()


def test_an_export_that_cannot_be_written_leaves_nothing(gradebook, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot write"):
        export_gradebook(str(gradebook), "canvas", str(blocker / "canvas.csv"), "NST")
    assert blocker.read_text() == "x"


def test_the_command_line_checks_the_roster_before_grading(tmp_path):
    (tmp_path / "dup.csv").write_text("student_id,ID\nann,1\nann,2\n")
    submission = tmp_path / "ann.py"
    submission.write_text("def gram_matrix(A):\n    return A\n")
    for extra, status, words in [
        (["--export", "canvas", tmp_path / "c.csv", "--roster", tmp_path / "dup.csv"], 1, "twice"),
        (["--export", "blackboard", tmp_path / "c.csv"], 2, "choose one of canvas, moodle"),
        (["--roster", tmp_path / "dup.csv"], 2, "--roster is for --export"),
        (["--export", "canvas", tmp_path], 1, "is a folder"),
    ]:
        done = subprocess.run(
            [sys.executable, "-m", "nst_course", "grade", submission, "--out", tmp_path / "out"]
            + [str(e) for e in extra],
            capture_output=True,
            text=True,
            env=cli_env(),
            timeout=300,
        )
        lines = done.stderr.strip().splitlines()
        assert done.returncode == status and len(lines) == 1, done.stderr
        assert lines[0].startswith("nst-course: error:") and words in lines[0], done.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "c.csv").exists()
