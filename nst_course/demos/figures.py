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
same settings is reused (:mod:`nst_course.demos.panels`). This module says what the figures
are; :mod:`nst_course.demos.rendering` renders them, :mod:`nst_course.demos.grid` draws them.
"""

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from ..errors import OptionError
from ..run.options import RunOptions
from .panels import Panel

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
    """What every panel of a figure shares: these :class:`~nst_course.run.options.RunOptions`
    fields (their help and checks are RunOptions'), with the figures' defaults."""

    width: int = WIDTH
    height: int = HEIGHT
    iterations: int = ITERATIONS
    optimizer: str = "lbfgs"  # the paper's; Adam needs many more steps to leave the noise
    learning_rate: float = 2.0
    seed: int = 0
    pooling: str = "avg"

    @classmethod
    def from_values(cls, values) -> "Settings":
        """The settings found as attributes of ``values`` (parsed arguments); defaults else."""
        names = [f.name for f in dataclasses.fields(cls)]
        return cls(**{name: getattr(values, name) for name in names if hasattr(values, name)})

    def run_options(self, **panel) -> RunOptions:
        """The :class:`~nst_course.run.options.RunOptions` of one panel."""
        shared = dataclasses.asdict(self)
        return RunOptions(print_every=max(1, self.iterations // 20), **shared, **panel)


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
