"""The class's results on disk, under ``--out`` (default ``grades/``):

- ``gradebook.db``: SQLite. ``grades`` has one row per submission x graded function
  (student, function, points, max_points, status, hint, checked, seconds); ``submissions``
  one row per student (content hash, when, how long, total, notes). Re-grading a student
  replaces all of their rows in one transaction: a reader sees their old rows or their new
  ones, never a mix, and a run stopped in the middle leaves every finished student complete.
- ``grades.csv``: one row per student, a column per graded function and the total (written
  from the database, atomically).
- ``feedback/<student>.md``: per function the points, the hint and what was checked
  (atomically).
"""

import csv
import json
import os
import sqlite3
import time

from ..errors import OutputError
from ..files import atomic_write

SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    student TEXT PRIMARY KEY,
    sha256 TEXT,
    graded_at TEXT NOT NULL,
    seconds REAL NOT NULL,
    total REAL NOT NULL,
    max_total REAL NOT NULL,
    notes TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS grades (
    student TEXT NOT NULL REFERENCES submissions(student) ON DELETE CASCADE,
    function TEXT NOT NULL,
    points REAL NOT NULL,
    max_points REAL NOT NULL,
    status TEXT NOT NULL,
    hint TEXT NOT NULL,
    checked TEXT NOT NULL,
    seconds REAL NOT NULL,
    PRIMARY KEY (student, function)
);
"""


class Gradebook:
    """The SQLite gradebook of one output folder (the client alone writes it)."""

    def __init__(self, out_dir):
        self.out_dir = out_dir
        os.makedirs(out_dir, exist_ok=True)
        self.path = os.path.join(out_dir, "gradebook.db")
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise OutputError(
                "cannot use the gradebook %s (%s); choose another --out" % (self.path, exc)
            ) from None

    def close(self):
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def graded_hash(self, student):
        """The content hash this student was last graded with, or None."""
        row = self.db.execute(
            "SELECT sha256 FROM submissions WHERE student = ?", (student,)
        ).fetchone()
        return row[0] if row else None

    def record(self, result):
        """Replace the student's rows with ``result`` (from grade_submission), in one transaction."""
        student = result["student"]
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("DELETE FROM grades WHERE student = ?", (student,))
            self.db.execute(
                "INSERT OR REPLACE INTO submissions VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    student,
                    result.get("sha256"),
                    time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    float(result.get("seconds", 0.0)),
                    float(result["total"]),
                    float(result["max_total"]),
                    json.dumps(
                        {"notes": [str(n) for n in result.get("notes", [])]}
                        | ({"problem": str(result["problem"])} if result.get("problem") else {})
                    ),
                ),
            )
            self.db.executemany(
                "INSERT INTO grades VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        student,
                        row["function"],
                        row["points"],
                        row["max_points"],
                        row["status"],
                        row["hint"],
                        json.dumps(row.get("checked", [])),
                        row.get("seconds", 0.0),
                    )
                    for row in result["functions"]
                ],
            )

    def result(self, student):
        """A student's stored result, in the shape grade_submission returns."""
        sub = self.db.execute(
            "SELECT sha256, seconds, total, max_total, notes FROM submissions WHERE student = ?",
            (student,),
        ).fetchone()
        if sub is None:
            return None
        rows = self.db.execute(
            "SELECT function, points, max_points, status, hint, checked, seconds "
            "FROM grades WHERE student = ? ORDER BY rowid",
            (student,),
        ).fetchall()
        stored = json.loads(sub[4])
        if isinstance(stored, list):  # a gradebook written before problems were kept
            stored = {"notes": stored}
        extra = {"problem": stored["problem"]} if stored.get("problem") else {}
        return {
            **extra,
            "student": student,
            "sha256": sub[0],
            "seconds": sub[1],
            "total": sub[2],
            "max_total": sub[3],
            "notes": stored.get("notes", []),
            "functions": [
                {
                    "function": r[0],
                    "points": r[1],
                    "max_points": r[2],
                    "status": r[3],
                    "hint": r[4],
                    "checked": json.loads(r[5]),
                    "seconds": r[6],
                }
                for r in rows
            ],
        }

    def students(self):
        return [r[0] for r in self.db.execute("SELECT student FROM submissions ORDER BY student")]

    def write_csv(self, functions):
        """``grades.csv``: a row per student, a column per graded function, the total."""
        rows = []
        for student in self.students():
            points = dict(
                self.db.execute("SELECT function, points FROM grades WHERE student = ?", (student,))
            )
            total = self.db.execute(
                "SELECT total FROM submissions WHERE student = ?", (student,)
            ).fetchone()[0]
            rows.append(
                [student]
                + [_number(points.get(name, 0.0)) for name in functions]
                + [_number(total)]
            )

        def write(tmp):
            with open(tmp, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["student"] + list(functions) + ["total"])
                writer.writerows(rows)

        return atomic_write(os.path.join(self.out_dir, "grades.csv"), write)


def _number(value):
    return "%g" % value


def feedback_text(result):
    """The Markdown feedback of one student."""
    lines = [
        "# Feedback for %s" % _markdown(result["student"]),
        "",
        "Total: **%s / %s**" % (_number(result["total"]), _number(result["max_total"])),
        "",
    ]
    if result.get("problem"):  # said once for the whole submission
        lines += [_markdown(result["problem"]), ""]
        lines += [
            "- %s: %s / %s" % (row["function"], _number(row["points"]), _number(row["max_points"]))
            for row in result["functions"]
        ]
        lines.append("")
    for row in [] if result.get("problem") else result["functions"]:
        lines.append(
            "## %s: %s / %s" % (row["function"], _number(row["points"]), _number(row["max_points"]))
        )
        lines.append("")
        lines.append(_markdown(row["hint"]) or "(no hint)")
        if row.get("checked"):
            lines.append("")
            lines.append("Checked: " + "; ".join(str(c) for c in row["checked"]))
        lines.append("")
    if result.get("notes"):
        lines.append("## Notes on the grading")
        lines.append("")
        lines.extend("- " + _markdown(note) for note in result["notes"])
        lines.append("")
    return "\n".join(lines)


def _markdown(text):
    """Text in the feedback: control characters escaped, no raw HTML (a hint may quote what
    the submission printed or raised)."""
    from .protocol import escape

    return escape(text).replace("<", "&lt;").replace(">", "&gt;")


def safe_name(student):
    """A file name for a student id (no folders, no hidden files)."""
    name = "".join(c if c.isalnum() or c in "-_.@+" else "_" for c in student).lstrip(".")
    return name or "_"


def write_feedback(out_dir, result, file_name=None):
    """``feedback/<file_name>.md`` (default: the student id made safe; ids that clash once
    made safe get distinct names from :func:`nst_course.grading.extract.find_submissions`)."""
    name = file_name or safe_name(result["student"])
    path = os.path.join(out_dir, "feedback", name + ".md")
    text = feedback_text(result)

    def write(tmp):
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)

    return atomic_write(path, write)
