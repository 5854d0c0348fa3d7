"""The report files of the main job, the pictures people look at after a run.

    costs.png     the total, content and style cost per logged iteration, log scale
    summary.png   content | style | result side by side, the settings in the caption
    progress.gif  the saved frames ``<i>.png`` in order, then the final image

All are drawn without a display (matplotlib's Agg canvas, no pyplot state), written
atomically, and are byte-for-byte the same for the same inputs: PNG metadata carries no
software version or date.

For the notebook: :func:`echo_and_record_stdout` keeps a copy of what ``model_nn`` prints and
:func:`parse_cost_lines` turns the course's cost lines into rows for :func:`plot_costs`.
"""

import contextlib
import io
import os
import re
import sys

import imageio.v2 as imageio
import numpy as np

from ..files import atomic_write
from .plotting import cost_curves, new_figure, one_at_a_time, save_figure

_FRAME = re.compile(r"^(\d+)\.png$")


@one_at_a_time
def plot_costs(rows, path, title=None):
    """Write the cost curves (total, content, style against iteration, log y axis) to ``path``.

    ``rows`` are ``(iteration, total, content, style)`` tuples, e.g. ``CostLog.rows``.
    Costs that are 0 or negative cannot be shown on a log scale and are left out.
    """
    fig = new_figure(6.4, 4.0)
    ax = fig.add_subplot(1, 1, 1)
    rows = list(rows)
    labels = ("total cost J", "content cost J_content", "style cost J_style")
    cost_curves(ax, rows, labels, markersize=3)
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost (log scale)")
    ax.set_title(title or "Costs during the optimisation")
    ax.grid(True, which="major", alpha=0.3)
    if rows:
        ax.legend(loc="best")
    fig.tight_layout()
    return save_figure(fig, path)


@one_at_a_time
def summary_image(content, styles, result, path, caption=""):
    """Write ``content | style(s) | result`` side by side with ``caption`` underneath.

    ``content`` and ``result`` are (H, W, 3) uint8 arrays, ``styles`` a list of them.
    """
    panels = [("content", content)]
    for k, style in enumerate(styles):
        panels.append(("style" if len(styles) == 1 else "style %d" % (k + 1), style))
    panels.append(("result", result))
    height, width = np.shape(result)[:2]
    panel_w = 4.0
    panel_h = panel_w * height / float(width)
    caption_lines = max(1, caption.count("\n") + 1)
    fig = new_figure(panel_w * len(panels), panel_h + 0.45 + 0.25 * caption_lines)
    bottom = (0.15 + 0.25 * caption_lines) / fig.get_figheight()
    top = 1 - 0.35 / fig.get_figheight()
    fig.subplots_adjust(left=0.01, right=0.99, bottom=bottom, top=top, wspace=0.03)
    for k, (name, image) in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), k + 1)
        ax.imshow(np.asarray(image, dtype=np.uint8), interpolation="nearest")
        ax.set_title(name)
        ax.set_axis_off()
    if caption:
        fig.text(0.5, 0.08 / fig.get_figheight(), caption, ha="center", va="bottom", fontsize=9)
    return save_figure(fig, path)


def frame_paths(output_dir, iterations=None, save_every=None):
    """The saved frames ``<i>.png`` in ``output_dir``, in order of ``i``.

    With ``iterations`` and ``save_every`` only the frames this run saves are taken
    (``i < iterations``, ``i % save_every == 0``), so frames left in the directory by an
    earlier, longer run do not end up in the animation.
    """
    found = []
    for name in os.listdir(output_dir):
        match = _FRAME.match(name)
        if not match:
            continue
        i = int(match.group(1))
        if iterations is not None and i >= iterations:
            continue
        if save_every and i % save_every:
            continue
        found.append((i, os.path.join(output_dir, name)))
    return [path for _, path in sorted(found)]


