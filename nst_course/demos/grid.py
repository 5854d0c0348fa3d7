"""Drawing a figure: the labelled grid of its panels, with the inputs and a caption.

All sizes are in inches on a matplotlib figure (Agg canvas, :mod:`nst_course.run.plotting`):
a title line, the column heads, ``rows`` x (panel + its label), the caption; the row labels
in a margin on the left, the content and style images in a first column.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..run.plotting import new_figure, save_figure

PANEL_W, LABEL_H, TITLE_H, MARGIN = 1.9, 0.32, 0.4, 0.35


def caption(figure, settings, weights_label: str) -> str:
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


@dataclass
class Layout:
    """Where things go on the grid's figure (inches; matplotlib's fractions by :meth:`axes`)."""

    fig: Any
    panel_h: float
    head_h: float
    fig_w: float
    fig_h: float

    def axes(self, row: int, col: int) -> Any:
        """The axes of the panel at (``row``, ``col``), the inputs' column being 0."""
        left = (MARGIN + col * PANEL_W + 0.04) / self.fig_w
        top = TITLE_H + self.head_h + (row + 1) * (self.panel_h + LABEL_H) - LABEL_H
        return self.fig.add_axes(
            [left, 1 - top / self.fig_h, (PANEL_W - 0.08) / self.fig_w, self.panel_h / self.fig_h]
        )

    def row_label(self, row: int, text: str) -> None:
        """``text`` turned 90 degrees, left of the row."""
        middle = TITLE_H + self.head_h + row * (self.panel_h + LABEL_H) + self.panel_h / 2
        self.fig.text(
            0.12 / self.fig_w,
            1 - middle / self.fig_h,
            text,
            rotation=90,
            ha="center",
            va="center",
            fontsize=8,
        )


def _layout(figure, image_shape, caption_text):
    rows, cols = figure.shape
    first = 1 if figure.inputs else 0
    height, width = image_shape[:2]
    panel_h = PANEL_W * height / float(width)
    head_h = 0.3 if figure.col_labels else 0.0
    caption_h = 0.15 * (caption_text.count("\n") + 1) + 0.15
    fig_w = MARGIN + PANEL_W * (cols + first) + 0.15
    fig_h = TITLE_H + head_h + rows * (panel_h + LABEL_H) + caption_h
    return Layout(new_figure(fig_w, fig_h), panel_h, head_h, fig_w, fig_h)


def _show(ax, image, label, size=7):
    ax.imshow(np.asarray(image, dtype=np.uint8), interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel(label, fontsize=size, labelpad=2)


def compose(figure, rendered, content_rgb, style_rgb, path: str, caption_text: str) -> str:
    """Draw the labelled grid of ``rendered`` panels and write it to ``path`` (PNG)."""
    layout = _layout(figure, np.shape(rendered[0].image), caption_text)
    fig = layout.fig
    fig.text(0.5, 1 - 0.25 / layout.fig_h, figure.title, ha="center", va="center", fontsize=11)
    rows, _ = figure.shape
    for row in range(rows):
        layout.row_label(row, figure.row_labels[row])
    first = 1 if figure.inputs else 0
    if figure.inputs:  # the content image beside the first row, the style beside the second
        for row, image, label in ((0, content_rgb, "content image"), (1, style_rgb, "style image")):
            if row < rows:
                _show(layout.axes(row, 0), image, label)
    for item in rendered:
        ax = layout.axes(item.panel.row, item.panel.col + first)
        _show(ax, item.image, item.panel.label)
        if item.panel.row == 0 and figure.col_labels:
            ax.set_title(figure.col_labels[item.panel.col], fontsize=8)
    fig.text(0.5, 0.1 / layout.fig_h, caption_text, ha="center", va="bottom", fontsize=7, wrap=True)
    return save_figure(fig, path)
