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
never run. IPython lines (``%magic``, ``!shell``) are blanked before parsing, in notebooks only
(in a ``.py`` a line may start with ``%`` as a continuation).

Whole-submission outcomes, said once: ``empty submission`` (no code at all) and ``no graded
function found: mark cells with # GRADED FUNCTION: name``.
"""

import ast
import errno
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field

from ..errors import NSTError
from .syntax import parse_source

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
    problem: str | None = None  # why it cannot be graded at all (every function: 0, this reason)
    notes: list = field(default_factory=list)  # files of it that were not read, and why
    file_name: str | None = None  # its feedback file's name (distinct from every other student's)

    @property
    def sha256(self):
        """The content hash that decides whether a re-run grades this submission again."""
        digest = hashlib.sha256()
        digest.update((self.problem or "").encode("utf-8") + b"\0")
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
    problem: str | None = None  # the whole submission: "empty submission", no graded function found


# --------------------------------------------------------------------------- finding submissions


def _is_hidden(name):
    return name.startswith(".") or name == "__pycache__"


#: The most a submission may hold, in bytes (all its files together).
MAX_BYTES = 16 * 1024 * 1024
EMPTY = "empty submission"
NO_GRADED = "no graded function found: mark cells with # GRADED FUNCTION: name"


def display_name(name: str) -> str:
    """A file or folder name as it may be shown and stored: control characters escaped."""
    from .protocol import escape

    return escape(name, 200)


def _read(path, budget, follow=False):
    """(bytes, None) or (None, the reason the file is not read). Never through a link (unless
    ``follow``: a file the teacher named), never a device or FIFO, at most ``budget`` bytes."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    shown = display_name(os.path.basename(path))
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, "%s is a symbolic link: not followed" % shown
        return None, "%s cannot be read (%s)" % (shown, exc.strerror or exc)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, "%s is not a regular file: not read" % shown
        if info.st_size > budget:
            return None, "%s is larger than the limit of %d MB per submission" % (
                shown,
                MAX_BYTES // (1024 * 1024),
            )
        chunks, size = [], 0
        while size <= budget:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > budget:
            return None, "%s is larger than the limit of %d MB per submission" % (
                shown,
                MAX_BYTES // (1024 * 1024),
            )
        return b"".join(chunks), None
    except OSError as exc:
        return None, "%s cannot be read (%s)" % (shown, exc.strerror or exc)
    finally:
        os.close(fd)


def _folder_submission(folder, student):
    """One student's folder: its regular .ipynb/.py files (links, devices, FIFOs: noted)."""
    try:
        entries = sorted(os.listdir(folder))
    except OSError as exc:
        return Submission(student, folder, [], "cannot list the folder (%s)" % exc.strerror)
    files, skipped, budget = [], [], MAX_BYTES
    for name in entries:
        if not name.endswith(EXTENSIONS) or _is_hidden(name):
            continue
        data, reason = _read(os.path.join(folder, name), budget)
        if reason:
            skipped.append(reason)
            continue
        budget -= len(data)
        files.append((name, data))
    if not files and not skipped:
        return None
    return Submission(student, folder, files, None if files else "; ".join(skipped), skipped)


def _unique_ids(found):
    """Distinct feedback file names for distinct ids ("alice smith" and "alice_smith" are two
    students, and two files), in a stable order."""
    from .gradebook import safe_name

    names = set()
    for submission in found:
        stem, k = safe_name(submission.student), 1
        submission.file_name = stem
        while submission.file_name.lower() in names:
            k += 1
            submission.file_name = "%s-%d" % (stem, k)
        names.add(submission.file_name.lower())


