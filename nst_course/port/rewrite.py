"""The rewriting rules of ``nst-course port``, applied line by line to a notebook's code cells
or to a ``.py`` export of it.

Only lines that match a rule change, and only the part that matches; comments, markdown,
outputs and every other line stay as they were. A rewritten line never matches a rule again,
so porting a ported notebook changes nothing. The rules:

====================================  ===============================================
``from nst_utils import *``           ``from nst_course.port.nst_utils import *``
``import tensorflow as tf``           ``import tensorflow.compat.v1 as tf``
``import scipy.misc``                 ``from nst_course.port import scipy_misc``
``from scipy.misc import imread``     ``from nst_course.port.scipy_misc import imread``
``scipy.misc.imread(...)``            ``scipy_misc.imread(...)`` (also imresize, imsave, ...)
``get_ipython()...('matplotlib'...)`` commented out (``.py`` exports only)
====================================  ===============================================

plus one setup cell (:data:`SETUP_SOURCE`) before the first code cell, or setup lines at the
top of a ``.py`` file, that call :func:`nst_course.port.session.start`.
"""

import re
from dataclasses import dataclass, field

from .scipy_misc import PROVIDED

#: Marks the added setup (its presence means "already ported").
MARKER = "nst_course.port.session"

SETUP_LINES = [
    "# Added by `nst-course port`: this notebook was written for TensorFlow 1.x. This cell switches\n",
    "# today's TensorFlow to TF1 graph mode and TF1's op-seed rule, and numpy to its 1.13 printing,\n",
    "# for the whole notebook, so that the test cells print the Expected Output values.\n",
    "import nst_course.port.session; nst_course.port.session.start()\n",
    "from nst_course.port import scipy_misc  # scipy.misc.imread & co., removed from SciPy\n",
]
SETUP_SOURCE = "".join(SETUP_LINES).rstrip("\n")

NST_UTILS_WHY = (
    "this project's nst_utils: CONFIG, load_vgg_model, generate_noise_image, "
    "reshape_and_normalize_image, save_image (not the graded functions)"
)
TF_WHY = (
    "TensorFlow 1 API (tf.Session, tf.random_normal, tf.train.AdamOptimizer, ...) in graph mode"
)
MISC_WHY = "scipy.misc's image functions were removed from SciPy; Pillow-based stand-ins"
MAGIC_WHY = "a notebook magic, which a plain Python script cannot run"


@dataclass
class Change:
    """One rewritten line: where (cell number in the original notebook, 1-based, or None for a
    ``.py`` file; line number, 1-based), the line before and after, and why."""

    cell: object
    line: int
    old: str
    new: str
    why: str


@dataclass
class Rule:
    pattern: re.Pattern
    replacement: str
    why: str
    script_only: bool = False
    anywhere: bool = False  # replace every occurrence in the line, not only at its start


_END = r"(?=\s*(?:$|;))"
#: (what an import line starts with, what it becomes, why): the import rules of the port.
_IMPORTS = (
    (r"from\s+nst_utils\s+import\s+", "from nst_course.port.nst_utils import ", NST_UTILS_WHY),
    (r"import\s+nst_utils\s+as\s+", "import nst_course.port.nst_utils as ", NST_UTILS_WHY),
    (r"import\s+nst_utils" + _END, "import nst_course.port.nst_utils as nst_utils", NST_UTILS_WHY),
    (r"import\s+tensorflow\s+as\s+", "import tensorflow.compat.v1 as ", TF_WHY),
    (r"import\s+tensorflow" + _END, "import tensorflow.compat.v1 as tensorflow", TF_WHY),
    (r"import\s+scipy\.misc\s+as\s+", "import nst_course.port.scipy_misc as ", MISC_WHY),
    (r"import\s+scipy\.misc" + _END, "from nst_course.port import scipy_misc", MISC_WHY),
    (r"from\s+scipy\.misc\s+import\s+", "from nst_course.port.scipy_misc import ", MISC_WHY),
    (
        r"from\s+scipy\s+import\s+misc" + _END,
        "from nst_course.port import scipy_misc as misc",
        MISC_WHY,
    ),
)
RULES = [Rule(re.compile(r"^(\s*)" + old), r"\1" + new, why) for old, new, why in _IMPORTS] + [
    Rule(re.compile(r"\bscipy\.misc\.(?=\w)"), "scipy_misc.", MISC_WHY, anywhere=True),
    Rule(
        re.compile(r"^(\s*)(get_ipython\(\)\.(?:run_line_magic|magic)\(\s*['\"]matplotlib.*)$"),
        r"\1# \2",
        MAGIC_WHY,
        script_only=True,
    ),
]

