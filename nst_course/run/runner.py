"""The main job behind ``nst-course run``: images in, stylised image and reports out.

With default options this is the course's pipeline (``build_graph`` + ``model_nn``'s loop):
CONFIG's 400x300, alpha 10, beta 40, Adam(2.0), 200 iterations, noise ratio 0.6, conv4_2 and
the five style layers, a save every 20 iterations; its costs are arranged for speed
(:mod:`nst_course.run.fastcosts`) and equal the course graph's to float32 rounding. Options
beyond the course are opt-in and leave that default result unchanged.

:func:`run` plans the run's stages (one, or several for coarse-to-fine:
:mod:`nst_course.run.schedule`), trains each with the one driver
(:func:`nst_course.run.stage.train_stage`), reporting to costs.csv (:class:`CostLog`), the
progress display, ``<i>.png`` frames (:class:`Frames`) and checkpoints, then writes
generated_image.jpg and the reports (:mod:`nst_course.run.outputs`).
"""

import csv
import io
import os
import time
from collections.abc import Callable, Collection
from typing import Any

import numpy as np

from ..files import write_text
from ..images import to_uint8
from . import schedule
from .checkpoint import Checkpoints
from .checks import check_options, check_output_dir, output_names
from .graph import Prepared, prepare, read_images, save_result
from .lbfgs import LBFGSState
from .options import RunOptions
from .outputs import write_reports
from .precision import resolve as resolve_precision
from .progress import Progress
from .schedule import Stage
from .stage import Reporting, print_line, say_lines, train_stage

__all__ = ["CostLog", "Frames", "RunOptions", "run"]


class CostLog:
    """Cost rows (iteration, total, content, style) kept in memory and as costs.csv."""

    HEADER = ("iteration", "total", "content", "style")

    def __init__(self, path: str) -> None:
        self.path = path
        self.rows: list = []

    def add(self, iteration: int, total: float, content: float, style: float) -> None:
        self.rows.append((int(iteration), float(total), float(content), float(style)))
        self.write()

    def reset(self, rows: list) -> None:
        self.rows = list(rows)
        self.write()

    def write(self) -> None:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.HEADER)
        for it, t, c, s in self.rows:
            writer.writerow((it, repr(t), repr(c), repr(s)))
        write_text(self.path, buf.getvalue())


class Frames:
    """The ``<i>.png`` saves of a run (a :class:`~nst_course.run.stage.FrameWriter`).

    At a coarse scale the image is first upsampled to the output size, so every frame (and so
    progress.gif) has the output's size; with ``--preserve-colors`` a frame takes the content
    image's colours."""

    def __init__(self, opts: RunOptions, content_rgb: np.ndarray, upsample: bool) -> None:
        self.opts, self.upsample = opts, upsample
        self.content_rgb = content_rgb if opts.preserve_colors else None

    def __call__(self, iteration: int, image: np.ndarray) -> None:
        opts = self.opts
        if self.upsample:
            image = schedule.upsample(image, opts.width, opts.height, opts.upsample)
        save_result(os.path.join(opts.output_dir, "%d.png" % iteration), image, self.content_rgb)


def resolve(opts: RunOptions, given: Collection[str] | None = None) -> RunOptions:
    """The options a run goes with: a preset's values (for the options not ``given``, see
    :func:`~nst_course.run.presets.apply_preset`), a checkpoint's options (``--resume``),
    ``iterations`` as the schedule's total."""
    if opts.preset:  # a named recipe (nst_course.run.presets)
        from .presets import apply_preset

        opts = apply_preset(opts, given=given)
    if opts.resume:  # the saved run's options (nst_course.run.checkpoint)
        from .checkpoint import resume_options

        opts = resume_options(opts)
    return schedule.with_total(opts)


