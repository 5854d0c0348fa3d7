"""``{benchmark-table} NAME``: a table rendered at build time from benchmarks/results/NAME.json.

The benchmarks write their results as JSON (one file per benchmark, with the date, the CPU and
the load average of the run); the documentation shows them through this directive, so the
published tables are always the committed results and never a copy made by hand. Each known
file has a renderer below that picks the columns a reader compares; a file without one gets a
table of its top-level numbers. A missing or unreadable file fails the build.
"""

from __future__ import annotations

import json
import os
from typing import Any

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

RESULTS = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "benchmarks", "results"
)


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "%.*g" % (digits, value)
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v, digits) for v in value)
    if isinstance(value, dict):
        return ", ".join("%s %s" % (k, _fmt(v, digits)) for k, v in value.items())
    return str(value)


def _load(value: Any) -> str:
    return _fmt(value, 2) if value else "not recorded"


def speed(data: dict) -> tuple[str, list[str], list[list[str]]]:
    machine = data.get("machine", {})
    cpu = machine.get("cpu", {})
    caption = "%s; %s %s (family %s model %s), %s cores, %s; matmul %s GFLOP/s; load average %s" % (
        data.get("date", "undated"),
        cpu.get("vendor", machine.get("processor", "?")),
        cpu.get("model_name", ""),
        cpu.get("family", "?"),
        cpu.get("model", "?"),
        cpu.get("cpus", machine.get("cpus", "?")),
        machine.get("tensorflow", "TensorFlow ?"),
        _fmt(data.get("matmul_gflops")),
        _load(cpu.get("load_average_at_start")),
    )
    header = [
        "size",
        "ours s/step",
        "course graph",
        "modern (Keras)",
        "modern (tf.nn)",
        "PyTorch eager",
        "ours / fastest modern",
        "ours / PyTorch",
        "ours GFLOP/s (of matmul)",
    ]
    rows = []
    for size, s in data.get("sizes", {}).items():
        rows.append(
            [
                size,
                _fmt(s.get("ours_s_per_step")),
                _fmt(s.get("course_s_per_step")),
                _fmt(s.get("modern_keras_s_per_step")),
                _fmt(s.get("modern_tfnn_s_per_step")),
                _fmt(s.get("torch_eager_s_per_step")),
                _fmt(s.get("ratio_ours_modern")),
                _fmt(s.get("ratio_ours_torch")),
                "%s (%s)" % (_fmt(s.get("ours_gflops")), _fmt(s.get("fraction_of_matmul"), 2)),
            ]
        )
    return caption, header, rows


def batch(data: dict):
    caption = (
        "%s jobs of %sx%s, %s iterations, weights %s, %s cores; load average before %s, after %s"
        % (
            data.get("jobs"),
            data.get("size"),
            data.get("size"),
            data.get("iterations"),
            data.get("weights"),
            data.get("cpus"),
            _load(data.get("load_average_before")),
            _load(data.get("load_average_after")),
        )
    )
    header = [
        "round (order)",
        "separate runs",
        "batch 2 workers x 1 thread",
        "batch 1 worker x 2 threads",
        "2x1 / separate",
        "1x2 / separate",
    ]
    rows = []
    for k, r in enumerate(data.get("rounds", []), 1):
        sec, jpm = r.get("seconds", {}), r.get("jobs_per_minute", {})

        def cell(key, sec=sec, jpm=jpm):
            return "%s s, %s jobs/min" % (_fmt(sec.get(key)), _fmt(jpm.get(key), 2))

        rows.append(
            [
                "%d (%s)" % (k, ", ".join(r.get("order", []))),
                cell("separate"),
                cell("batch 2x1"),
                cell("batch 1x2"),
                _fmt(r.get("batch_2x1_over_separate")),
                _fmt(r.get("batch_1x2_over_separate")),
            ]
        )
    return caption, header, rows


def grade(data: dict):
    caption = "%s cores; the ratio of 2 workers to 1: %s" % (
        data.get("cores"),
        _fmt(data.get("ratio_2_over_1")),
    )
    header = [
        "workers",
        "students",
        "wall s",
        "submissions/min",
        "s per submission",
        "of it the student's code",
        "of it the grader's own",
    ]
    rows = [
        [
            _fmt(r.get(k))
            for k in (
                "workers",
                "students",
                "wall_s",
                "per_minute",
                "task_s",
                "student_code_s",
                "overhead_s",
            )
        ]
        for r in data.get("runs", [])
    ]
    return caption, header, rows


def tradeoff(data: dict):
    s = data.get("settings", {})
    caption = "%sx%s, %s %s iterations, %s style layers, weights %s" % (
        s.get("width"),
        s.get("height"),
        s.get("optimizer"),
        s.get("iterations"),
        s.get("depth"),
        s.get("weights"),
    )
    header = [
        "alpha/beta",
        "c (content given up)",
        "s (style given up)",
        "J_content",
        "J_style",
        "seconds",
    ]
    rows = [
        [
            "%g" % r["ratio"],
            "%.2f" % r["c"],
            "%.2f" % r["s"],
            _fmt(r.get("J_content")),
            _fmt(r.get("J_style")),
            _fmt(r.get("seconds")),
        ]
        for r in data.get("rows", [])
    ]
    return caption, header, rows


