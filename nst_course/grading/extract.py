"""What a submission is, and the graded functions' source taken from it (statically, in the
grader's own process: nothing of the submission runs here).

A SUBMISSION on the command line is a notebook (``.ipynb``), a Python file (``.py``) or a
folder. In a folder, each ``.ipynb``/``.py`` file is one student (id: the file name without
its extension) and each sub-folder is one student (id: the folder's name; its notebooks and
Python files, in name order, are that student's submission).

From a notebook, the graded function ``name`` is taken from the code cell marked
``# GRADED FUNCTION: name`` (the cell's imports, definitions and assignments; its other
statements, such as a test call, are not run); failing such a cell, from the last top-level
``def name`` of any cell. From a ``.py``, from its top-level definitions. Every top-level
``import`` of the submission is kept (run one by one in the sandbox, a failing one skipped),
and so are the top-level ``def``/``class`` statements outside the graded cells (helpers a
graded function may call). Anything else (a training loop, ``model_nn(...)`` at the top) is
never run. IPython lines (``%magic``, ``!shell``) are blanked before parsing.
"""

import ast
import hashlib
import json
import os
import re
from dataclasses import dataclass, field

from ..errors import NSTError

EXTENSIONS = (".ipynb", ".py")
MARKER = re.compile(r"^[ \t]*#[ \t]*GRADED FUNCTION[ \t]*:[ \t]*([A-Za-z_][A-Za-z0-9_]*)", re.M)
#: A graded function's own text that reaches for the package's solution (imports or uses
#: nst_course's costs / training / grading, or names the module of a graded function).
OURS = re.compile(
    r"\bnst_course\s*\.\s*(costs|training|grading)\b|"
    r"['\"]nst_course\.(costs|training|grading)\b"
)
KEPT_IN_GRADED_CELL = (
    ast.Import,
    ast.ImportFrom,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Assign,
    ast.AnnAssign,
)
KEPT_ELSEWHERE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class SubmissionError(NSTError):
    """A submission that cannot be read at all, or submissions that cannot be told apart."""


@dataclass
class Submission:
    """One student's files: ``files`` is a list of (file name, bytes)."""

    student: str
    path: str
    files: list

    @property
    def sha256(self):
        """The content hash that decides whether a re-run grades this submission again."""
        digest = hashlib.sha256()
        for name, data in self.files:
            digest.update(name.encode("utf-8") + b"\0" + hashlib.sha256(data).digest())
        return digest.hexdigest()


@dataclass
class Extracted:
    """What the sandbox runs: ``imports`` (statements, each run alone), ``helpers`` (other
    top-level definitions), ``functions`` (name -> the code that defines it), and per graded
    name the reason it cannot be run (``problems``: missing, not valid Python, uses ours)."""

    imports: list = field(default_factory=list)
    helpers: list = field(default_factory=list)
    functions: dict = field(default_factory=dict)
    problems: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)


# --------------------------------------------------------------------------- finding submissions


def _is_hidden(name):
    return name.startswith(".") or name == "__pycache__"


