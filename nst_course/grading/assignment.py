"""Make the student notebook from the nbgrader source notebook, without nbgrader.

The source notebook (``notebooks/source/nst_assignment/...ipynb``) is in nbgrader's format:
solutions between ``### BEGIN SOLUTION`` / ``### END SOLUTION``, hidden tests between
``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS`` in grade cells. nbgrader's own
``generate_assignment`` works on it as it is. This module makes the course-look release:

- each solution region becomes the course's placeholders, one line per statement of the
  solution, indented like the marker: ``x, y = None`` for an assignment, ``None`` for a call;
- hidden tests are removed;
- outputs and execution counts are cleared; everything else (cells, ids, nbgrader metadata, so
  nbgrader can still autograde a submission of this notebook) is kept.

Command line::

    python -m nst_course.grading.assignment [SOURCE [STUDENT]] [--check]

``--check`` writes nothing and exits 1 if STUDENT differs from what SOURCE gives.
"""

import argparse
import ast
import json
import sys
import textwrap

from .syntax import parse_source

SOURCE = "notebooks/source/nst_assignment/Art_Generation_with_Neural_Style_Transfer.ipynb"
STUDENT = "notebooks/student/Art_Generation_with_Neural_Style_Transfer.ipynb"

BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"


class AssignmentError(ValueError):
    """The source notebook breaks nbgrader's rules (unclosed, nested or misplaced regions)."""


def placeholders(code, indent):
    """The course's placeholder lines for a solution: one per top-level statement.

    ``a, b = expr`` -> ``a, b = None``; a bare expression (``sess.run(...)``) -> ``None``.
    """
    code = textwrap.dedent(code)
    tree = parse_source(code)
    lines = []
    for statement in tree.body:
        if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            lines.append(" = ".join(ast.get_source_segment(code, t) for t in targets) + " = None")
        elif isinstance(statement, ast.Expr):
            lines.append("None")
        else:
            raise AssignmentError(
                "no placeholder for a %s statement in a solution: %s"
                % (type(statement).__name__, ast.unparse(statement)[:60])
            )
    return [indent + line for line in lines]


def _regions(lines, begin, end, where):
    """Yield (start, stop) line index pairs of the begin/end marker lines, checked."""
    start = None
    for k, line in enumerate(lines):
        if begin in line:
            if start is not None:
                raise AssignmentError("%s: nested %r" % (where, begin))
            start = k
        elif end in line:
            if start is None:
                raise AssignmentError("%s: %r without %r" % (where, end, begin))
            yield start, k
            start = None
    if start is not None:
        raise AssignmentError("%s: %r is never closed" % (where, begin))


def student_source(source, where="cell"):
    """A solution cell's source with each solution region replaced by placeholders."""
    lines = source.split("\n")
    out, previous = [], 0
    for start, stop in _regions(lines, BEGIN_SOLUTION, END_SOLUTION, where):
        marker = lines[start]
        indent = marker[: len(marker) - len(marker.lstrip())]
        out += lines[previous:start]
        out += placeholders("\n".join(lines[start + 1 : stop]), indent)
        previous = stop + 1
    return "\n".join(out + lines[previous:])


def without_hidden_tests(source, where="cell"):
    lines = source.split("\n")
    keep = [True] * len(lines)
    for start, stop in _regions(lines, BEGIN_HIDDEN, END_HIDDEN, where):
        keep[start : stop + 1] = [False] * (stop + 1 - start)
    return "\n".join(line for line, kept in zip(lines, keep) if kept).rstrip("\n")


def _text(source):
    return "".join(source) if isinstance(source, list) else source


def student_notebook(notebook):
    """The student notebook (a dict) made from the source notebook (a dict)."""
    notebook = json.loads(json.dumps(notebook))  # a deep copy
    for index, cell in enumerate(notebook["cells"]):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        where = "cell %d (%s)" % (index, meta.get("grade_id", cell.get("id", "?")))
        source = _text(cell.get("source", ""))
        if meta.get("solution"):
            source = student_source(source, where)
        elif BEGIN_SOLUTION in source and cell["cell_type"] == "code":
            raise AssignmentError("%s: a solution region outside a solution cell" % where)
        if meta.get("grade"):
            source = without_hidden_tests(source, where)
        elif BEGIN_HIDDEN in source:
            raise AssignmentError("%s: hidden tests outside a grade cell" % where)
        cell["source"] = source.splitlines(True)  # as nbformat stores it: a list of lines
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return notebook


def dumps(notebook):
    """The notebook as nbformat writes it (sorted keys, indent 1, a final newline)."""
    return json.dumps(notebook, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def generate(source=SOURCE, student=STUDENT, check=False):
    """Write (or with ``check``, compare) the student notebook; return True if it was current."""
    with open(source, encoding="utf-8") as f:
        text = dumps(student_notebook(json.load(f)))
    try:
        with open(student, encoding="utf-8") as f:
            current = f.read() == text
    except FileNotFoundError:
        current = False
    if not check and not current:
        import os

        from ..files import atomic_write

        os.makedirs(os.path.dirname(student) or ".", exist_ok=True)
        atomic_write(student, lambda tmp: open(tmp, "w", encoding="utf-8").write(text))
    return current


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m nst_course.grading.assignment",
        description="Make the student notebook from the source.",
    )
    parser.add_argument("source", nargs="?", default=SOURCE)
    parser.add_argument("student", nargs="?", default=STUDENT)
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the student notebook is out of date",
    )
    args = parser.parse_args(argv)
    try:
        current = generate(args.source, args.student, check=args.check)
    except (OSError, ValueError) as exc:
        print("assignment: error: %s" % exc, file=sys.stderr)
        return 1
    if args.check:
        print("%s is %s" % (args.student, "up to date" if current else "OUT OF DATE"))
        return 0 if current else 1
    print("%s %s" % (args.student, "unchanged" if current else "written"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
