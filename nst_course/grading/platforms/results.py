"""The class grader's results as values, for the platforms: grade some submissions with
:func:`nst_course.grading.runner.grade` (its ``--json`` document, read back), and copy a
platform's submission folders into the layout the grader reads (one sub-folder per student).
"""

import io
import json
import os
import shutil
from dataclasses import dataclass, field, replace

from ..extract import EXTENSIONS, SubmissionError


@dataclass
class Graded:
    """What one run of the grader gave: ``results`` (one dict per student in the shape of
    :func:`nst_course.grading.grader.grade_submission`: ``student``, ``functions`` (rows with
    ``function``, ``points``, ``max_points``, ``status``, ``hint``), ``total``, ``max_total``,
    ``notes``), ``failed`` (student -> why the grading itself failed) and the exit status."""

    results: list = field(default_factory=list)
    failed: dict = field(default_factory=dict)
    status: int = 0


def grade_results(options, submissions, stderr=None) -> Graded:
    """Grade ``submissions`` (paths, as on the command line) with ``options`` (a
    :class:`~nst_course.grading.runner.GradeOptions`), its report swallowed: the results."""
    from ..runner import grade

    out = io.StringIO()
    status = grade(replace(options, submissions=list(submissions), json=True), out, stderr)
    document = json.loads(out.getvalue())
    if "submissions" in document:  # a class
        return Graded(document["submissions"], document.get("failed", {}), status)
    return Graded([document], {}, status)  # one student


def submission_files(folder: str) -> list:
    """The notebooks and Python files under ``folder`` (any depth), as relative paths in name
    order; hidden files, checkpoints and symbolic links (a student's upload may hold one that
    points at a secret of the grading machine) are left out."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        for name in sorted(files):
            path = os.path.join(root, name)
            if name.endswith(EXTENSIONS) and not name.startswith(".") and not os.path.islink(path):
                found.append(os.path.relpath(path, folder))
    return found


def stage(folder: str, student: str, class_dir: str) -> str:
    """Copy ``folder``'s notebooks and Python files into ``class_dir/<student>/`` (nested
    paths flattened with ``-``), the layout in which the grader takes a sub-folder as one
    student. Raises :class:`SubmissionError` when there is none."""
    files = submission_files(folder)
    if not files:
        raise SubmissionError(
            "no notebook (.ipynb) or Python file (.py) in %s: nothing to grade" % folder
        )
    target = os.path.join(class_dir, student)
    os.makedirs(target)
    for relative in files:
        shutil.copyfile(
            os.path.join(folder, relative), os.path.join(target, relative.replace(os.sep, "-"))
        )
    return target
