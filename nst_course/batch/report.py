"""What a batch leaves next to the jobs' folders: ``results.csv`` and ``contact_sheet.png``.

``results.csv`` has one row per job, in the jobs' order, rewritten atomically whenever a job
finishes (a reader never sees half a file)::

    id, content, style, status, seconds, total, content_cost, style_cost, error

``status`` is ``done``, ``failed``, ``skipped`` (complete from an earlier run; or, with
``--skip-invalid``, an invalid row, whose error column says why) or ``pending`` (not finished:
the batch was stopped). The costs are those of the job's saved image (costs.csv's last row:
the run's last iteration).

``contact_sheet.png`` is a labelled grid of the results: content rows x style columns, with the
content and style images as row and column headers, when every job is one (content, style)
pair (the ``--content``/``--style`` form, and manifests of distinct pairs); else a grid of the
results labelled by id. A job without a result shows its status.
"""

import csv
import io
import math
import os
import textwrap

import numpy as np

from ..files import write_text
from ..run.plotting import new_figure, save_figure

COLUMNS = (
    "id",
    "content",
    "style",
    "status",
    "seconds",
    "total",
    "content_cost",
    "style_cost",
    "error",
)


def _style_text(options):
    return ",".join(getattr(options, "style", []) or [])


def write_results(path, jobs, results):
    """Write results.csv for ``jobs`` (in order) from ``results`` ({id: JobResult})."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for job in jobs:
        r = results.get(job.id)
        costs = (r.costs if r is not None and r.costs else None) or ("", "", "")
        seconds = "" if r is None or r.seconds is None else "%.2f" % r.seconds
        writer.writerow(
            [
                job.id,
                getattr(job.options, "content", ""),
                _style_text(job.options),
                "pending" if r is None else r.status,
                seconds,
                *[repr(float(c)) if c != "" else "" for c in costs],
                "" if r is None or not r.error else r.error,
            ]
        )
    text = buf.getvalue()
    return write_text(path, text)


def read_results(path):
    """The rows of a results.csv as dicts."""
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _thumbnail(path, size=256):
    """An image file as a small RGB array (None when it cannot be read)."""
    try:
        from PIL import Image

        with Image.open(path) as img:
            img = img.convert("RGB")
            img.thumbnail((size, size))
            return np.asarray(img)
    except Exception:  # noqa: BLE001 - a sheet shows what it can
        return None


def _result_image(out, job, result):
    if result is None or result.status not in ("done", "skipped") or result.error:
        return None
    return _thumbnail(os.path.join(out, job.id, "generated_image.jpg"))


def _panel(ax, image, title=None, note=None, fontsize=8):
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if image is not None:
        ax.imshow(image, interpolation="lanczos")
    else:
        ax.set_facecolor("#dddddd")
        ax.text(
            0.5,
            0.5,
            note or "",
            ha="center",
            va="center",
            transform=ax.transAxes,
            fontsize=fontsize,
            color="#aa0000",
            wrap=True,
        )
    if title:
        ax.set_title(title, fontsize=fontsize)


def _short(path, limit=24):
    name = os.path.basename(path)
    return name if len(name) <= limit else name[: limit - 1] + "\u2026"


def contact_sheet(path, out, jobs, results, cell_inches=1.8):
    """Write the contact sheet (see the module's docstring) to ``path``; returns ``path``."""
    labels = [job.label for job in jobs]
    grid = all(labels) and len(set(labels)) == len(labels)
    if grid:
        contents = list(dict.fromkeys(label[0] for label in labels))
        styles = list(dict.fromkeys(label[1] for label in labels))
        rows, cols = len(contents) + 1, len(styles) + 1
    else:
        cols = max(1, math.ceil(math.sqrt(len(jobs))))
        rows = max(1, math.ceil(len(jobs) / cols))
    fig = new_figure(cols * cell_inches, rows * (cell_inches + 0.25))
    fig.subplots_adjust(
        left=0.01,
        right=0.99,
        bottom=0.01,
        top=1 - 0.3 / fig.get_figheight(),
        wspace=0.05,
        hspace=0.25,
    )
    if grid:
        _pairs_grid(fig, out, jobs, results, contents, styles)
    else:
        for k, job in enumerate(jobs):
            result = results.get(job.id)
            _panel(
                fig.add_subplot(rows, cols, k + 1),
                _result_image(out, job, result),
                _short(job.id, 28),
                note=_status_note(result),
            )
    return save_figure(fig, path)


def _pairs_grid(fig, out, jobs, results, contents, styles):
    """Content rows x style columns, the inputs as the heads of both."""
    rows, cols = len(contents) + 1, len(styles) + 1
    cell = {(job.label[0], job.label[1]): job for job in jobs}
    ax = fig.add_subplot(rows, cols, 1)
    _panel(ax, None, note="content \u2193  style \u2192")
    ax.texts[0].set_color("black")
    for c, style in enumerate(styles):
        first = style.split(",")[0]
        _panel(
            fig.add_subplot(rows, cols, c + 2),
            _thumbnail(first),
            "style: " + _short(style.replace(",", ", ")),
        )
    for r, content in enumerate(contents):
        base = (r + 1) * cols
        _panel(
            fig.add_subplot(rows, cols, base + 1),
            _thumbnail(content),
            "content: " + _short(content),
        )
        for c, style in enumerate(styles):
            job = cell.get((content, style))
            ax = fig.add_subplot(rows, cols, base + c + 2)
            if job is None:
                _panel(ax, None)
                continue
            result = results.get(job.id)
            _panel(
                ax,
                _result_image(out, job, result),
                job.id if len(job.id) <= 28 else None,
                note=_status_note(result),
            )


def _status_note(result):
    if result is None:
        return "not run"
    if not result.error:
        return result.status

    return "\n".join([result.status + ":"] + textwrap.wrap(result.error, 22)[:4])