def run(opts: RunOptions, given: Collection[str] | None = None) -> np.ndarray:
    """Run the main job with :class:`RunOptions`; returns the final image (H, W, 3) uint8.
    ``given``: the options the user gave on the command line (a preset leaves them alone).

    Writes the course's cost lines, ``<i>.png``, costs.csv (ending with the costs of the
    saved image), generated_image.jpg, costs.png, summary.png and progress.gif, and with
    ``--checkpoint-every`` the resumable state.
    """
    started = time.time()
    opts = resolve(opts, given)
    check_options(opts)  # before any work (nst_course.run.checks)
    check_output_dir(opts.output_dir, output_names(opts))
    full = prepare(opts)
    os.makedirs(opts.output_dir, exist_ok=True)
    log = CostLog(os.path.join(opts.output_dir, "costs.csv"))
    progress = Progress(opts.iterations, every=opts.print_every, enabled=not opts.quiet)
    say = None if opts.quiet else print_line
    if resolve_precision(opts.precision) == "bfloat16":  # the printed costs are computed in it
        say_lines(say, "Computing in bfloat16 on this CPU's bfloat16 units (--precision)")
    try:
        image = _train(opts, full, log, progress, say)
    finally:
        progress.close()
    path = os.path.join(opts.output_dir, "generated_image.jpg")
    save_result(path, image, full.content_rgb if opts.preserve_colors else None)
    result = to_uint8(image)
    if opts.preserve_colors:
        from .colors import preserve_colors

        result = preserve_colors(full.content_rgb, result)
    write_reports(opts, full.content_rgb, full.style_rgbs, result, log.rows, weights=full.weights)
    say_lines(say, "Done in %.1f s: %s" % (time.time() - started, path))
    if log.rows:  # the saved image's costs (costs.csv's last row)
        say_lines(say, "Its costs (iteration %d): total %s, content %s, style %s" % log.rows[-1])
    say_lines(say, "Also written there: costs.csv, costs.png, summary.png, progress.gif")
    return result


def _train(
    opts: RunOptions,
    full: Prepared,
    log: CostLog,
    progress: Progress,
    say: Callable[[str], None] | None,
) -> np.ndarray:
    """Train the run's stages in turn, each from the last one's image (upsampled) and with
    what its optimiser handed on (``--optimizer lbfgs-carry``'s step scaling)."""
    stages = schedule.plan(opts)
    first, ckpt = schedule.resume_stage(opts, stages) if opts.resume else (0, None)
    image: np.ndarray | None = None
    carry: LBFGSState | None = None  # a checkpoint does not keep it: a resumed stage has none
    for stage in stages[first:]:
        here = ckpt if ckpt is not None and stage.index == first else None  # resume this one
        last = stage is stages[-1]
        if here is not None and here.iteration == stage.end and not last:
            image = here.variables["input"]  # the checkpoint closed its scale: go on from it
            log.reset([row for row in here.cost_rows if row[0] < here.iteration])
            continue
        if len(stages) > 1:
            say_lines(say, schedule.describe_stage(stage, len(stages)))
        prepared = full if last else read_images(opts, stage.width, stage.height, full.weights)
        start: np.ndarray | None = None
        if image is not None:
            start = schedule.upsample(image, stage.width, stage.height, opts.upsample)
        else:  # the start image (--init), or anything: replaced by the checkpoint's
            start = prepared.content if here is not None else None
        report = Reporting(
            log,
            progress,
            frames=Frames(opts, full.content_rgb, upsample=not last) if opts.save_every else None,
            checkpoints=_checkpoints(opts, stage, len(stages)),
            say=say,
            interrupted=True,
        )
        result = train_stage(
            opts,
            stage,
            prepared,
            report,
            start_image=start,
            resume=opts.resume if here is not None else None,
            final_row=last,
            on_session=_dropping(full.weights) if last else None,
            carry=carry,
        )
        image, carry = result.image, result.carry
    assert image is not None, "a run has at least one stage"
    return image


def _checkpoints(opts: RunOptions, stage: Stage, count: int) -> Checkpoints | None:
    """With ``--checkpoint-every``: the writer, recording the scale in a coarse-to-fine run."""
    if not opts.checkpoint_every:
        return None
    return Checkpoints(opts, scale=stage.index if count > 1 else None)


def _dropping(weights: Any) -> Callable[[Any, Any], None]:
    """The last stage's graph holds the weights once built: free the arrays it was built from."""
    return lambda sess, graph: weights.drop_arrays()