def _whole(rep: dict, ref: dict) -> str:
    """A repetition's whole run (builds and iterations) and its ratio to the reference's."""
    seconds, base = rep.get("total_seconds"), ref.get("seconds")
    if seconds is None or not base:
        return "-"
    return "%s s (%s)" % (_fmt(seconds), _fmt(seconds / base))


def quality(data: dict):
    header = [
        "run (date, load average at start)",
        "recipe",
        "options",
        "time to J200",
        "ratio to the course's run (median)",
        "J200 reached at iteration",
        "whole run (ratio)",
        "final J",
    ]
    rows = []
    for name, run in data.get("runs", {}).items():
        where = "%s (%s, %s)" % (
            name,
            run.get("date", "undated"),
            _load(run.get("machine", {}).get("load_average_at_start")),
        )
        race = run.get("race", {})
        ref = race.get("reference", {})
        rows.append(
            [
                where,
                ref.get("recipe", "course"),
                "-",
                "%s s (J200 = %s)" % (_fmt(ref.get("seconds")), _fmt(ref.get("J200"), 5)),
                "1",
                "199",
                "1",
                _fmt(ref.get("J200"), 5),
            ]
        )
        for cname, c in race.get("candidates", {}).items():
            reps = c.get("repetitions", [])
            rows.append(
                [
                    where,
                    cname,
                    _fmt((c.get("recipe") or {}).get("options") or c.get("options") or "preset"),
                    ", ".join("%s s" % _fmt(r.get("seconds")) for r in reps),
                    "%s (%s)"
                    % (_fmt(c.get("ratio_median")), ", ".join(_fmt(r.get("ratio")) for r in reps)),
                    ", ".join(_fmt(r.get("iteration")) for r in reps),
                    ", ".join(_whole(r, ref) for r in reps),
                    _fmt(reps[0].get("final_cost") if reps else None, 5),
                ]
            )
    return "each recipe until its total cost at the output size is at or below J200", header, rows


def memory(data: dict):
    """The ``--memory`` rows of bench_quality.py's runs: peak memory of each command."""
    header = ["run (date)", "command", "peak resident", "private", "adds (private)", "wall time"]
    rows = []
    for name, run in data.get("runs", {}).items():
        where = "%s (%s)" % (name, run.get("memory_date") or run.get("date", "undated"))
        for label, row in run.get("memory", {}).items():
            adds = row.get("adds_anon_mib")
            rows.append(
                [
                    where,
                    label,
                    "%.0f MiB" % row["peak_rss_mib"],
                    "%.0f MiB" % row["peak_anon_mib"],
                    "-" if adds is None else "%+.0f MiB" % adds,
                    "%.0f s" % row["total_s"],
                ]
            )
    return "peak memory, sampled every 50 ms, each command in a fresh process", header, rows


def history(data: dict, key: str):
    """A table kept as header and rows (measurements transcribed from earlier sessions)."""
    t = data["tables"][key]
    caption = "%s (%s; load average: %s). %s" % (
        t["title"],
        t["date"],
        t["load_average"],
        data.get("note", ""),
    )
    plain = [[cell.replace("`", "") for cell in row] for row in [t["header"]] + t["rows"]]
    return caption, plain[0], plain[1:]


def generic(data: dict):
    rows = [[k, _fmt(v)] for k, v in data.items() if not isinstance(v, (dict, list))]
    return "top-level values", ["key", "value"], rows


RENDERERS = {
    "speed": speed,
    "speed_onednn_off": speed,
    "batch": batch,
    "grade": grade,
    "tradeoff": tradeoff,
    "quality": quality,
}


def renderer(name: str):
    """The renderer of results/NAME.json: by its name, or by the name before its date
    (``quality-2026-12-02`` is a ``quality`` table), else :func:`generic`."""
    return RENDERERS.get(name) or RENDERERS.get(name.split("-")[0], generic)


def table(caption: str, header: list[str], rows: list[list[str]], source: str) -> nodes.table:
    tbl = nodes.table(classes=["benchmark-table"])
    title = nodes.title(text="%s: %s" % (source, caption))
    tbl += title
    group = nodes.tgroup(cols=len(header))
    tbl += group
    for _ in header:
        group += nodes.colspec(colwidth=1)
    head = nodes.thead()
    group += head
    body = nodes.tbody()
    group += body
    for target, cells in [(head, header)] + [(body, r) for r in rows]:
        row = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            entry += nodes.paragraph(text=str(cell))
            row += entry
        target += row
    return tbl


class BenchmarkTable(SphinxDirective):
    required_arguments = 1
    # the table's key, for files that hold several (history.json); ``memory`` for the
    # --memory rows of a bench_quality.py file
    optional_arguments = 1
    has_content = False

    def run(self):
        name = self.arguments[0]
        path = os.path.join(RESULTS, name + ".json")
        self.env.note_dependency(path)
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as exc:
            raise self.error("benchmark-table: cannot read %s: %s" % (path, exc)) from None
        if len(self.arguments) > 1 and self.arguments[1] == "memory" and "tables" not in data:
            caption, header, rows = memory(data)  # a bench_quality.py --memory file
        elif len(self.arguments) > 1:
            if self.arguments[1] not in data.get("tables", {}):
                raise self.error("benchmark-table: no table %r in %s" % (self.arguments[1], path))
            caption, header, rows = history(data, self.arguments[1])
        else:
            caption, header, rows = renderer(name)(data)
        return [table(caption, header, rows, "benchmarks/results/%s.json" % name)]


def setup(app):
    app.add_directive("benchmark-table", BenchmarkTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
