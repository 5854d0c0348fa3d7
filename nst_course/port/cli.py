"""``nst-course port``: make a learner's own TF1 course notebook run on today's TensorFlow.

    nst-course port NOTEBOOK.ipynb [-o OUT.ipynb | --in-place] [--images DIR|demo]
    nst-course port EXPORT.py      [-o OUT.py    | --in-place]

Writes the ported notebook (default ``NAME_ported.ipynb`` beside it; ``--in-place`` keeps the
original as ``NAME.ipynb.bak``) and prints a report of every changed line, cell by cell, then
what the notebook still lacks (weights, images) and what to do. TensorFlow is not loaded.
"""

import os
import shutil
import sys

from ..errors import NSTError
from ..files import atomic_write
from . import assets, porting
from .rewrite import MARKER

DESCRIPTION = __doc__.split("\n\n")[0]


def add_parser(subparsers, formatter_class, parser_class=None):
    """Add ``port`` to the command line's subparsers."""
    p = subparsers.add_parser(
        "port",
        help="make your own TF1 course notebook run on today's TensorFlow",
        formatter_class=formatter_class,
        description="Port a completed copy of the course's notebook (its v2, v3 or v3a form, "
        "TensorFlow 1.x, `from nst_utils import *`, scipy.misc.imread) or its .py export so that "
        "it runs unchanged on today's TensorFlow with this package and prints the published "
        "Expected Output; print a report of what changed, cell by cell. Your own code is what "
        "runs: this package's nst_utils has no graded function.",
    )
    p.add_argument("notebook", metavar="NOTEBOOK", help="the .ipynb notebook (or .py export)")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="OUT",
        help="where to write the ported file (default: NAME_ported.ipynb beside NOTEBOOK)",
    )
    where.add_argument(
        "--in-place",
        action="store_true",
        help="rewrite NOTEBOOK itself, keeping the original as NOTEBOOK.bak",
    )
    p.add_argument(
        "--images",
        default=None,
        metavar="DIR|demo",
        help="copy the images the notebook reads and cannot find (the course's "
        "images/louvre.jpg, monet_800600.jpg, louvre_small.jpg, monet.jpg) from DIR, "
        "or use this project's demo images under those names ('demo'); existing "
        "files are never replaced",
    )
    p.set_defaults(handler=cmd_port)
    return p


def _default_output(path):
    stem, ext = os.path.splitext(path)
    return stem + "_ported" + ext


def _backup_path(path):
    backup = path + ".bak"
    n = 1
    while os.path.exists(backup):
        backup = "%s.bak%d" % (path, n)
        n += 1
    return backup


def _check_input(path):
    if not os.path.exists(path):
        raise NSTError("notebook not found: %s; check the path" % path)
    if os.path.isdir(path):
        raise NSTError("%s is a directory; give the notebook (.ipynb) or its .py export" % path)
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".ipynb", ".py"):
        raise NSTError(
            "%s is neither a notebook (.ipynb) nor a .py export; give one of those" % path
        )
    return ext


def port_file(path, output=None, in_place=False, images=None):
    """Port ``path`` and write the result. Returns the report's lines."""
    ext = _check_input(path)
    if in_place:
        target = path
    else:
        target = output or _default_output(path)
        if os.path.splitext(target)[1].lower() != ext:
            raise NSTError("-o %s: the output must be a %s file like the input" % (target, ext))
        if os.path.exists(target) and os.path.samefile(target, path):
            raise NSTError(
                "-o %s is the input itself; use --in-place to rewrite it (a backup "
                "is kept)" % target
            )
        if os.path.isdir(target):
            raise NSTError("-o %s is a directory; give a file name" % target)
        if os.path.exists(target) and not _is_ported(target):
            raise NSTError(
                "%s already exists and is not a ported notebook; choose another -o "
                "or remove it" % target
            )
    if ext == ".ipynb":
        nb = porting.read_notebook(path)
        new_nb, result = porting.port_notebook(nb)
        cells = porting.code_cells(new_nb)
        text = porting.dump_notebook(new_nb)
    else:
        with open(path, encoding="utf-8") as fh:
            original = fh.read()
        text, result = porting.port_script(original)
        cells = porting.script_cells(text)
    changed = bool(result.changes) or result.setup_added is not None
    backup = None
    if in_place:
        if changed:
            backup = _backup_path(path)
            shutil.copy2(path, backup)
            atomic_write(path, lambda tmp: _write_text(tmp, text))
    elif changed:
        atomic_write(target, lambda tmp: _write_text(tmp, text))
    else:
        atomic_write(target, lambda tmp: shutil.copyfile(path, tmp))  # already ported: as is
    base_dir = os.path.dirname(os.path.abspath(target))
    provided = []
    wanted = assets.referenced_images(cells)
    missing = assets.missing_images(wanted, base_dir)
    if images is not None and missing:
        provided, missing = assets.provide_images(missing, base_dir, images)
    return report(
        path, target, ext, result, cells, wanted, missing, provided, backup, base_dir, images
    )