def progress_gif(frames, path, final=None, seconds_per_frame=0.4, last_frame_seconds=1.5):
    """Write an endlessly looping GIF of ``frames`` (image paths or arrays), then ``final``.

    The last picture stays longer on screen. Frames of another size than the first are
    skipped (they cannot come from the same run).
    """
    images = [imageio.imread(f) if isinstance(f, (str, os.PathLike)) else f for f in frames]
    if final is not None:
        images.append(final)
    images = [np.asarray(im, dtype=np.uint8)[..., :3] for im in images]
    if not images:
        raise ValueError("no frames for %s" % path)
    images = [im for im in images if im.shape == images[0].shape]
    durations = [int(seconds_per_frame * 1000)] * len(images)
    durations[-1] = int(last_frame_seconds * 1000)
    if len(durations) == 1:  # Pillow writes a single frame as a still GIF: one number, not a list
        durations = durations[0]
    atomic_write(
        path, lambda tmp: imageio.mimwrite(tmp, images, format="GIF", duration=durations, loop=0)
    )
    return path


_COST_LINES = re.compile(
    r"Iteration (\d+) :\r?\ntotal cost = (\S+)\r?\ncontent cost = (\S+)\r?\n"
    r"style cost = (\S+)"
)


def parse_cost_lines(text):
    """The course's printed cost lines ("Iteration i :", "total cost = ...", ...) as rows
    ``(iteration, total, content, style)``, e.g. to plot what ``model_nn`` printed."""
    return [
        (int(m.group(1)),) + tuple(float(x) for x in m.groups()[1:])
        for m in _COST_LINES.finditer(text)
    ]


class _Echo:
    """A stdout that prints as usual and keeps a copy of the text."""

    def __init__(self, stream):
        self.stream = stream
        self.copy = io.StringIO()

    def write(self, text):
        self.copy.write(text)
        return self.stream.write(text)

    def flush(self):
        self.stream.flush()

    def getvalue(self):
        return self.copy.getvalue()


@contextlib.contextmanager
def echo_and_record_stdout():
    """Print as usual inside the block and keep a copy: ``with ... as printed: model_nn(...)``,
    then ``parse_cost_lines(printed.getvalue())``."""
    echo = _Echo(sys.stdout)
    with contextlib.redirect_stdout(echo):
        yield echo


def weights_label(weights):
    """A short name of the VGG weights for captions: ``'random (untrained)'`` or the file name."""
    source = str(getattr(weights, "source", weights) or "")
    if source.startswith("random"):
        return "random (untrained VGG-19)"
    return os.path.basename(source) or source


def caption_for(opts, weights=None):
    """The settings a summary states: cost weights, optimiser, iterations, VGG weights."""
    optimizer = getattr(opts, "optimizer", "adam")
    if optimizer == "lbfgs":
        optimiser = "L-BFGS"
    elif optimizer == "lbfgs-carry":
        optimiser = "carried L-BFGS"
    else:
        optimiser = "Adam, learning rate %g" % opts.learning_rate
    first = "alpha = %g, beta = %g, %d iterations, %s, noise ratio %g" % (
        opts.alpha,
        opts.beta,
        opts.iterations,
        optimiser,
        opts.noise_ratio,
    )
    second = "VGG weights: %s" % weights_label(weights)
    if getattr(opts, "seed", None) is not None:
        second += ", seed %d" % opts.seed
    return first + "\n" + second


def write_reports(opts, content, styles, result, rows, weights=None):
    """Write costs.png, summary.png and progress.gif into ``opts.output_dir``.

    ``content``/``styles``/``result`` are uint8 RGB arrays, ``rows`` the cost rows.
    Returns the paths written.
    """
    out = opts.output_dir
    written = [plot_costs(rows, os.path.join(out, "costs.png"))]
    written.append(
        summary_image(
            content,
            styles,
            result,
            os.path.join(out, "summary.png"),
            caption=caption_for(opts, weights),
        )
    )
    frames = frame_paths(out, opts.iterations, opts.save_every) if opts.save_every else []
    written.append(progress_gif(frames, os.path.join(out, "progress.gif"), final=result))
    return written