def find_submissions(arguments):
    """The submissions named on the command line, one per student, in a stable order.

    Raises :class:`SubmissionError` for a path that does not exist, a file that is neither
    ``.ipynb`` nor ``.py``, or a folder without submissions. Inside a folder nothing is
    followed or opened but regular files: a link, a device, a FIFO, a file over the size limit
    becomes that student's row with the reason. Ids that clash get distinct ids and files.
    """
    found = []
    for argument in arguments:
        if os.path.isfile(argument):  # named by the teacher: a link is followed
            if not argument.endswith(EXTENSIONS):
                raise SubmissionError(
                    "%s is not a notebook (.ipynb) or a Python file (.py)" % display_name(argument)
                )
            student = display_name(os.path.splitext(os.path.basename(argument))[0])
            data, reason = _read(argument, MAX_BYTES, follow=True)
            if reason and "cannot be read" in reason:
                raise SubmissionError("cannot read the submission %s" % reason)
            found.append(
                Submission(
                    student,
                    argument,
                    [] if reason else [(os.path.basename(argument), data)],
                    reason,
                )
            )
        elif os.path.isdir(argument):
            before = len(found)
            for name in sorted(os.listdir(argument)):
                path = os.path.join(argument, name)
                if _is_hidden(name):
                    continue
                student = display_name(os.path.splitext(name)[0])
                if os.path.isdir(path) and not os.path.islink(path):
                    submission = _folder_submission(path, display_name(name))
                    if submission is not None:
                        found.append(submission)
                elif name.endswith(EXTENSIONS):
                    data, reason = _read(path, MAX_BYTES)
                    found.append(
                        Submission(student, path, [] if reason else [(name, data)], reason)
                    )
                elif os.path.islink(path) and os.path.isdir(path):
                    found.append(
                        Submission(
                            display_name(name),
                            path,
                            [],
                            "%s is a symbolic link: not followed" % display_name(name),
                        )
                    )
            if len(found) == before:
                raise SubmissionError(
                    "no submissions (.ipynb or .py files, or folders of them) in %s"
                    % display_name(argument)
                )
        else:
            raise SubmissionError(
                "submission not found: %s; check the path" % display_name(argument)
            )
    seen = {}
    for submission in found:  # the same name twice (ann.py and ann.ipynb): the teacher decides
        if submission.student in seen:
            raise SubmissionError(
                "two submissions for the student %r: %s and %s; keep one"
                % (
                    submission.student,
                    display_name(seen[submission.student]),
                    display_name(submission.path),
                )
            )
        seen[submission.student] = submission.path
    _unique_ids(found)
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
    if not data.strip():
        return []
    try:
        notebook = json.loads(data.decode("utf-8", "replace"))
    except (ValueError, RecursionError) as exc:
        reason = " ".join(str(exc).split())[:100] if isinstance(exc, ValueError) else "too deep"
        raise SubmissionError(
            "%s is not a readable notebook (%s)" % (display_name(filename), reason)
        ) from None
    if not isinstance(notebook, dict):
        raise SubmissionError("%s is not a readable notebook (no cells)" % filename)
    cells = notebook.get("cells")
    if cells is None:  # nbformat 3: cells inside worksheets
        sheets = notebook.get("worksheets", [])
        cells = [
            c
            for sheet in (sheets if isinstance(sheets, list) else [])
            if isinstance(sheet, dict)
            for c in (sheet.get("cells") if isinstance(sheet.get("cells"), list) else [])
        ]
    sources = []
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", cell.get("input", ""))
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        sources.append(source if isinstance(source, str) else "")
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
        tree = parse_source(code)
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
    readable, unreadable, code_seen = 0, [], False
    for filename, data in files:
        is_python = filename.endswith(".py")
        try:
            cells = _cells(data, filename)
        except SubmissionError as exc:
            unreadable.append(str(exc))
            continue
        readable += 1
        for index, raw in enumerate(cells):
            if not raw.strip():
                continue
            code_seen = True
            text = raw if is_python else _blank_ipython(raw)
            marked = [m for m in MARKER.findall(raw) if m in graded]
            try:
                tree = parse_source(text)
            except (SyntaxError, ValueError) as exc:
                exc = exc if isinstance(exc, SyntaxError) else SyntaxError(str(exc))
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
    if not readable and unreadable:
        result.problem = "; ".join(unreadable)
        return result
    result.notes += unreadable
    if not code_seen:
        result.problem = EMPTY
        return result
    if not found:
        result.problem = NO_GRADED
        return result
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
