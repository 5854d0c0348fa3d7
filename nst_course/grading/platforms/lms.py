"""LMS grade files: ``nst-course grade ... --export canvas|moodle FILE.csv [--roster R.csv]``.

The file holds every student of the grader's gradebook (``--output-dir``) with their total points,
in the columns the LMS's grade import reads:

- **Canvas** (Grades > Import): ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``,
  ``Section``, then the assignment's column (``--column``, named as in Canvas's gradebook,
  optionally with its id in parentheses, e.g. ``Neural Style Transfer (1234)``).
- **Moodle** (Grades > Import > CSV file): one identifier column (``Email address``,
  ``Username`` or ``ID number``, whichever the roster has; without a roster ``Username``) and
  the grade column; the teacher maps them to the user field and the grade item on upload.

The roster (a CSV with a header) maps the grader's ids (file or folder names; nbgrader's
student ids) to the LMS's: its ``student_id`` column holds the grader's id, its other
columns are copied under their own names (a Canvas gradebook export with a ``student_id``
column added is a roster for Canvas). Without a roster the grader's id is the login
(Canvas: ``SIS Login ID``; Moodle: ``Username``). A graded student who is not in the roster
is never dropped silently: they are listed on stderr and the command exits with status 1.
"""

import csv
import os
import sys
from dataclasses import dataclass, field

from ...errors import NSTError, OutputError
from ...files import atomic_write

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
#: Moodle's user fields a grade import can map an identifier column to, by preference.
MOODLE_IDENTIFIERS = ("Email address", "Username", "ID number")
KEY = "student_id"
FORMATS = ("canvas", "moodle")


class RosterError(NSTError):
    """A roster that cannot map ids: unreadable, no ``student_id`` column, duplicate ids."""


@dataclass
class Roster:
    """A roster: ``columns`` (its header) and ``rows`` (grader's id -> column -> value)."""

    path: str
    columns: list = field(default_factory=list)
    rows: dict = field(default_factory=dict)


def read_roster(path: str) -> Roster:
    """Read a roster CSV; a missing ``student_id`` column, an empty or a repeated id is an
    error (a repeated id would give one student's points to two LMS accounts, or hide one)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            table = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RosterError(
            "cannot read the roster %s (%s)" % (path, getattr(exc, "strerror", None) or exc)
        ) from None
    if not table:
        raise RosterError("the roster %s is empty; give a CSV with a %s column" % (path, KEY))
    header = [name.strip() for name in table[0]]
    lowered = [name.lower() for name in header]
    if KEY not in lowered:
        raise RosterError(
            "the roster %s has no %s column (the ids the grader knows: file, folder or nbgrader "
            "student names); its columns: %s" % (path, KEY, ", ".join(header) or "none")
        )
    key = lowered.index(KEY)
    rows: dict[str, dict[str, str]] = {}
    line_of: dict[str, int] = {}
    for number, values in enumerate(table[1:], 2):
        if not any(v.strip() for v in values):
            continue
        values = [v.strip() for v in values] + [""] * (len(header) - len(values))
        student = values[key]
        if not student:
            raise RosterError("the roster %s has an empty %s on line %d" % (path, KEY, number))
        if student in rows:
            raise RosterError(
                "the roster %s has the %s %r twice (line %d and line %d); keep one row per "
                "student" % (path, KEY, student, line_of[student], number)
            )
        rows[student] = dict(zip(header, values))
        line_of[student] = number
    return Roster(path, header, rows)


def _column(row, *names):
    """The value of the first of ``names`` the roster row has (any case), else ''."""
    lowered = {k.lower(): v for k, v in row.items()}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return ""


def _canvas_row(student, row):
    if row is None:  # no roster: the grader's id is taken for the login
        return [student, "", "", student, ""]
    return [
        _column(row, "Student", "name") or student,
        _column(row, "ID"),
        _column(row, "SIS User ID"),
        _column(row, "SIS Login ID"),
        _column(row, "Section"),
    ]


def _moodle_identifier(roster):
    if roster is None:
        return "Username"
    lowered = {c.lower(): c for c in roster.columns}
    for name in MOODLE_IDENTIFIERS + ("email", "username", "idnumber"):
        if name.lower() in lowered:
            return lowered[name.lower()]
    raise RosterError(
        "the roster %s has no column Moodle can match users by (%s)"
        % (roster.path, ", ".join(MOODLE_IDENTIFIERS))
    )


def _points(value):
    return "%g" % value


@dataclass
class Exported:
    """What an export wrote: the file, the students written, the graded students missing
    from the roster (not written) and the roster's students without a grade."""

    path: str
    written: list
    not_in_roster: list
    not_graded: list


def export(
    kind: str, path: str, totals: dict, column: str, roster: Roster | None = None
) -> Exported:
    """Write the ``kind`` (canvas, moodle) grade file of ``totals`` (grader's id -> points)
    to ``path``, atomically; ``column`` names the assignment's grade column."""
    if kind not in FORMATS:
        raise OutputError("--export %s: choose one of %s" % (kind, ", ".join(FORMATS)))
    if os.path.isdir(path):
        raise OutputError("--export %s %s is a folder; give a file name" % (kind, path))
    students = sorted(totals)
    missing = [s for s in students if roster is not None and s not in roster.rows]
    written = [s for s in students if s not in missing]
    not_graded = sorted(set(roster.rows) - set(totals)) if roster is not None else []
    rows_of = roster.rows if roster is not None else {}
    if kind == "canvas":
        header = list(CANVAS_COLUMNS) + [column]
        rows = [_canvas_row(s, rows_of.get(s)) + [_points(totals[s])] for s in written]
    else:
        identifier = _moodle_identifier(roster)
        header = [identifier, column]
        rows = [
            [rows_of[s][identifier] if roster is not None else s, _points(totals[s])]
            for s in written
        ]

    def write(tmp):
        with open(tmp, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)

    try:
        atomic_write(path, write)
    except OSError as exc:
        raise OutputError(
            "cannot write %s (%s); choose another path" % (path, exc.strerror or exc)
        ) from None
    return Exported(path, written, missing, not_graded)


def export_gradebook(
    out_dir: str, kind: str, path: str, column: str, roster: Roster | None = None, stderr=None
) -> int:
    """Export the totals of the grader's gradebook in ``out_dir`` (``roster``: a
    :class:`Roster` or None); report on ``stderr`` who is missing. Returns the exit status:
    1 when a graded student is not in the roster."""
    from ..gradebook import Gradebook

    stderr = stderr or sys.stderr
    with Gradebook(out_dir) as book:
        totals = {s: book.result(s)["total"] for s in book.students()}
    done = export(kind, path, totals, column, roster)
    print(
        "%s grade file: %s (%d student(s), column %r)" % (kind, path, len(done.written), column),
        file=stderr,
    )
    if done.not_graded:
        print(
            "%d student(s) of the roster have no grade, not in the file: %s"
            % (len(done.not_graded), ", ".join(done.not_graded)),
            file=stderr,
        )
    if done.not_in_roster and roster is not None:
        print(
            "nst-course: error: %d graded student(s) are not in the roster %s, so not in %s: %s "
            "(add them to the roster and export again)"
            % (len(done.not_in_roster), roster.path, path, ", ".join(done.not_in_roster)),
            file=stderr,
        )
        return 1
    return 0