_LEFT_OVER = re.compile(r"^\s*(?:import|from)\s.*\b(?:nst_utils|scipy\.misc|tensorflow)\b")
_OURS = re.compile(r"nst_course\.port|tensorflow\.compat\.v1|^\s*from\s+tensorflow[.\s]")
_MISC_NAME = re.compile(r"\b(?:scipy\.misc|misc|scipy_misc)\.(\w+)")
_FROM_MISC = re.compile(r"^\s*from\s+scipy\.misc\s+import\s+(.+?)\s*(?:#.*)?$")


def _split(line):
    """(code, newline) of one line."""
    if line.endswith("\r\n"):
        return line[:-2], "\r\n"
    if line.endswith("\n"):
        return line[:-1], "\n"
    return line, ""


def comment_start(code):
    """Index of the ``#`` that starts the line's comment (outside strings), or len(code)."""
    quote = None
    i = 0
    while i < len(code):
        ch = code[i]
        if quote:
            if ch == "\\":
                i += 1
            elif code.startswith(quote, i):
                i += len(quote) - 1
                quote = None
        elif ch in "'\"":
            quote = code[i : i + 3] if code[i : i + 3] in ("'" * 3, '"' * 3) else ch
            i += len(quote) - 1
        elif ch == "#":
            return i
        i += 1
    return len(code)


def rewrite_line(line, script=False):
    """The ported line and the reasons of its changes (an empty list: unchanged). A comment
    at the end of the line is kept as it is."""
    code, newline = _split(line)
    if code.lstrip().startswith("#"):
        return line, []
    cut = comment_start(code)
    code, newline = code[:cut], code[cut:] + newline
    whys = []
    for rule in RULES:
        if rule.script_only and not script:
            continue
        new, count = rule.pattern.subn(rule.replacement, code, count=0 if rule.anywhere else 1)
        if count:
            code = new
            if rule.why not in whys:
                whys.append(rule.why)
    return code + newline, whys


def warnings_for_line(line):
    """Things in a line that porting cannot fix: scipy.misc names that have no stand-in, or
    other IPython calls in a script."""
    code, _ = _split(line)
    if code.lstrip().startswith("#"):
        return []
    found = []
    names = list(_MISC_NAME.findall(code))
    match = _FROM_MISC.match(code)
    if match:
        names += [n.strip().split(" as ")[0].strip("() ") for n in match.group(1).split(",")]
    for name in names:
        if name and name not in PROVIDED and name != "*":
            found.append(
                "scipy.misc.%s has no stand-in (only %s): replace it by hand"
                % (name, ", ".join(PROVIDED))
            )
    return found


def split_lines(source):
    """A cell's source (a string or nbformat's list of lines) as a list of lines with ends."""
    if isinstance(source, list):
        return list(source)
    return source.splitlines(keepends=True)


def join_like(lines, original):
    """``lines`` in the form ``original`` had (list of lines or one string)."""
    if isinstance(original, list):
        return lines
    return "".join(lines)


@dataclass
class Ported:
    """The result of porting: the new text or cells, what changed, and what could not be."""

    changes: list = field(default_factory=list)
    warnings: list = field(default_factory=list)  # (cell, line, text)
    setup_added: object = None  # where the setup went (cell number or line), None if present
    already_ported: bool = False


def port_lines(lines, cell=None, script=False, result=None):
    """Rewrite ``lines`` (a cell's or a script's), recording changes in ``result``."""
    result = result if result is not None else Ported()
    out = []
    for number, line in enumerate(lines, start=1):
        new, whys = rewrite_line(line, script=script)
        for text in warnings_for_line(line):
            result.warnings.append((cell, number, text))
        code = new[: comment_start(new)]
        if _LEFT_OVER.match(code) and not _OURS.search(code):
            result.warnings.append(
                (
                    cell,
                    number,
                    "an import this port cannot rewrite (several "
                    "modules on one line?): give each its own line and port again",
                )
            )
        if whys:
            result.changes.append(
                Change(cell, number, _split(line)[0], _split(new)[0], "; ".join(whys))
            )
        elif script and "get_ipython()" in line and not line.lstrip().startswith("#"):
            result.warnings.append(
                (
                    cell,
                    number,
                    "an IPython call, which a plain Python "
                    "script cannot run: run the notebook instead, or remove it",
                )
            )
        out.append(new)
    return out, result
