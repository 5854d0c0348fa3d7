"""The jobs of a batch: a manifest CSV, or every content x style pair of some files/folders.

A manifest has a header row: ``content`` and ``style`` (required), an optional ``id``, and a
column per ``nst-course run`` option, named like the option (``iterations``, ``width``,
``style-blend-weights`` or ``style_blend_weights``...). The columns are not listed here: they
are the fields of :class:`~nst_course.run.options.RunOptions` (:func:`job_fields`), so an option
added to ``nst-course run`` is a manifest column at once, with the same value checks. An empty cell
takes the batch's default (the command line's value, else ``run``'s default). Image paths are
relative to the manifest's folder; a ``style`` cell may list several images, comma-separated.

Every row is checked before any work starts, with the same one-line messages as ``run``
(:func:`nst_course.run.checks.check_options`), each prefixed by ``MANIFEST line N (id ...)``.
A missing or unreadable *image* is not a row error: that job fails alone when it runs.
"""

import argparse
import csv
import dataclasses
import os
import re

from ..errors import OptionError
from ..run.checks import check_options
from ..run.options import RunOptions, default_of, flag_of, parse_value
from ..run.options import fields as option_fields
from .engine import Job

#: Options of ``run`` that are the batch's own business, not a job's.
NOT_JOB_OPTIONS = ("content", "style", "output_dir", "resume", "checkpoint_every", "quiet")
#: Columns besides the run options.
OWN_COLUMNS = ("id", "content", "style")
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp")
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


def job_fields() -> list[dataclasses.Field]:
    """The :class:`RunOptions` fields a job may set (a manifest column each), in order."""
    return [f for f in option_fields() if f.name not in NOT_JOB_OPTIONS]


def run_defaults() -> dict:
    """``run``'s default value of every job option (as ``nst-course run`` with no options)."""
    return {f.name: default_of(f) for f in job_fields()}


def convert(f: dataclasses.Field, text: str):
    """The value of ``text`` for field ``f``, checked like the command line checks it."""
    try:
        return parse_value(f, text)
    except argparse.ArgumentTypeError as exc:
        raise OptionError("argument %s: %s" % (flag_of(f.name), exc)) from None


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


def _job_options(values, out):
    """A job's :class:`RunOptions`, with run's checks (an OptionError naming the option)."""
    opts = RunOptions(**values)
    check_options(dataclasses.replace(opts, output_dir=out, quiet=True))
    return opts


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
                opts = _job_options(values, out)
            except OptionError as exc:
                errors.append(("pair %s + %s" % (content, style), ident, str(exc)))
                continue
            jobs.append(Job(ident, opts, label=(content, style)))
    return jobs, errors


def _read(path, by_key):
    """(column keys, [(line number, cells)]) of a manifest; OptionError for a header that
    cannot work (no content or style column, an unknown column) or an unreadable file."""
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
        _check_header(path, header, keys, by_key)
        try:
            return keys, [(reader.line_num, row) for row in reader]
        except (csv.Error, UnicodeDecodeError) as exc:
            raise OptionError(
                "%s line %d: not readable as CSV (%s)" % (path, reader.line_num + 1, exc)
            ) from None


def _check_header(path, header, keys, by_key):
    unknown = [h for h, k in zip(header, keys) if k not in OWN_COLUMNS and k not in by_key]
    if unknown:
        raise OptionError(
            "%s: unknown column%s %s; the columns are id, content, style and the run options: %s"
            % (
                path,
                "s" if len(unknown) > 1 else "",
                ", ".join(repr(u) for u in unknown),
                ", ".join(name.replace("_", "-") for name in by_key),
            )
        )
    missing = [c for c in ("content", "style") if c not in keys]
    if missing:
        raise OptionError(
            "%s: no %s column; the header needs content and style" % (path, " or ".join(missing))
        )


def _row_values(cells, options, by_key, base):
    """A row's job options: the batch's defaults, the row's cells, paths made absolute."""
    values = dict(options)
    for key, text in cells.items():
        if key not in OWN_COLUMNS and text.strip():
            values[key] = convert(by_key[key], text)
    content = cells.get("content", "").strip()
    style = [s.strip() for s in cells.get("style", "").split(",") if s.strip()]
    if not content or not style:
        raise OptionError("give a content and a style image")

    def local(p):
        return p if os.path.isabs(p) else os.path.join(base, p)

    values["content"], values["style"] = local(content), [local(s) for s in style]
    if cells.get("init", "").strip() and values["init"] not in ("noise", "content", "style"):
        values["init"] = local(values["init"])
    return values


def _row_id(ident, content, style, taken):
    """The row's own id (checked: a folder name, unique) or one made of its file names."""
    if ident is None:
        return _unique(job_id(content, style), taken)
    if not _SAFE_ID.match(ident) or ident in taken:
        problem = (
            "is used by an earlier row"
            if ident in taken
            else "is not a folder name (letters, digits and ._+- only)"
        )
        raise OptionError("id %r %s" % (ident, problem))
    taken.add(ident)
    return ident


def manifest_jobs(path, options, out):
    """The jobs of a manifest CSV (see the module's docstring).

    ``options``: the batch's default for each job option (``name: value``). Returns (jobs,
    errors); errors are (``"MANIFEST line N"``, id or None, message). A header that cannot
    work (no content or style column, an unknown column) raises :class:`OptionError` at once.
    """
    by_key = {f.name: f for f in job_fields()}
    base = os.path.dirname(os.path.abspath(path))
    keys, rows = _read(path, by_key)
    jobs, errors, taken = [], [], set()
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        cells = dict(zip(keys, row))
        ident = cells.get("id", "").strip() or None
        try:
            if len(row) > len(keys):
                raise OptionError("%d cells but the header has %d columns" % (len(row), len(keys)))
            values = _row_values(cells, options, by_key, base)
            content, style = cells["content"].strip(), values["style"]
            ident = _row_id(ident, content, [os.path.basename(s) for s in style], taken)
            opts = _job_options(values, out)
        except OptionError as exc:
            errors.append(("%s line %d" % (os.path.basename(path), line), ident, str(exc)))
            continue
        jobs.append(Job(ident, opts, label=(values["content"], ",".join(values["style"]))))
    return jobs, errors


def describe_row_error(error):
    """``MANIFEST line N (id x): message`` for an error of :func:`manifest_jobs`/:func:`pair_jobs`."""
    where, ident, message = error
    return "%s%s: %s" % (where, " (id %s)" % ident if ident else "", message)
