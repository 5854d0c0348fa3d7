"""The one optimisation driver: :func:`train_stage` trains one stage of a run.

Everything that optimises an image calls it: ``nst-course run`` (a single-scale run is a
schedule of one stage), the coarse-to-fine schedule (one call per scale,
:mod:`nst_course.run.runner`), a figure panel and the live view (:mod:`nst_course.demos`), and
through ``run`` each batch job. A call builds the stage's graph in a fresh ``tf.Graph``
(seeded with ``--seed``), runs iterations ``stage.first .. stage.end - 1`` with Adam or
L-BFGS, one step at a time under :class:`~nst_course.run.safety.StepWatch` (NaN/Inf cost,
Ctrl-C between two iterations), and reports through small collaborators each caller chooses
(:class:`Reporting`):

    CostLog           rows (iteration, J, J_content, J_style): costs.csv, or in memory
    StageProgress     iterations done: a tqdm bar, plain lines, the live view's redraw
    FrameWriter       the ``<i>.png`` saves (upsampled to the output size at a coarse scale)
    CheckpointWriter  the resumable state every ``--checkpoint-every`` iterations

The cost lines are the course's ("Iteration i :", "total cost = ...", ...), with the costs
after step i, as ``model_nn`` prints them (:class:`CostLines`). The image a stage ends with
always gets its cost row (the last one, even when it is not a print step), so the log ends
with the costs of the image that is saved.
"""

import dataclasses
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from .._tf import tf
from ..vgg import release_weight_values
from .blas import one_blas_thread
from .graph import Prepared, RunGraph, build, initial_image
from .lbfgs import LBFGS, LBFGSState, Stepper
from .options import RunOptions
from .precision import session_config
from .safety import StepWatch, save_on_interrupt
from .schedule import Stage

tf1 = tf.compat.v1

#: A cost row: (iteration, total J, J_content, J_style).
Row = tuple[int, float, float, float]


class CostLog(Protocol):
    """Where the cost rows go (costs.csv: ``runner.CostLog``; in memory: :class:`MemoryLog`)."""

    rows: list

    def add(self, iteration: int, total: float, content: float, style: float) -> None: ...

    def reset(self, rows: list) -> None:
        """Replace the rows (a resumed run: the checkpoint's)."""


class StageProgress(Protocol):
    """Iterations done (``runner``'s :class:`~nst_course.run.progress.Progress`, the live
    view's redraw). The caller closes it: one display may span several stages."""

    def start(self, done: int = 0) -> None: ...

    def update(self, done: int) -> None: ...

    def clear(self) -> None:
        """Make room for a printed line."""


class FrameWriter(Protocol):
    """Saves the image of iteration ``i`` (a ``<i>.png``)."""

    def __call__(self, iteration: int, image: np.ndarray) -> None: ...


class CheckpointWriter(Protocol):
    """Writes the resumable state after ``done`` iterations; returns the directory to
    ``--resume`` from."""

    def save(self, sess: Any, done: int, rows: list) -> str: ...


class MemoryLog:
    """Cost rows kept in memory; ``on_add(rows)`` is called after each new row."""

    def __init__(self, on_add: Callable[[list], None] | None = None) -> None:
        self.rows: list = []
        self.on_add = on_add

    def add(self, iteration: int, total: float, content: float, style: float) -> None:
        self.rows.append((int(iteration), float(total), float(content), float(style)))
        if self.on_add is not None:
            self.on_add(self.rows)

    def reset(self, rows: list) -> None:
        self.rows = list(rows)


class NoProgress:
    """No display at all."""

    def start(self, done: int = 0) -> None:
        pass

    def update(self, done: int) -> None:
        pass

    def clear(self) -> None:
        pass


@dataclass
class Reporting:
    """A stage's collaborators. ``say`` prints a line (None: quiet); ``interrupted``: on
    Ctrl-C/SIGTERM save ``interrupted.png`` (and, with ``checkpoints``, the state) in the
    output directory, as ``nst-course run`` does."""

    log: CostLog
    progress: StageProgress = field(default_factory=NoProgress)
    frames: FrameWriter | None = None
    checkpoints: CheckpointWriter | None = None
    say: Callable[[str], None] | None = None
    interrupted: bool = False


@dataclass
class StageResult:
    """The image a stage ends with (1, H, W, 3), normalised, and its (J, J_content, J_style);
    ``end``: one past the last iteration run (``stage.end``, or earlier when ``--stop-below``
    ended the stage); ``carry``: what the optimiser hands to the next stage
    (``--optimizer lbfgs-carry``'s step scaling; None for the others)."""

    image: np.ndarray
    final: tuple
    end: int
    carry: LBFGSState | None = None


