"""Porting a whole notebook (``.ipynb``) or a ``.py`` export of it, and recognising the course's
notebook in it (which version's form, which graded functions, which are still unfinished).

A notebook is read and written as plain JSON (as Jupyter writes it: one-space indent, sorted
keys), so cells, metadata and outputs are kept exactly; only the lines that a rule of
:mod:`nst_course.port.rewrite` changes differ, plus the one setup cell.
"""

import json
import re

from ..errors import NSTError
from .rewrite import MARKER, SETUP_LINES, Ported, join_like, port_lines, split_lines


class PortError(NSTError):
    """The file cannot be ported (not a notebook, unreadable, ...)."""


#: The id of the added setup cell in notebooks whose cells have ids (nbformat 4.5).
SETUP_ID = "nst-course-port-setup"
#: The metadata of the added setup cell.
SETUP_METADATA = {"nst_course_port": {"role": "setup", "version": 1}, "tags": ["nst-course-port"]}


def read_notebook(path):
    """The notebook at ``path`` as a dict (nbformat 4), or a :class:`PortError`."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except UnicodeDecodeError:
        raise PortError("%s is not a text file; give a Jupyter notebook (.ipynb)" % path) from None
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PortError(
            "%s is not a Jupyter notebook (invalid JSON at line %d: %s); give the "
            ".ipynb file as Jupyter saved it" % (path, exc.lineno, exc.msg)
        ) from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        if isinstance(nb, dict) and "worksheets" in nb:
            raise PortError(
                "%s is an old nbformat 3 notebook; open and save it in Jupyter "
                "(which converts it to nbformat 4), then port it" % path
            )
        raise PortError(
            "%s is not a Jupyter notebook (no list of cells); give the .ipynb file" % path
        )
    return nb


def dump_notebook(nb):
    """The JSON text Jupyter writes for ``nb``."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _is_setup(cell):
    return cell.get("cell_type") == "code" and MARKER in "".join(
        split_lines(cell.get("source", ""))
    )


def port_notebook(nb):
    """Port a notebook dict. Returns (new notebook dict, :class:`Ported`)."""
    result = Ported()
    cells = nb["cells"]
    result.already_ported = any(_is_setup(cell) for cell in cells)
    new_cells = []
    first_code = None
    for number, cell in enumerate(cells, start=1):
        cell = dict(cell)
        if cell.get("cell_type") == "code" and not _is_setup(cell):
            if first_code is None:
                first_code = number
            source = cell.get("source", "")
            lines, _ = port_lines(split_lines(source), cell=number, result=result)
            cell["source"] = join_like(lines, source)
        new_cells.append(cell)
    if not result.already_ported:
        index = (first_code - 1) if first_code is not None else len(new_cells)
        setup = {
            "cell_type": "code",
            "execution_count": None,
            "metadata": dict(SETUP_METADATA),
            "outputs": [],
            "source": list(SETUP_LINES[:-1]) + [SETUP_LINES[-1].rstrip("\n")],
        }
        if nb.get("nbformat_minor", 0) >= 5 or any("id" in cell for cell in cells):
            setup["id"] = _free_id(cells)  # nbformat 4.5 wants a unique id on every cell
        new_cells.insert(index, setup)
        result.setup_added = first_code or len(cells) + 1
    new = dict(nb)
    new["cells"] = new_cells
    return new, result


def _free_id(cells):
    taken = {cell.get("id") for cell in cells}
    candidate, n = SETUP_ID, 1
    while candidate in taken:
        candidate, n = "%s-%d" % (SETUP_ID, n), n + 1
    return candidate


def code_cells(nb):
    """[(cell number, source text)] of a notebook's code cells."""
    return [
        (number, "".join(split_lines(cell.get("source", ""))))
        for number, cell in enumerate(nb["cells"], start=1)
        if cell.get("cell_type") == "code"
    ]


def _script_header_end(lines):
    """Where the setup lines go in a script: after a shebang and coding line."""
    index = 0
    while (
        index < len(lines)
        and index < 2
        and (lines[index].startswith("#!") or re.match(r"^#.*coding[:=]", lines[index]))
    ):
        index += 1
    return index


def port_script(text):
    """Port a ``.py`` export. Returns (new text, :class:`Ported`)."""
    result = Ported()
    lines = text.splitlines(keepends=True)
    result.already_ported = MARKER in text
    new, _ = port_lines(lines, cell=None, script=True, result=result)
    if not result.already_ported:
        at = _script_header_end(new)
        block = [
            line.replace("This cell switches", "These lines switch").replace(
                "whole notebook", "whole script"
            )
            for line in SETUP_LINES
        ] + ["\n"]
        if at and not new[at - 1].endswith("\n"):
            new[at - 1] += "\n"
        new[at:at] = block
        result.setup_added = at + 1  # the changes keep the original file's line numbers
    return "".join(new), result


def script_cells(text):
    """[(None, whole text)]: a script is one 'cell' for the recognisers below."""
    return [(None, text)]


# --------------------------------------------------------------------------- recognising the course

_GRADED = re.compile(r"#\s*GRADED FUNCTION:\s*(\w+)")
_DEF = re.compile(r"^def\s+(\w+)\s*\(", re.M)
_CODE_BLOCK = re.compile(r"#+\s*START CODE HERE.*?$(.*?)^\s*#+\s*END CODE HERE", re.M | re.S)
_NONE_ASSIGNED = re.compile(r"^\s*[\w\[\], ]+\s*=\s*None\s*(?:#.*)?$", re.M)


def course_form(cells):
    """Which version of the course's notebook the code looks like: 'v3a', 'v2/v3', or None."""
    text = "\n".join(source for _, source in cells)
    if "nst_utils" not in text and "load_vgg_model" not in text:
        return None
    if re.search(r"\bpp\.pprint\(\s*model\s*\)", text) or re.search(
        r"^\s*import pprint", text, re.M
    ):
        return "v3a"
    if re.search(r"\bprint\(\s*model\s*\)", text):
        return "v2/v3"
    return "course"


def graded_functions(cells):
    """[(name, cell, unfinished)] for each ``# GRADED FUNCTION: name`` cell: unfinished when a
    line between START CODE HERE and END CODE HERE still assigns ``None``."""
    found = []
    for number, source in cells:
        names = _GRADED.findall(source) or []
        for name in names:
            blocks = _CODE_BLOCK.findall(source)
            unfinished = any(_NONE_ASSIGNED.search(block) for block in blocks)
            found.append((name, number, unfinished))
    return found
