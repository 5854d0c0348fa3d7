"""nbgrader: ``nst-course grade --nbgrader COURSE_DIR ASSIGNMENT``.

Grades each ``COURSE_DIR/submitted/<student>/<ASSIGNMENT>/`` (the layout ``nbgrader collect``
makes) in the grader's sandbox instead of running the student's notebook in a kernel, then
writes the points into the course's own gradebook through :class:`nbgrader.api.Gradebook`, so
formgrader and ``nbgrader export`` show them:

- per graded function ``f``, the grade cell ``test_f`` of the assignment's notebook (the source
  notebook of this package is nbgrader-format with those cells) gets ``auto_score`` = the
  points; a manual score a grader already gave is kept and the cell is flagged for review, as
  ``nbgrader autograde`` does;
- the solution cell ``f`` gets the hint as its ``auto_comment`` (formgrader shows it);
- the submission's ``timestamp.txt`` (written by ``nbgrader collect``) is its time, so late
  penalties work as usual.

Our own results (gradebook.db, grades.csv, feedback/<student>.md) go to ``--output-dir`` as for any
``nst-course grade``. The course's settings (``course_id``, ``db_url``) are read from its
``nbgrader_config.py`` when there is one.
"""

import os
import sys
import tempfile

from ...errors import NSTError
from ..points import POINTS
from .results import Graded, grade_results, stage


class CourseError(NSTError):
    """A course folder that is not nbgrader's layout, or an assignment it does not know."""


def course_settings(course_dir: str) -> tuple:
    """(db_url, course_id) of the course: its nbgrader_config.py's, else nbgrader's defaults
    (``sqlite:///COURSE_DIR/gradebook.db``, course id '')."""
    db_url = "sqlite:///" + os.path.join(os.path.abspath(course_dir), "gradebook.db")
    course_id = ""
    config_file = os.path.join(course_dir, "nbgrader_config.py")
    if os.path.isfile(config_file):
        from traitlets.config.loader import PyFileConfigLoader

        try:
            config = PyFileConfigLoader("nbgrader_config.py", path=course_dir).load_config()
        except Exception as exc:  # noqa: BLE001 - the teacher's file: say it, in one line
            raise CourseError(
                "cannot read %s (%s: %s)" % (config_file, type(exc).__name__, exc)
            ) from None
        settings = config.get("CourseDirectory", {})
        db_url = settings.get("db_url", None) or db_url
        course_id = settings.get("course_id", None) or course_id
    return db_url, course_id


def submitted_students(course_dir: str, assignment: str) -> dict:
    """student -> their ``submitted/<student>/<assignment>/`` folder. Raises
    :class:`CourseError` when the folder is not an nbgrader course or nobody submitted."""
    if not os.path.isdir(course_dir):
        raise CourseError("--nbgrader %s: no such folder" % course_dir)
    submitted = os.path.join(course_dir, "submitted")
    if not os.path.isdir(submitted):
        raise CourseError(
            "%s is not an nbgrader course folder: it has no submitted/ folder (nbgrader collect "
            "puts submissions in submitted/<student>/<assignment>/)" % course_dir
        )
    found = {
        student: os.path.join(submitted, student, assignment)
        for student in sorted(os.listdir(submitted))
        if not student.startswith(".")
        and os.path.isdir(os.path.join(submitted, student, assignment))
    }
    if not found:
        raise CourseError(
            "no submissions of %r in %s (expected submitted/<student>/%s/)"
            % (assignment, course_dir, assignment)
        )
    return found


def assignment_notebook(gradebook, assignment: str, course_dir: str) -> str:
    """The name of the assignment's notebook that has a grade cell ``test_<f>`` for each graded
    function, worth what :data:`POINTS` says."""
    from nbgrader.api import MissingEntry

    try:
        record = gradebook.find_assignment(assignment)
    except MissingEntry:
        raise CourseError(
            "the nbgrader gradebook of %s has no assignment %r; run `nbgrader "
            "generate_assignment %s` there first" % (course_dir, assignment, assignment)
        ) from None
    wanted = {"test_" + name: float(points) for name, points in POINTS.items()}
    for notebook in record.notebooks:
        cells = {cell.name: float(cell.max_score) for cell in notebook.grade_cells}
        if set(wanted) <= set(cells):
            wrong = [n for n in wanted if cells[n] != wanted[n]]
            if wrong:
                raise CourseError(
                    "the grade cell %s of %s is worth %g points, nst-course gives %g; "
                    "generate the assignment from nst-course's source notebook"
                    % (wrong[0], notebook.name, cells[wrong[0]], wanted[wrong[0]])
                )
            return notebook.name
    raise CourseError(
        "no notebook of the assignment %r has the grade cells %s; generate it from "
        "nst-course's source notebook" % (assignment, ", ".join(wanted))
    )


