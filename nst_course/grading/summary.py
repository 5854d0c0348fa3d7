"""The teacher's table at the end of ``nst-course grade``: ``format_summary(rows, width)``.

Three parts, plain text for a terminal ``width`` characters wide:

1. one row per student: the total and the points of each graded function;
2. the most frequent hints of the functions that did not pass, each in full, wrapped to the
   width (never cut: a teacher reads what the students read);
3. the means: of the total and of each function.

``rows`` are the submissions' results as the grader stores them: dicts with ``student``,
``total``, ``max_total`` and ``functions`` (dicts with ``function``, ``points``,
``max_points``, ``status`` and ``hint``).
"""

import collections
import textwrap
from collections.abc import Iterable, Mapping
from typing import Any

from .points import GRADED, POINTS

#: The column headers of the graded functions (the names are too long for one line each).
SHORT = {
    "compute_content_cost": "content",
    "gram_matrix": "gram",
    "compute_layer_style_cost": "style",
    "total_cost": "total_cost",
    "model_nn": "model_nn",
}
#: How many different hints the summary shows.
TOP_HINTS = 5


def _n(value):
    return "%g" % value


def _points(row, name):
    for function in row.get("functions", []):
        if function["function"] == name:
            return function["points"]
    return 0.0


def _table(rows):
    headers = ["student", "total"] + [SHORT.get(name, name) for name in GRADED]
    lines = [
        [str(row["student"]), "%s/%s" % (_n(row["total"]), _n(row["max_total"]))]
        + ["%s/%s" % (_n(_points(row, name)), _n(POINTS[name])) for name in GRADED]
        for row in rows
    ]
    widths = [max(len(cells[k]) for cells in [headers] + lines) for k in range(len(headers))]

    def line(cells):
        first = cells[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:])]
        return "  ".join([first] + rest).rstrip()

    return [line(headers)] + [line(cells) for cells in lines]


def _hints(rows, width):
    counts = collections.Counter(
        " ".join(str(function["hint"]).split())
        for row in rows
        for function in row.get("functions", [])
        if function.get("status") != "passed" and function.get("hint")
    )
    if not counts:
        return []
    lines = ["most frequent hints (functions that did not pass):"]
    for hint, count in counts.most_common(TOP_HINTS):
        lead = "%4d x " % count
        lines += textwrap.wrap(
            hint,
            width=max(width, len(lead) + 20),
            initial_indent=lead,
            subsequent_indent=" " * len(lead),
            break_long_words=False,  # a hint is never cut: a long word overflows instead
            break_on_hyphens=False,
        )
    others = len(counts) - TOP_HINTS
    if others > 0:
        lines.append("  and %d other hint%s" % (others, "s" if others > 1 else ""))
    return lines


def _means(rows, width):
    count = len(rows)
    total = sum(row["total"] for row in rows) / count
    parts = [
        "%s %.1f/%s" % (name, sum(_points(row, name) for row in rows) / count, _n(POINTS[name]))
        for name in GRADED
    ]
    return textwrap.wrap(
        "mean total: %.1f/%s over %d submission%s; per function: %s"
        % (total, _n(rows[0]["max_total"]), count, "s" if count > 1 else "", ", ".join(parts)),
        width=max(width, 40),
        subsequent_indent="  ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def format_summary(rows: Iterable[Mapping[str, Any]], width: int = 100) -> str:
    """The teacher's table of ``rows`` (the graded submissions' results) as text.

    One line per student (``student  total  content  gram  style  total_cost  model_nn``,
    points as ``got/max``), the most frequent hints of the functions that did not pass, in
    full and wrapped to ``width``, then the means. Empty ``rows``: a one-line text.
    """
    rows = list(rows)
    if not rows:
        return "no submission graded"
    parts = [_table(rows), _hints(rows, width), _means(rows, width)]
    return "\n\n".join("\n".join(part) for part in parts if part)
