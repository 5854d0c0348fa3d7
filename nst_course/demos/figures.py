"""The paper's figures as grids of panels (Gatys et al. 2015, Figures 1 and 3).

``layers`` (Figure 1): what each VGG layer keeps of an image. Every panel starts from white
noise (the course's noise image with noise ratio 1: uniform in [-20, 20] around the mean
pixel) and minimises one cost only::

    content row, layer l in conv1_2 ... conv5_2:   J = J_content^[l](C, G)            (beta = 0)
    style row, the first k of conv1_1 ... conv5_1:  J = sum_{l <= k} (1/k) J_style^[l](S, G)  (alpha = 0)

``tradeoff`` (Figure 3): the full cost J = alpha J_content(conv4_2) + beta J_style with the
ratio alpha / beta per column (alpha is the course's 10, beta = alpha / ratio) and the style
layers conv1_1 ... conv_k_1 (equal weights 1/k) per row, from the course's noisy start.

Every panel is an optimisation of the main job (:mod:`nst_course.demos.engine`), run in this
process or as a task of the batch engine on Dask (:mod:`nst_course.batch.cluster`); each is
written as a PNG of its own next to the grid, and a panel whose file was rendered with the
same settings is reused (:mod:`nst_course.demos.panels`).
"""

import contextlib
import os
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..errors import NSTError, OptionError
from .panels import Panel, Rendered, options_dict, panel_key, read_panel, render_panel, write_panel

CONTENT_LAYERS = ["conv1_2", "conv2_2", "conv3_2", "conv4_2", "conv5_2"]
STYLE_LAYERS = ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"]
#: alpha / beta of the tradeoff figure's columns, content-dominated to style-dominated for the
#: course's normalisation (measured: benchmarks/bench_tradeoff.py, README "Teaching demos").
RATIOS = [1e6, 1e4, 1e2, 1.0]
DEPTHS = [1, 3, 5]
#: the figures' default size and length: a few minutes for a class on a laptop CPU.
WIDTH, HEIGHT, ITERATIONS = 128, 96, 100
ALPHA = 10.0  # the course's alpha; the tradeoff figure sets beta = alpha / ratio