def _timestamp(folder):
    """The submission time ``nbgrader collect`` wrote, or None."""
    path = os.path.join(folder, "timestamp.txt")
    if not os.path.isfile(path):
        return None
    from nbgrader.utils import parse_utc

    with open(path, encoding="utf-8") as handle:
        text = handle.read().strip()
    try:
        return parse_utc(text) if text else None
    except ValueError:
        raise CourseError("invalid time in %s: %r" % (path, text[:40])) from None


def record(gradebook, assignment, notebook, result, timestamp=None):
    """Write one student's result into nbgrader's gradebook (one commit)."""
    from nbgrader.api import MissingEntry

    student = result["student"]
    gradebook.update_or_create_student(student)
    if timestamp is not None:
        gradebook.update_or_create_submission(assignment, student, timestamp=timestamp)
    else:
        gradebook.update_or_create_submission(assignment, student)
    for row in result["functions"]:
        grade = gradebook.find_grade("test_" + row["function"], notebook, assignment, student)
        grade.auto_score = float(row["points"])
        grade.needs_manual_grade = grade.manual_score is not None  # as nbgrader autograde
        try:
            comment = gradebook.find_comment(row["function"], notebook, assignment, student)
        except MissingEntry:  # a notebook without that solution cell: the points are enough
            continue
        comment.auto_comment = "%s: %g / %g. %s" % (
            row["function"],
            row["points"],
            row["max_points"],
            row["hint"],
        )
    gradebook.db.commit()


def grade_course(options, course_dir: str, assignment: str, stderr=None) -> int:
    """Grade every submission of ``assignment`` in the nbgrader course ``course_dir``, write
    the points into its gradebook; returns the exit status (1 when one could not be graded)."""
    stderr = stderr or sys.stderr
    students = submitted_students(course_dir, assignment)  # before nbgrader's slow import
    db_url, course_id = course_settings(course_dir)
    if db_url.startswith("sqlite:///") and not os.path.isfile(db_url[len("sqlite:///") :]):
        raise CourseError(
            "%s is not an nbgrader course folder: it has no gradebook (%s); run `nbgrader "
            "generate_assignment %s` there first" % (course_dir, db_url, assignment)
        )
    try:
        from nbgrader.api import Gradebook
    except ImportError:
        raise CourseError("--nbgrader needs nbgrader: pip install 'nst-course[teach]'") from None
    with Gradebook(db_url, course_id) as gradebook:
        notebook = assignment_notebook(gradebook, assignment, course_dir)
    times = {student: _timestamp(folder) for student, folder in students.items()}
    skipped = {}
    with tempfile.TemporaryDirectory(prefix="nst-nbgrader-") as work:
        class_dir = os.path.join(work, "class")
        os.makedirs(class_dir)
        for student, folder in students.items():
            try:
                stage(folder, student, class_dir)
            except NSTError as exc:
                skipped[student] = str(exc)
        graded = (
            grade_results(options, [class_dir], stderr)
            if len(skipped) < len(students)
            else Graded()
        )
    with Gradebook(db_url, course_id) as gradebook:
        for result in graded.results:
            record(gradebook, assignment, notebook, result, times.get(result["student"]))
    for student, reason in sorted({**skipped, **graded.failed}.items()):
        print("not in nbgrader's gradebook: %s: %s" % (student, reason), file=stderr)
    print(
        "nbgrader: %d submission(s) of %s graded into %s (notebook %s); our feedback in %s"
        % (len(graded.results), assignment, db_url, notebook, options.out),
        file=stderr,
    )
    return 1 if skipped or graded.failed or graded.status else 0