def _read(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise SubmissionError(
            "cannot read the submission %s (%s)" % (path, exc.strerror or exc)
        ) from None


def _folder_submission(folder):
    names = sorted(
        n
        for n in os.listdir(folder)
        if n.endswith(EXTENSIONS) and not _is_hidden(n) and os.path.isfile(os.path.join(folder, n))
    )
    if not names:
        return None
    return Submission(
        os.path.basename(os.path.normpath(folder)),
        folder,
        [(n, _read(os.path.join(folder, n))) for n in names],
    )


def find_submissions(arguments):
    """The submissions named on the command line, one per student, in a stable order.

    Raises :class:`SubmissionError` for a path that does not exist, a file that is neither
    ``.ipynb`` nor ``.py``, a folder without submissions, or two submissions of one student.
    """
    found = []
    for argument in arguments:
        if os.path.isfile(argument):
            if not argument.endswith(EXTENSIONS):
                raise SubmissionError(
                    "%s is not a notebook (.ipynb) or a Python file (.py)" % argument
                )
            student = os.path.splitext(os.path.basename(argument))[0]
            found.append(
                Submission(student, argument, [(os.path.basename(argument), _read(argument))])
            )
        elif os.path.isdir(argument):
            before = len(found)
            for name in sorted(os.listdir(argument)):
                path = os.path.join(argument, name)
                if _is_hidden(name):
                    continue
                if os.path.isdir(path):
                    submission = _folder_submission(path)
                    if submission is not None:
                        found.append(submission)
                elif name.endswith(EXTENSIONS) and os.path.isfile(path):
                    found.append(Submission(os.path.splitext(name)[0], path, [(name, _read(path))]))
            if len(found) == before:
                raise SubmissionError(
                    "no submissions (.ipynb or .py files, or folders of them) in %s" % argument
                )
        else:
            raise SubmissionError("submission not found: %s; check the path" % argument)
    seen = {}
    for submission in found:
        if submission.student in seen:
            raise SubmissionError(
                "two submissions for the student %r: %s and %s; keep one"
                % (submission.student, seen[submission.student], submission.path)
            )
        seen[submission.student] = submission.path
    return found


# --------------------------------------------------------------------------- reading code


def _blank_ipython(source):
    """IPython-only lines (``%magic``, ``!command``, ``%%cell magic``) become blank lines."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )


def _cells(data, filename):
    """The code cells of a notebook (or the one "cell" of a .py), as text."""
    if filename.endswith(".py"):
        return [data.decode("utf-8", "replace")]
    try:
        notebook = json.loads(data.decode("utf-8", "replace"))
    except ValueError as exc:
        raise SubmissionError("%s is not a readable notebook (%s)" % (filename, exc)) from None
    if not isinstance(notebook, dict):
        raise SubmissionError("%s is not a readable notebook (no cells)" % filename)
    cells = notebook.get("cells")
    if cells is None:  # nbformat 3: cells inside worksheets
        cells = [
            c for sheet in notebook.get("worksheets", []) or [] for c in sheet.get("cells", [])
        ]
    sources = []
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", cell.get("input", ""))
        sources.append("".join(source) if isinstance(source, list) else str(source))
    return sources


def _segment(text, node):
    """The source text of a top-level statement (decorators included)."""
    lines = text.splitlines()
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return "\n".join(lines[first - 1 : node.end_lineno])


def _defined_names(node):
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {t.id for t in targets if isinstance(t, ast.Name)}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    return set()


def _syntax_reason(exc):
    return "not valid Python (line %s: %s)" % (exc.lineno, exc.msg)


def uses_ours(code):
    """The reason a graded function's code reaches for the package's own solution, or None."""
    if OURS.search(code):
        return "uses nst_course's own solution (nst_course.costs / training / grading)"
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    from .points import GRADED

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "nst_course":
            if any(alias.name in GRADED for alias in node.names):
                return "imports %s from nst_course instead of writing it" % ", ".join(
                    a.name for a in node.names if a.name in GRADED
                )
    return None


def _graded_code(text, tree, name, marked):
    """(code, checked text) for ``name`` from one parsed cell/file, or None if it is not
    defined there. A marked cell gives all its definitions and assignments; elsewhere the
    statements that define ``name`` (a ``def``, an assignment, an import)."""
    defining = [
        n for n in tree.body if isinstance(n, KEPT_IN_GRADED_CELL) and name in _defined_names(n)
    ]
    if not defining:
        return None
    if marked:
        body = [n for n in tree.body if isinstance(n, KEPT_IN_GRADED_CELL)]
        checked = text
    else:
        body = defining
        checked = "\n".join(_segment(text, n) for n in defining)
    code = "\n\n".join(
        _segment(text, n) for n in body if not isinstance(n, (ast.Import, ast.ImportFrom))
    )
    return code, checked


def extract(files, graded):
    """The code the sandbox runs for the graded names ``graded``, from ``files`` (a list of
    (file name, bytes)). Never runs anything."""
    result = Extracted()
    found = {}  # name -> (code, checked text, from a marked cell?); later definitions win
    for filename, data in files:
        is_python = filename.endswith(".py")
        for index, raw in enumerate(_cells(data, filename)):
            text = _blank_ipython(raw)
            marked = [m for m in MARKER.findall(raw) if m in graded]
            try:
                tree = ast.parse(text)
            except SyntaxError as exc:
                for name in graded if is_python else marked:
                    found[name] = (None, raw, True)
                    result.problems[name] = _syntax_reason(exc)
                if not marked and not is_python:
                    result.notes.append(
                        "%s cell %d is not valid Python and was skipped" % (filename, index + 1)
                    )
                continue
            for node in tree.body:
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    result.imports.append(_segment(text, node))
                elif not marked and isinstance(node, KEPT_ELSEWHERE) and node.name not in graded:
                    result.helpers.append(_segment(text, node))
            for name in graded:
                if found.get(name, (0, 0, False))[2] and not (name in marked or is_python):
                    continue  # a marked cell wins over a plain definition elsewhere
                code = _graded_code(text, tree, name, name in marked)
                if code is not None:
                    found[name] = (code[0], code[1], name in marked or is_python)
                    result.problems.pop(name, None)
                elif name in marked:
                    found[name] = (None, text, True)
                    result.problems[name] = (
                        "the cell marked '# GRADED FUNCTION: %s' does not define %s" % (name, name)
                    )
    for name in graded:
        code, checked_text, _ = found.get(name, (None, None, False))
        if code is None:
            result.problems.setdefault(
                name,
                "not found: no cell marked '# GRADED FUNCTION: %s' "
                "and no top-level 'def %s'" % (name, name),
            )
            continue
        reason = uses_ours(checked_text)
        if reason:
            result.problems[name] = reason
            continue
        result.functions[name] = code
    return result
