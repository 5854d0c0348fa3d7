"""The jobs of a batch: a manifest CSV, or every content x style pair of some files/folders.

A manifest has a header row: ``content`` and ``style`` (required), an optional ``id``, and a
column per ``nst-course run`` option, named like the option (``iterations``, ``width``,
``style-blend-weights`` or ``style_blend_weights``...). The columns are not listed here: they
come from the run command's own parser (:func:`run_option_actions`), so an option added to
``nst-course run`` is a manifest column at once, with the same value checks. An empty cell
takes the batch's default (the command line's value, else ``run``'s default). Image paths are
relative to the manifest's folder; a ``style`` cell may list several images, comma-separated.

Every row is checked before any work starts, with the same one-line messages as ``run``
(:func:`nst_course.run.checks.check_options`), each prefixed by ``MANIFEST line N (id ...)``.
A missing or unreadable *image* is not a row error: that job fails alone when it runs.
"""

import argparse
import csv
import os
import re
from types import SimpleNamespace

from ..errors import OptionError
from .engine import Job

#: Options of ``run`` that are the batch's own business, not a job's.
NOT_JOB_OPTIONS = (
    "help",
    "debug",
    "content",
    "style",
    "output_dir",
    "resume",
    "checkpoint_every",
    "quiet",
)
#: Columns besides the run options.
OWN_COLUMNS = ("id", "content", "style")
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp")
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
_TRUE = ("1", "true", "yes", "y", "on")
_FALSE = ("0", "false", "no", "n", "off")


class RowError(OptionError):
    """A manifest row that cannot run (bad value, unknown layer, duplicate id...)."""


def run_option_actions(run_parser):
    """The argparse actions of ``run``'s options that a job may set (in the parser's order)."""
    return [
        action
        for action in run_parser._actions
        if action.option_strings
        and action.dest not in NOT_JOB_OPTIONS
        and action.default is not argparse.SUPPRESS
    ]


def run_defaults(run_parser):
    """``run``'s default value of every job option (as ``nst-course run`` with no options)."""
    namespace = run_parser.parse_args([])
    return {a.dest: getattr(namespace, a.dest) for a in run_option_actions(run_parser)}


def _flag(action):
    return max(action.option_strings, key=len)


def convert(action, text):
    """The value of ``text`` for ``action``, checked like the command line checks it."""
    text = text.strip()
    if action.nargs == 0:  # a flag (store_true and the like): yes/no in a manifest
        if text.lower() in _TRUE:
            return action.const
        if text.lower() in _FALSE:
            return action.default
        raise OptionError("argument %s: %r is not yes/no (1/0, true/false)" % (_flag(action), text))
    items = text.split() if action.nargs in ("+", "*") else [text]
    values = []
    for item in items:
        try:
            value = action.type(item) if action.type else item
        except argparse.ArgumentTypeError as exc:
            raise OptionError("argument %s: %s" % (_flag(action), exc)) from None
        except (TypeError, ValueError):
            raise OptionError("argument %s: invalid value: %r" % (_flag(action), item)) from None
        if action.choices is not None and value not in action.choices:
            raise OptionError(
                "argument %s: invalid choice: %r (choose from %s)"
                % (_flag(action), value, ", ".join(repr(c) for c in action.choices))
            )
        values.append(value)
    return values if action.nargs in ("+", "*") else values[0]


def _column_key(name):
    return (name or "").strip().lstrip("-").lower().replace("-", "_")


def _safe_id(text):
    """A folder name made of ``text``: letters, digits and ._+- only."""
    text = re.sub(r"[^A-Za-z0-9._+-]+", "-", text).strip("-.")
    return text or "job"


def _unique(base, taken):
    name, k = base, 2
    while name in taken:
        name, k = "%s-%d" % (base, k), k + 1
    taken.add(name)
    return name


def _stem(path):
    return os.path.splitext(os.path.basename(path))[0]


def job_id(content, styles):
    """``<content>_<style>[+<style>...]`` from the file names (before any de-duplication)."""
    return _safe_id("%s_%s" % (_stem(content), "+".join(_stem(s) for s in styles)))


def _check_row(values, out):
    """run's checks of a job's options (an OptionError naming the option)."""
    from ..run.checks import check_options

    check_options(
        SimpleNamespace(output_dir=out, quiet=True, resume=None, checkpoint_every=0, **values)
    )


def _images_in(path):
    """A file as given, or a folder's image files in name order."""
    if os.path.isdir(path):
        found = sorted(
            os.path.join(path, n)
            for n in os.listdir(path)
            if n.lower().endswith(IMAGE_EXTENSIONS) and not n.startswith(".")
        )
        if not found:
            raise OptionError(
                "%s: no images in this folder (%s)" % (path, ", ".join(IMAGE_EXTENSIONS))
            )
        return found
    return [path]


