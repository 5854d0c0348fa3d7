"""The main job inside a notebook, drawn live in ONE output area.

:func:`run_live` runs an optimisation of the main job (:mod:`nst_course.demos.engine`: the
graph and loop of ``nst-course run``) and, every ``every`` iterations, replaces the content of
a single display (IPython's ``display_id``) with one picture: the current image, the three
cost curves so far (total J, J_content, J_style, log scale), and a line with the iteration,
the seconds per iteration and the time left. Drawn with matplotlib's Agg canvas into a PNG:
no pyplot state, no flicker of new cells. The course's ``model_nn`` is not involved.

Outside Jupyter (no IPython display) it runs the same and shows nothing; ``show`` may be any
callable taking ``(png_bytes, text)`` instead.
"""

import time
from dataclasses import dataclass, replace

import numpy as np

from ..images import to_uint8
from ..run.checks import check_options
from ..run.options import RunOptions
from ..run.plotting import cost_curves, new_figure, png_bytes
from ..run.progress import Progress, format_duration


@dataclass
class LiveResult:
    image: np.ndarray  # (H, W, 3) uint8
    rows: list  # [(iteration, total, content, style)]
    seconds: float
    updates: int  # how often the display was redrawn


def status_text(done, total, rate):
    """``'iteration 40/200, 0.52 s/iteration, 1:23 left'``."""
    parts = ["iteration %d/%d" % (done, total)]
    if rate is not None:
        parts.append("%.2f s/iteration" % rate)
        parts.append("%s left" % format_duration(rate * (total - done)) if done < total else "done")
    return ", ".join(parts)


def draw(image, rows, text, dpi=90):
    """PNG bytes: ``image`` (H, W, 3) uint8 on the left, the cost curves on the right,
    ``text`` as the title."""
    fig = new_figure(9.0, 3.4, dpi=dpi)
    ax_img = fig.add_axes([0.02, 0.05, 0.40, 0.80])
    ax_img.imshow(np.asarray(image, dtype=np.uint8), interpolation="nearest")
    ax_img.set_axis_off()
    ax = fig.add_axes([0.52, 0.16, 0.45, 0.69])
    if rows:
        cost_curves(ax, rows, ("total J", "content J_content", "style J_style"), markersize=2)
        if np.any(np.isfinite(np.array([r[1:] for r in rows], dtype=float))):
            ax.set_yscale("log")
        ax.legend(loc="upper right", fontsize=7)
    ax.set_xlabel("iteration", fontsize=8)
    ax.set_ylabel("cost (log scale)", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(True, alpha=0.3)
    fig.suptitle(text, fontsize=10)
    return png_bytes(fig)


class IPythonDisplay:
    """One display area, created on the first call and updated in place afterwards."""

    def __init__(self):
        self.handle = None

    def __call__(self, png, text):
        from IPython.display import Image, display

        class _Frame(Image):
            def __repr__(self):  # the text/plain of the display: the status line
                return "nst-course live: " + text

        frame = _Frame(data=png, format="png")
        if self.handle is None:
            self.handle = display(frame, display_id=True)
        else:
            self.handle.update(frame)


def _ipython_display():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return IPythonDisplay() if get_ipython() is not None else None


class LiveProgress(Progress):
    """The main job's :class:`~nst_course.run.progress.Progress` that redraws the live view
    every ``every`` iterations and at the end (nothing else is printed)."""

    def __init__(self, total, every, redraw):
        super().__init__(total, every=every, enabled=False)
        self.redraw = redraw

    def update(self, done):
        super().update(done)
        if self.done % self.every == 0 or self.done == self.total:
            self.redraw(self)


def run_live(content, style, iterations=200, every=10, show=None, weights=None, **options):
    """Run the main job on ``content`` and ``style`` (image paths) and watch it in one
    output area; returns a :class:`LiveResult`.

    ``every`` -- redraw every N iterations (and once at the start and at the end).
    ``options`` -- any other :class:`~nst_course.run.options.RunOptions` field (width, height,
    alpha, beta, seed, optimizer, style_layers...); the course's defaults otherwise.
    ``show(png_bytes, text)`` -- where frames go; default: an IPython display updated in place
    (nothing outside IPython).
    """
    from ..run.graph import prepare
    from .engine import train  # first: TensorFlow imported quietly

    opts = RunOptions(
        content=content,
        style=[style] if isinstance(style, str) else list(style),
        iterations=iterations,
        weights=weights,
        **options,
    )
    check_options(opts)
    prepared = prepare(opts)
    show = show if show is not None else _ipython_display()
    state = {"sess": None, "graph": None, "rows": [], "updates": 0}
    every = max(1, int(every))

    def redraw(progress):
        if show is None:
            return
        image = state["sess"].run(state["graph"].model["input"])
        text = status_text(progress.done, progress.total, progress.seconds_per_iteration())
        show(draw(to_uint8(image), state["rows"], text), text)
        state["updates"] += 1

    def on_session(sess, graph):
        state["sess"], state["graph"] = sess, graph
        if show is not None:  # the start image, before the first step
            text = status_text(0, opts.iterations, None)
            show(draw(_start_preview(opts, prepared), [], text), text)
            state["updates"] += 1

    def on_rows(rows):
        state["rows"] = list(rows)

    started = time.time()
    opts = replace(opts, print_every=every)
    progress = LiveProgress(opts.iterations, every, redraw)
    trained = train(opts, prepared, progress=progress, on_rows=on_rows, on_session=on_session)
    return LiveResult(trained.image, trained.rows, time.time() - started, state["updates"])


def _start_preview(opts, prepared):
    """The start image as uint8 (the same one the run starts from when ``seed`` is set)."""
    from ..run.graph import initial_image

    return to_uint8(initial_image(opts, prepared))