class CostLines:
    """The cost lines and saves of the iteration loop, each from the right forward pass.

    The course prints the costs *after* step i (``model_nn`` runs the train step, then J).
    Adam's next step computes exactly those costs in its own forward pass, so the line (and
    save) of iteration i is written from step i + 1's run (:attr:`StepWatch.before`) instead of
    an extra forward pass; :meth:`flush` makes that pass only where no next step comes (the
    last iteration, a checkpoint, an interruption) and for L-BFGS.
    """

    def __init__(self, opts: RunOptions, graph: RunGraph, sess: Any, report: Reporting) -> None:
        self.opts, self.graph, self.sess, self.report = opts, graph, sess, report
        self.pending: tuple | None = None  # (iteration, want_costs, want_save) to write

    def due(self, i: int, deferred: bool) -> None:
        """Iteration ``i`` is done: write its line/save now or (``deferred``) after the next step."""
        want_costs = i % self.opts.print_every == 0
        want_save = self.report.frames is not None and (
            self.opts.save_every > 0 and i % self.opts.save_every == 0
        )
        if want_costs or want_save:
            self.pending = (i, want_costs, want_save)
            if not deferred:
                self.flush()

    def from_step(self, before: tuple | None) -> None:
        """The next step ran: ``before`` = (total, content, style, image) of the pending one."""
        if self.pending is not None and before is not None:
            self.write(*self.pending, *before)

    def flush(self) -> None:
        """Write a pending line/save with a forward pass of its own (L-BFGS: the costs its
        last evaluation read, when that was of the image the variable holds)."""
        if self.pending is not None:
            self.write(*self.pending, *costs_and_image(self.sess, self.graph))

    def write(
        self,
        i: int,
        want_costs: bool,
        want_save: bool,
        Jt: float,
        Jc: float,
        Js: float,
        image: np.ndarray,
    ) -> None:
        self.pending = None
        report = self.report
        if want_costs:
            report.log.add(i, Jt, Jc, Js)
            report.progress.clear()
            say_lines(
                report.say,
                "Iteration " + str(i) + " :",
                "total cost = " + str(Jt),
                "content cost = " + str(Jc),
                "style cost = " + str(Js),
            )
        if want_save and report.frames is not None:
            report.frames(i, image)


def costs_and_image(sess: Any, graph: RunGraph) -> tuple:
    """(J, J_content, J_style, image) of the image in ``model['input']``: for L-BFGS the
    values its last evaluation fetched with dJ/dG, if that evaluation was of this image (it
    is after an accepted step), else a forward pass."""
    if isinstance(graph.train_step, LBFGS):
        image = sess.run(graph.model["input"])
        costs = graph.train_step.costs_of(image)
        if costs is not None and len(costs) == 3:
            return (*costs, image)
    return tuple(sess.run([graph.J, graph.J_content, graph.J_style, graph.model["input"]]))


def say_lines(say: Callable[[str], None] | None, *lines: str) -> None:
    """Each line through ``say`` (nothing when it is None: a quiet run)."""
    if say is not None:
        for line in lines:
            say(line)


def print_line(line: str) -> None:
    """``say`` of a run that is not quiet: the line on stdout, at once."""
    print(line, flush=True)


def stage_options(opts: RunOptions, stage: Stage, resume: str | None = None) -> RunOptions:
    """``opts`` for a run of ``stage`` alone: its size, iterations up to its end, one scale."""
    return dataclasses.replace(
        opts,
        width=stage.width,
        height=stage.height,
        iterations=stage.end,
        scales=[1.0],
        scale_iterations=None,
        resume=resume,
    )


def train_stage(
    opts: RunOptions,
    stage: Stage,
    prepared: Prepared,
    report: Reporting,
    *,
    start_image: np.ndarray | None = None,
    resume: str | None = None,
    final_row: bool = True,
    on_session: Callable[[Any, RunGraph], None] | None = None,
    carry: LBFGSState | None = None,
) -> StageResult:
    """Train ``stage`` of the run ``opts`` on ``prepared`` (images at the stage's size).

    ``start_image`` -- (1, H, W, 3) to start from (None: :func:`initial_image`, ``--init``);
    ``resume`` -- a checkpoint to continue (its image, optimiser state and cost rows);
    ``final_row`` -- log the costs of the image the stage ends with when the last iteration
    is not a print step (the last stage of a run: the costs of the saved image);
    ``on_session(sess, graph)`` -- called once the graph is built, before the first step;
    ``carry`` -- the :attr:`StageResult.carry` of the stage before (``--optimizer lbfgs-carry``).
    Returns a :class:`StageResult`.
    """
    stage_opts = stage_options(opts, stage, resume)
    graph_tf = tf.Graph()
    with graph_tf.as_default():
        if opts.seed is not None:
            tf1.set_random_seed(opts.seed)
        with tf1.Session(graph=graph_tf, config=session_config(opts.precision)) as sess:
            graph = build(stage_opts, prepared, sess)
            release_weight_values(graph_tf)
            if start_image is None:
                start_image = initial_image(stage_opts, prepared)
            if on_session is not None:
                on_session(sess, graph)
            lines = CostLines(stage_opts, graph, sess, report)
            guard = save_on_interrupt(
                opts,
                sess,
                graph,
                _state_saver(report, sess, lines),
                on_error=lambda: _stop_reporting(lines, report),
                keep=report.interrupted,
            )
            with guard:
                image, end, handed = _iterate(
                    stage_opts, stage, graph, sess, start_image, lines, carry
                )
            final = tuple(float(v) for v in costs_and_image(sess, graph)[:3])
    rows = report.log.rows
    if final_row and end > stage.first and (not rows or rows[-1][0] != end - 1):
        report.log.add(end - 1, *final)
    return StageResult(image, final, end, handed)


