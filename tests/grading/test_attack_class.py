"""The class always finishes: whatever a student's files are (not JSON, binary junk, links,
devices, FIFOs, huge, empty, clashing or hostile names), every student gets a row and a
feedback file with a clear reason, and nothing is followed, opened or printed raw."""

import csv
import os
import sqlite3
import stat
import subprocess
import sys

from nst_course.grading.extract import EMPTY, NO_GRADED

from ..conftest import cli_env
from .sandboxed import needs_sandbox

pytestmark = needs_sandbox

PERCENT_TOTAL = b"""def total_cost(J_content, J_style, alpha = 10, beta = 40):
    label = ("%s"
% "J")
    J = alpha * J_content + beta * J_style
    return J
"""


def test_a_hostile_class_finishes_with_a_row_and_a_reason_for_everyone(tmp_path):
    secret = tmp_path / "root-only.txt"
    secret.write_text("ROOT-SECRET")
    os.chmod(secret, 0o600)
    other_class = tmp_path / "other-class"
    other_class.mkdir()
    (other_class / "gradebook.db").write_bytes(b"SQLite format 3\0OTHER-CLASS-GRADES")
    course = tmp_path / "class"
    course.mkdir()
    files = {
        "broken.ipynb": b"{not json",
        "deep.ipynb": b"[" * 100000,
        "junk.py": bytes(range(256)) * 8,
        "empty.py": b"",
        "blank.ipynb": b"  \n\t\n",
        "nothing.py": b"import numpy as np\nx = 1\n",
        "alice smith.py": b"\n",
        "alice_smith.py": b"y = 2\n",
        "evil\x1b[31mred.py": b"z = 3\n",
        "new\nline.py": b"w = 4\n",
        "percent.py": PERCENT_TOTAL,
        "huge.py": b"#" * (17 * 1024 * 1024),
    }
    for name, data in files.items():
        (course / name).write_bytes(data)
    os.symlink(secret, course / "link.py")
    os.symlink("/proc/self/environ", course / "environ.py")
    os.symlink(other_class / "gradebook.db", course / "grades.py")
    os.symlink(other_class, course / "folder-link")
    (course / "carol").mkdir()
    os.symlink(secret, course / "carol" / "work.py")
    os.mkfifo(course / "fifo.py")
    os.mknod(course / "device.py", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    out = tmp_path / "grades"
    result = subprocess.run(
        [sys.executable, "-m", "nst_course", "grade", str(course), "--out", str(out)]
        + ["--workers", "1", "--timeout", "60"],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    for text in (result.stdout, result.stderr):
        assert "\x1b" not in text and "Traceback" not in text
        assert "ROOT-SECRET" not in text and "OTHER-CLASS" not in text
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    students = {row[0]: row for row in table[1:]}
    expected = {
        "broken",
        "deep",
        "junk",
        "empty",
        "blank",
        "nothing",
        "alice smith",
        "alice_smith",
        "evil\\x1b[31mred",
        "new\\x0aline",
        "percent",
        "huge",
        "link",
        "environ",
        "grades",
        "folder-link",
        "carol",
        "fifo",
        "device",
    }
    assert set(students) == expected, sorted(students)
    assert students["percent"][-1] == "1"  # its % line is Python, not an IPython magic
    assert all(row[-1] == "0" for name, row in students.items() if name != "percent")
    csv_text = (out / "grades.csv").read_text(encoding="utf-8")
    assert "\x1b" not in csv_text and "ROOT-SECRET" not in csv_text
    with sqlite3.connect(str(out / "gradebook.db")) as db:
        hints = {}
        for student, hint in db.execute("SELECT student, hint FROM grades"):
            hints.setdefault(student, set()).add(hint)
    for student in expected:
        assert len(hints[student]) >= 1
    one = {student: next(iter(h)) if len(h) == 1 else None for student, h in hints.items()}
    assert one["empty"] == EMPTY and one["blank"] == EMPTY and one["alice smith"] == EMPTY
    assert one["nothing"] == NO_GRADED and one["alice_smith"] == NO_GRADED
    assert "not a readable notebook" in one["broken"] and "not a readable notebook" in one["deep"]
    assert all("not valid Python" in h for h in hints["junk"]), hints["junk"]
    for student in ("link", "environ", "grades", "folder-link", "carol"):
        assert "symbolic link: not followed" in one[student], (student, one[student])
    for student in ("fifo", "device"):
        assert "not a regular file" in one[student], (student, one[student])
    assert "larger than the limit" in one["huge"]
    # one line for the whole submission in its feedback, not one per function
    feedback = out / "feedback"
    names = sorted(os.listdir(feedback))
    assert len(names) == len(expected), names  # distinct files, clashing ids included
    assert "alice_smith.md" in names and "alice_smith-2.md" in names
    nothing = (feedback / "nothing.md").read_text()
    assert nothing.count(NO_GRADED) == 1
    for name in names:
        text = (feedback / name).read_text(encoding="utf-8")
        assert "\x1b" not in text and "ROOT-SECRET" not in text and "OTHER-CLASS" not in text