@dataclass
class Settings:
    """What every panel of a figure shares."""

    width: int = WIDTH
    height: int = HEIGHT
    iterations: int = ITERATIONS
    optimizer: str = "lbfgs"  # the paper's; Adam needs many more steps to leave the noise
    learning_rate: float = 2.0
    seed: int = 0
    pooling: str = "avg"

    def run_options(self, **panel):
        """The :class:`~nst_course.run.runner.RunOptions` of one panel."""
        from ..run.runner import RunOptions

        return RunOptions(
            width=self.width,
            height=self.height,
            iterations=self.iterations,
            optimizer=self.optimizer,
            learning_rate=self.learning_rate,
            seed=self.seed,
            pooling=self.pooling,
            print_every=max(1, self.iterations // 20),
            **panel,
        )


@dataclass
class Figure:
    """A grid of panels and how to label it."""

    kind: str  # 'layers' or 'tradeoff'
    title: str
    panels: list
    row_labels: list
    col_labels: list = field(default_factory=list)
    note: str = ""  # the figure's own line of the caption
    inputs: bool = True  # a first column with the content and style images

    @property
    def shape(self):
        return len(self.row_labels), 1 + max(p.col for p in self.panels)


def _layer_set_label(names):
    return names[0] if len(names) == 1 else "%s ... %s" % (names[0], names[-1])


def layers_figure(content_layers=None, style_layers=None):
    """Figure 1: a content reconstruction per content layer, a style reconstruction per
    growing set of style layers (equal weights)."""
    content_layers = list(content_layers or CONTENT_LAYERS)
    style_layers = list(style_layers or STYLE_LAYERS)
    panels = []
    for col, layer in enumerate(content_layers):
        panels.append(
            Panel(
                "content-%s" % layer,
                0,
                col,
                layer,
                dict(
                    alpha=1.0,
                    beta=0.0,
                    content_layer=layer,
                    style_layers=[(style_layers[0], 1.0)],
                    noise_ratio=1.0,
                ),
                own="content",
            )
        )
    for col in range(len(style_layers)):
        names = style_layers[: col + 1]
        panels.append(
            Panel(
                "style-%s" % "-".join(names),
                1,
                col,
                _layer_set_label(names),
                dict(
                    alpha=0.0,
                    beta=1.0,
                    content_layer=names[0],
                    style_layers=[(n, 1.0 / len(names)) for n in names],
                    noise_ratio=1.0,
                ),
                own="style",
            )
        )
    return Figure(
        "layers",
        "What each layer keeps (Gatys et al. 2015, Figure 1)",
        panels,
        ["content from", "style from"],
        note="Each panel starts from white noise and minimises one cost: the content "
        "cost at one layer (top) or the style cost of a set of layers (bottom).",
    )


def format_ratio(ratio):
    return "%g" % ratio


def tradeoff_figure(ratios=None, depths=None, style_layers=None, content_layer="conv4_2"):
    """Figure 3: columns alpha/beta = ``ratios``, rows the first ``depth`` style layers."""
    ratios = list(RATIOS if ratios is None else ratios)
    depths = list(DEPTHS if depths is None else depths)
    style_layers = list(style_layers or STYLE_LAYERS)
    for ratio in ratios:
        if not ratio > 0 or not np.isfinite(ratio):
            raise OptionError("--ratios: %r must be a number greater than 0 (alpha / beta)" % ratio)
    for depth in depths:
        if not 1 <= depth <= len(style_layers):
            raise OptionError(
                "--depths: %r must be between 1 and %d (the number of style "
                "layers)" % (depth, len(style_layers))
            )
    panels = []
    for row, depth in enumerate(depths):
        names = style_layers[:depth]
        for col, ratio in enumerate(ratios):
            panels.append(
                Panel(
                    "ratio%s-depth%d" % (format_ratio(ratio), depth),
                    row,
                    col,
                    "%s, a/b %s" % (_layer_set_label(names), format_ratio(ratio)),
                    dict(
                        alpha=ALPHA,
                        beta=ALPHA / ratio,
                        content_layer=content_layer,
                        style_layers=[(n, 1.0 / depth) for n in names],
                    ),
                )
            )
    return Figure(
        "tradeoff",
        "Content against style (Gatys et al. 2015, Figure 3)",
        panels,
        ["style %s" % _layer_set_label(style_layers[:d]) for d in depths],
        ["alpha/beta = %s" % format_ratio(r) for r in ratios],
        note="Columns: the ratio alpha/beta (alpha = %g, content layer %s); rows: "
        "the style layers, equal weights." % (ALPHA, content_layer),
    )


# --------------------------------------------------------------------------- checks


def check(figure, settings, output):
    """The main job's checks (:func:`nst_course.run.checks.check_options`: layer names, size,
    iterations...) for every panel, and the output's; before any work and without TensorFlow."""
    from types import SimpleNamespace

    from ..images import MAX_PIXELS
    from ..run.checks import check_options, check_output_dir

    if not str(output).lower().endswith(".png"):
        raise OptionError("--output %s: the figure is a PNG; give a path ending in .png" % output)
    if settings.optimizer not in ("adam", "lbfgs"):
        raise OptionError("--optimizer %s: not adam or lbfgs" % settings.optimizer)
    for panel in figure.panels:
        # the values of a panel's RunOptions that the checks read (Settings.run_options)
        fields = dict(
            width=settings.width,
            height=settings.height,
            iterations=settings.iterations,
            print_every=1,
            save_every=0,
            learning_rate=settings.learning_rate,
            noise_ratio=0.6,
            tv_weight=0.0,
            style_scale=1.0,
            checkpoint_every=0,
            max_pixels=MAX_PIXELS,
            style=["-"],
            pooling=settings.pooling,
        )
        fields.update(panel.options)
        check_options(SimpleNamespace(**fields))
    directory = os.path.dirname(os.path.abspath(output))
    check_output_dir(
        directory,
        [os.path.basename(output)]
        + [os.path.basename(panel_path(output, p)) for p in figure.panels],
    )


def panel_path(output, panel):
    """The panel's own file, beside the grid: ``<grid stem>-<panel name>.png``."""
    stem = os.path.splitext(os.fspath(output))[0]
    return "%s-%s.png" % (stem, panel.name)


# --------------------------------------------------------------------------- rendering


@dataclass
class Result:
    path: str
    rendered: list  # [Rendered], in the figure's panel order
    seconds: float = 0.0

    @property
    def panel_paths(self):
        return [r.path for r in self.rendered]


def weights_source(weights=None):
    """The weights every panel uses, resolved once: a path or 'random' (untrained; a warning
    on stderr when nothing was found, as ``nst-course run`` does), and a label for captions."""
    import sys

    from ..run.outputs import weights_label
    from ..weights import find_weights, untrained_warning

    found = find_weights(weights)
    if found is None:
        print(untrained_warning(), file=sys.stderr, flush=True)
        found = "random"
    return found, weights_label(found)


def weights_id(source):
    """What identifies a weight set in a panel's key: 'random' or the file's path, size, time."""
    if source == "random":
        return "random"
    st = os.stat(source)
    return [os.path.abspath(source), int(st.st_size), int(st.st_mtime_ns)]


def _panel_options(settings, panel):
    data = options_dict(settings.run_options(**panel.options))
    for name in (
        "content",
        "style",
        "output_dir",
        "weights",
        "quiet",
        "save_every",
        "checkpoint_every",
        "resume",
        "require_pretrained",
        "max_pixels",
        "low_memory",
    ):
        data.pop(name, None)
    return data


def render(
    figure,
    content,
    style,
    output,
    settings=None,
    weights=None,
    workers=None,
    scheduler=None,
    progress=True,
    stream=None,
):
    """Render ``figure`` from the image files ``content`` and ``style`` into ``output`` (PNG).

    ``workers`` -- 0: every panel in this process, one after the other; N: an embedded Dask
    cluster of N single-threaded worker processes; None: in this process when at most one
    panel is left to render, else an embedded cluster split as the batch engine splits this
    machine's cores (:func:`nst_course.batch.cluster.default_split`).
    ``scheduler`` -- the address of an existing Dask scheduler to run the panels on.
    ``progress`` -- a bar over the panels (a terminal or Jupyter) or plain lines (a log).
    Panels whose files were rendered with the same settings are reused. Returns a
    :class:`Result`.
    """
    from ..images import load_image

    started = time.time()
    settings = settings or Settings()
    check(figure, settings, output)
    from . import engine  # noqa: F401  (TensorFlow imported quietly, before the main job's modules)

    content_rgb = load_image(content, settings.width, settings.height)
    style_rgb = load_image(style, settings.width, settings.height)
    source, label = weights_source(weights)
    wid = weights_id(source)
    rendered, todo = {}, {}
    for panel in figure.panels:
        options = _panel_options(settings, panel)
        key = panel_key(options, content_rgb, style_rgb, wid)
        path = panel_path(output, panel)
        found = read_panel(path, key)
        if found is not None:
            rendered[panel.name] = Rendered(panel, found[0], found[1], found[2], path, True)
        else:
            todo[panel.name] = (
                panel,
                key,
                path,
                {"options": options, "content": content_rgb, "style": style_rgb, "weights": source},
            )
    report = _Report(len(figure.panels), len(rendered), progress, stream)
    try:
        for name, result in _run(todo, workers, scheduler):
            panel, key, path, _ = todo[name]
            done = Rendered(
                panel,
                result["image"],
                tuple(result["start"]),
                tuple(result["final"]),
                path,
                False,
                result.get("rows", []),
            )
            write_panel(path, done, key)
            rendered[name] = done
            report.panel_done(panel)
    finally:
        report.close()
    ordered = [rendered[p.name] for p in figure.panels]
    compose(figure, ordered, content_rgb, style_rgb, output, caption(figure, settings, label))
    return Result(os.fspath(output), ordered, time.time() - started)


def _run(todo, workers, scheduler):
    """Yield (panel name, result dict) as the panels finish."""
    if not todo:
        return
    if scheduler is None and (workers == 0 or (workers is None and len(todo) <= 1)):
        for name, (_, _, _, payload) in todo.items():
            yield name, render_panel(payload)
        return
    from ..batch.cluster import TaskFailed, connect, default_split, run_tasks
    from ..run.safety import deferred_signals

    if scheduler:  # an existing cluster: its workers as they are
        count = threads = None
    elif workers:  # N single-threaded worker processes
        count, threads = min(workers, len(todo)), 1
    else:  # the batch engine's split of this machine's cores
        count, threads = default_split()
        count = min(count, len(todo))
    with contextlib.ExitStack() as stack:
        # Ctrl-C while the cluster starts takes effect once it has started, so that it is
        # closed cleanly (a second Ctrl-C stops at once); Dask's note that its dashboard
        # port is taken by another cluster is of no use here.
        with deferred_signals(), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Port .* is already in use")
            client = stack.enter_context(
                connect(scheduler=scheduler, workers=count, threads_per_worker=threads)
            )
        payloads = {name: item[3] for name, item in todo.items()}
        for name, result in run_tasks(client, render_panel, payloads):
            if isinstance(result, TaskFailed):  # the finished panels are on disk already
                raise PanelError(
                    "panel %s failed on a worker (%s: %s); the panels done so far "
                    "are kept and reused by the next run"
                    % (name, result.error_type, result.message)
                )
            yield name, result


class PanelError(NSTError):
    """A panel's task raised on a Dask worker."""


class _Report:
    """Progress over the panels: a tqdm bar, or a plain line per panel in a log."""

    def __init__(self, total, reused, enabled, stream):
        import sys

        from .. import _progress

        self.stream = sys.stdout if stream is None else stream
        self.total, self.done, self.enabled = total, reused, enabled
        self.bar = None
        if enabled:
            self.bar = _progress.bar(
                total, self.stream, initial=reused, desc="panels", unit="panel"
            )
            if self.bar is None and reused:
                self._line("%d of %d panels reused from an earlier run" % (reused, total))

    def _line(self, text):
        self.stream.write(text + "\n")
        self.stream.flush()

    def panel_done(self, panel):
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        elif self.enabled:
            self._line("panel %d/%d: %s" % (self.done, self.total, panel.name))

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


# --------------------------------------------------------------------------- the grid


def caption(figure, settings, weights_label):
    """The figure's caption: what the panels are, then weights, size, iterations, optimiser."""
    optimiser = (
        "L-BFGS"
        if settings.optimizer == "lbfgs"
        else "Adam, learning rate %g" % settings.learning_rate
    )
    return "%s\nVGG weights: %s; %d x %d pixels; %d iterations, %s; seed %d" % (
        figure.note,
        weights_label,
        settings.width,
        settings.height,
        settings.iterations,
        optimiser,
        settings.seed,
    )


def compose(figure, rendered, content_rgb, style_rgb, path, caption_text):
    """Draw the labelled grid (matplotlib's Agg canvas) and write it to ``path``."""
    from ..run.outputs import _figure, _save_figure

    rows, cols = figure.shape
    first = 1 if figure.inputs else 0
    height, width = np.shape(rendered[0].image)[:2]
    panel_w = 1.9
    panel_h = panel_w * height / float(width)
    label_h = 0.32
    head_h = 0.3 if figure.col_labels else 0.0
    caption_h = 0.15 * (caption_text.count("\n") + 1) + 0.15
    title_h = 0.4
    margin = 0.35  # the row labels
    fig_w = margin + panel_w * (cols + first) + 0.15
    fig_h = title_h + head_h + rows * (panel_h + label_h) + caption_h
    fig = _figure(fig_w, fig_h)
    fig.text(0.5, 1 - 0.25 / fig_h, figure.title, ha="center", va="center", fontsize=11)

    def axes(row, col):
        left = (margin + col * panel_w + 0.04) / fig_w
        bottom = 1 - (title_h + head_h + (row + 1) * (panel_h + label_h) - label_h) / fig_h
        return fig.add_axes([left, bottom, (panel_w - 0.08) / fig_w, panel_h / fig_h])

    def show(ax, image, label, size=7):
        ax.imshow(np.asarray(image, dtype=np.uint8), interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel(label, fontsize=size, labelpad=2)

    for row in range(rows):  # the row labels, left of the grid
        fig.text(
            0.12 / fig_w,
            1 - (title_h + head_h + row * (panel_h + label_h) + panel_h / 2) / fig_h,
            figure.row_labels[row],
            rotation=90,
            ha="center",
            va="center",
            fontsize=8,
        )
    if figure.inputs:
        for row in range(rows):
            if figure.kind == "layers":
                image, label = (
                    (content_rgb, "content image") if row == 0 else (style_rgb, "style image")
                )
            else:
                image, label = (
                    (content_rgb, "content image")
                    if row == 0
                    else ((style_rgb, "style image") if row == 1 else (None, ""))
                )
            if image is not None:
                show(axes(row, 0), image, label)
    for item in rendered:
        ax = axes(item.panel.row, item.panel.col + first)
        show(ax, item.image, item.panel.label)
        if item.panel.row == 0 and figure.col_labels:
            ax.set_title(figure.col_labels[item.panel.col], fontsize=8)
    fig.text(0.5, 0.1 / fig_h, caption_text, ha="center", va="bottom", fontsize=7, wrap=True)
    return _save_figure(fig, path)