def pair_jobs(contents, styles, options, out):
    """Every content x style pair (``--content``/``--style`` files or folders), in order.

    Returns (jobs, errors): errors are (where, id, message) of pairs whose options fail
    (with the same options for all, they fail alike).
    """
    contents = [p for c in contents for p in _images_in(c)]
    styles = [p for s in styles for p in _images_in(s)]
    jobs, errors, taken = [], [], set()
    for content in contents:
        for style in styles:
            values = dict(options, content=content, style=[style])
            ident = _unique(job_id(content, [style]), taken)
            try:
                _check_row(values, out)
            except OptionError as exc:
                errors.append(("pair %s + %s" % (content, style), ident, str(exc)))
                continue
            jobs.append(Job(ident, SimpleNamespace(**values), label=(content, style)))
    return jobs, errors


def manifest_jobs(path, actions, options, out):
    """The jobs of a manifest CSV (see the module's docstring).

    ``actions``: :func:`run_option_actions` of the run parser; ``options``: the batch's
    default for each (``dest: value``). Returns (jobs, errors); errors are
    (``"MANIFEST line N"``, id or None, message). A header that cannot work (no content or
    style column, an unknown column) raises :class:`OptionError` at once.
    """
    by_key = {}
    for action in actions:
        by_key[action.dest] = action
    base = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    try:
        fh = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        from ..errors import describe

        raise OptionError("manifest %s" % describe(exc)) from None
    with fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise OptionError(
                "%s is empty; write a header row: content,style[,id,iterations,...]" % path
            ) from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise OptionError("%s is not a readable CSV file (%s)" % (path, exc)) from None
        keys = [_column_key(h) for h in header]
        unknown = [h for h, k in zip(header, keys) if k not in OWN_COLUMNS and k not in by_key]
        if unknown:
            raise OptionError(
                "%s: unknown column%s %s; the columns are id, content, style and "
                "the run options: %s"
                % (
                    path,
                    "s" if len(unknown) > 1 else "",
                    ", ".join(repr(u) for u in unknown),
                    ", ".join(a.dest.replace("_", "-") for a in actions),
                )
            )
        missing = [c for c in ("content", "style") if c not in keys]
        if missing:
            raise OptionError(
                "%s: no %s column; the header needs content and style"
                % (path, " or ".join(missing))
            )
        jobs, errors, taken = [], [], set()
        try:
            rows = [(reader.line_num, row) for row in reader]
        except (csv.Error, UnicodeDecodeError) as exc:
            raise OptionError(
                "%s line %d: not readable as CSV (%s)" % (path, reader.line_num + 1, exc)
            ) from None
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        cells = dict(zip(keys, row))
        where = "%s line %d" % (name, line)
        ident = cells.get("id", "").strip() or None
        try:
            if len(row) > len(keys):
                raise OptionError("%d cells but the header has %d columns" % (len(row), len(keys)))
            values = dict(options)
            for key, text in cells.items():
                if key in OWN_COLUMNS or not text.strip():
                    continue
                values[key] = convert(by_key[key], text)
            content = cells.get("content", "").strip()
            style = [s.strip() for s in cells.get("style", "").split(",") if s.strip()]
            if not content or not style:
                raise OptionError("give a content and a style image")
            local = lambda p: p if os.path.isabs(p) else os.path.join(base, p)  # noqa: E731
            values["content"] = local(content)
            values["style"] = [local(s) for s in style]
            if cells.get("init", "").strip() and values["init"] not in (
                "noise",
                "content",
                "style",
            ):
                values["init"] = local(values["init"])
            if ident is not None:
                if not _SAFE_ID.match(ident) or ident in taken:
                    problem = (
                        "is used by an earlier row"
                        if ident in taken
                        else "is not a folder name (letters, digits and ._+- only)"
                    )
                    raise OptionError("id %r %s" % (ident, problem))
                taken.add(ident)
            else:
                ident = _unique(job_id(content, style), taken)
            _check_row(values, out)
        except OptionError as exc:
            errors.append((where, ident, str(exc)))
            continue
        jobs.append(
            Job(
                ident,
                SimpleNamespace(**values),
                label=(values["content"], ",".join(values["style"])),
            )
        )
    return jobs, errors


def describe_row_error(error):
    """``MANIFEST line N (id x): message`` for an error of :func:`manifest_jobs`/:func:`pair_jobs`."""
    where, ident, message = error
    return "%s%s: %s" % (where, " (id %s)" % ident if ident else "", message)