def _write_text(tmp, text):
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def _is_ported(path):
    try:
        with open(path, encoding="utf-8") as fh:
            return MARKER in fh.read()
    except (OSError, UnicodeDecodeError):
        return False


def _where(change, ext):
    if ext == ".py":
        return "line %d" % change.line
    return "cell %d, line %d" % (change.cell, change.line)


def report(path, target, ext, result, cells, wanted, missing, provided, backup, base_dir, images):
    """The report's lines: the changes cell by cell, then the missing pieces."""
    graded = porting.graded_functions(cells)
    lines = ["nst-course port: %s -> %s" % (path, target), _recognised(cells, graded), ""]
    if result.already_ported and not result.changes:
        lines.append("already ported: nothing to change (the file is written as it was)")
    else:
        lines += _changes(result, ext)
    if backup:
        lines.append("the original is kept as %s" % backup)
    lines.append("")
    lines += _warnings(graded, result)
    found, ok = _assets(cells, wanted, missing, provided, base_dir, images)
    lines += found + [""]
    lines.append(
        "next: open %s in Jupyter and run all cells%s"
        % (target, "" if ok else " once the missing pieces above are in place")
    )
    return lines


def _recognised(cells, graded):
    """The line saying which form of the course's notebook this is (or that it is not)."""
    form = porting.course_form(cells)
    if form is None:
        return (
            "note: this does not look like the course's Neural Style Transfer notebook "
            "(no nst_utils, no load_vgg_model); ported anyway"
        )
    label = {
        "v3a": "the course's v3a form (pp.pprint(model))",
        "v2/v3": "the course's v2/v3 form (print(model))",
    }.get(form, "the course's notebook")
    functions = "; graded functions: " + ", ".join(name for name, _, _ in graded) if graded else ""
    return "recognised: %s%s" % (label, functions)


def _changes(result, ext):
    """The changes, line by line, and their summary."""
    script = ext == ".py"
    unit = "lines of the original file" if script else "cell numbers of the original notebook"
    lines = ["changes (%s):" % unit]
    if result.setup_added is not None:
        where = (
            "line %d" % result.setup_added
            if script
            else "new cell before cell %d" % result.setup_added
        )
        lines.append(
            "  %s: added the set-up (nst_course.port.session.start()): TF1 graph "
            "mode, TF1's op-seed rule and numpy 1.13 printing for the whole %s"
            % (where, "script" if script else "notebook")
        )
    for change in result.changes:
        lines.append("  %s: %s" % (_where(change, ext), change.why))
        lines.append("      - %s" % change.old.strip())
        lines.append("      + %s" % change.new.strip())
    summary = "%d line(s) changed" % len(result.changes)
    if ext == ".ipynb":
        summary += " in %d cell(s)" % len({c.cell for c in result.changes})
    if result.setup_added is not None:
        summary += ", set-up %s" % ("lines added" if script else "cell added")
    lines.append("%s; everything else (code, markdown, outputs) is as it was." % summary)
    return lines


def _warnings(graded, result):
    """Graded functions left unfinished, and what the port could not do by itself."""
    lines = []
    for name, cell, unfinished in graded:
        if unfinished:
            lines.append(
                "warning: %s (cell %s) still has `None` between START CODE HERE and "
                "END CODE HERE: its test cell will fail until you write it (this "
                "package does not fill it in)" % (name, cell)
            )
    for cell, line, text in result.warnings:
        where = "line %d" % line if cell is None else "cell %d, line %d" % (cell, line)
        lines.append("warning: %s: %s" % (where, text))
    return lines


def _assets(cells, wanted, missing, provided, base_dir, images):
    """(lines, all there?) about the weights and images the notebook loads."""
    lines, ok = [], True
    for vgg in assets.weights_paths(cells) or []:
        found, message = assets.check_weights(vgg, base_dir)
        lines.append(("ok " if found else "MISSING ") + message)
        ok = ok and found is not None
    for path_, origin in provided:
        lines.append("ok image %s: copied from %s" % (path_, origin))
    present = [p for p in wanted if p not in missing and p not in [q for q, _ in provided]]
    if present:
        lines.append("ok images found: %s" % ", ".join(present))
    if missing:
        ok = False
        tried = " (not in %s)" % images if images else ""
        lines.append("MISSING images%s: %s" % (tried, ", ".join(missing)))
        lines.append(
            "   put them next to the notebook (relative to %s), or run again with "
            "--images DIR (a folder holding them) or --images demo (this project's demo "
            "pictures under the course's names)" % base_dir
        )
    for path_, size in assets.wrong_sizes(wanted, base_dir):
        lines.append(
            "warning: %s is %s, but the notebook feeds it to the 300x400 network without "
            "resizing: it must be 400x300 pixels"
            % (path_, "unreadable" if size is None else "%dx%d" % size)
        )
    return lines, ok


def cmd_port(args):
    """The handler of ``nst-course port``: port, print the report. Exit status 0."""
    lines = port_file(args.notebook, output=args.output, in_place=args.in_place, images=args.images)
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
    return 0