def _iterate(
    opts: RunOptions,
    stage: Stage,
    graph: RunGraph,
    sess: Any,
    start_image: np.ndarray,
    lines: CostLines,
    carry: LBFGSState | None,
) -> tuple[np.ndarray, int, LBFGSState | None]:
    """The loop: iterations ``stage.first`` (or a checkpoint's) .. ``stage.end - 1``, or
    fewer when the L-BFGS stepper ends the stage (``--stop-below``); returns the image after
    the last one, one past that iteration, and what the stepper hands on."""
    report = lines.report
    sess.run(tf1.global_variables_initializer())
    sess.run(graph.model["input"].assign(start_image))
    start = stage.first
    if opts.resume:  # beyond the course: continue a checkpointed run (nst_course.run.checkpoint)
        from .checkpoint import restore

        start = restore(opts.resume, sess, report.log)
    stepper: Stepper | None = None
    if isinstance(graph.train_step, LBFGS):  # one L-BFGS iteration per step (.lbfgs)

        def say(line: str) -> None:
            report.progress.clear()
            say_lines(report.say, line)

        stepper = graph.train_step.stepper(sess, opts.iterations - start, say=say, carry=carry)
    with one_blas_thread():  # L-BFGS's NumPy algebra must not spin on TensorFlow's cores
        return _loop(opts, graph, sess, lines, start, stepper)


def _loop(
    opts: RunOptions,
    graph: RunGraph,
    sess: Any,
    lines: CostLines,
    start: int,
    stepper: "Stepper | None",
) -> tuple[np.ndarray, int, LBFGSState | None]:
    """The iterations of :func:`_iterate` from ``start``, with Adam or ``stepper``."""
    report = lines.report
    watch = StepWatch(opts, sess, graph)
    deferred = stepper is None and watch.image_read is not None
    report.progress.start(done=start)
    end = opts.iterations
    for i in range(start, opts.iterations):
        if stepper is None:
            watch.step(i)  # Adam's train_step, watched for NaN/Inf cost (nst_course.run.safety)
            lines.from_step(watch.before)
        else:
            watch.step(i, run=stepper.step)
        lines.due(i, deferred and i + 1 < opts.iterations)  # the last one: no next step
        if opts.checkpoint_every and (i + 1) % opts.checkpoint_every == 0:
            lines.flush()
            if report.checkpoints is not None:
                report.checkpoints.save(sess, i + 1, report.log.rows)
        report.progress.update(i + 1)
        if stepper is not None and stepper.stopped:  # --stop-below: the stage ends here
            end = i + 1
            break
    if stepper is None:
        return sess.run(graph.model["input"]), end, None
    stepper.close()
    return sess.run(graph.model["input"]), end, stepper.state()


def _stop_reporting(lines: CostLines, report: Reporting) -> None:
    """The stage stops early: on Ctrl-C/SIGTERM write a cost line still waiting for its next
    step (best effort; after an error, such as a NaN cost, the image may not be worth it),
    then make room for the message."""
    if isinstance(sys.exc_info()[1], KeyboardInterrupt):
        try:
            lines.flush()
        except Exception:  # noqa: BLE001 - never hide why the run stopped
            pass
    report.progress.clear()


def _state_saver(report: Reporting, sess: Any, lines: CostLines) -> Callable[[Any], str] | None:
    """On Ctrl-C/SIGTERM with checkpoints on: ``save_state(watch)`` writing the resumable
    state after the iterations done, returning the directory to resume from."""
    checkpoints = report.checkpoints
    if checkpoints is None or not report.interrupted:
        return None

    def save_state(watch: Any) -> str:
        lines.flush()
        return checkpoints.save(sess, watch.done, report.log.rows)

    return save_state
