"""Drawing without a display: matplotlib figures on an Agg canvas, saved reproducibly.

Every picture of the package (the run's reports, the live view, the figures' grids, the batch's
contact sheet) is drawn on a :func:`new_figure` (no pyplot, no global backend change) and
written with :func:`save_figure` (atomically) or :func:`png_bytes`. The PNG metadata carries no
software version or date, so the same inputs give the same bytes.
"""

import functools
import io
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from ..files import atomic_write

#: PNG metadata for matplotlib: no "Software: matplotlib version x" entry.
PNG_METADATA = {"Software": None}

#: matplotlib is not thread-safe (its mathtext parser is shared): one drawing at a time per
#: process, e.g. for two batch jobs in one worker (nst_course.batch).
_DRAWING = threading.Lock()

F = TypeVar("F", bound=Callable[..., Any])


def one_at_a_time(draw: F) -> F:
    """Decorate a drawing function so that one process draws one picture at a time."""

    @functools.wraps(draw)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _DRAWING:
            return draw(*args, **kwargs)

    return locked  # type: ignore[return-value]


def new_figure(width_in: float, height_in: float, dpi: int = 100) -> Any:
    """A matplotlib Figure of ``width_in`` x ``height_in`` inches on an Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Any, path: str) -> str:
    """Write ``fig`` as a PNG to ``path``, atomically; returns ``path``."""
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", metadata=PNG_METADATA))
    return path


def png_bytes(fig: Any) -> bytes:
    """``fig`` as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata=PNG_METADATA)
    return buf.getvalue()


def cost_curves(ax: Any, rows: Sequence, labels: Sequence[str], markersize: float) -> None:
    """Plot the total, content and style cost of ``rows`` (iteration, J, J_content, J_style)
    against the iteration on ``ax``. Costs 0 or below cannot be shown on a log scale and are
    left out (NaN)."""
    iterations = [r[0] for r in rows]
    for col, label in zip((1, 2, 3), labels):
        values = np.array([r[col] for r in rows], dtype=float)
        values[~(values > 0)] = np.nan
        ax.plot(iterations, values, marker="o", markersize=markersize, label=label)
