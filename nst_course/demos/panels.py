"""The panels of a figure: what each one optimises, the task that renders one, its file.

A panel is one optimisation of the main job (:mod:`nst_course.demos.engine`) with its own
cost weights and layers, e.g. the content reconstruction from ``conv3_2``::

    J(G) = alpha * J_content(C, G)   with alpha = 1, beta = 0 (style-only: alpha = 0, beta = 1)

and all panels of a figure share the size, the iterations, the optimiser, the seed (so the
same white-noise start image) and the weights. :func:`render_panel` is the task: a picklable
dict in (options, 8-bit images, the weights' source), a picklable dict out (the image and
its costs), so the batch engine can run it on any Dask worker.

Each rendered panel is a PNG of its own with its *key* (everything that determines its
pixels) in a text chunk; a later run with the same key reuses the file instead of
re-rendering it (:func:`read_panel`).
"""

import hashlib
import json
import threading
from dataclasses import asdict, dataclass, field

import numpy as np
from PIL import Image, PngImagePlugin

from ..files import atomic_write
from ..run.options import RunOptions

#: PNG text chunks of a panel file.
KEY_CHUNK = "nst-course-panel"
COSTS_CHUNK = "nst-course-costs"


@dataclass
class Panel:
    """One panel: where it sits in the grid, its label, the options that differ per panel."""

    name: str  # the file-name part, e.g. 'content-conv3_2'
    row: int
    col: int
    label: str  # written under the panel
    options: dict  # RunOptions fields of this panel (alpha, beta, content_layer, style_layers)
    own: str = "total"  # the panel's own cost: 'content', 'style' or 'total'


@dataclass
class Rendered:
    """A panel's result: its image and costs (J, J_content, J_style) at the start and end."""

    panel: Panel
    image: np.ndarray  # (H, W, 3) uint8
    start: tuple
    final: tuple
    path: str = ""
    reused: bool = False
    rows: list = field(default_factory=list)

    def own_drop(self):
        """How many times the panel's own cost fell: start / final."""
        index = {"total": 0, "content": 1, "style": 2}[self.panel.own]
        final = self.final[index]
        return float("inf") if final <= 0 else self.start[index] / final


# --------------------------------------------------------------------------- the task

_WEIGHTS: dict = {}  # source -> VGGWeights, kept per process (a worker renders many panels)
_LOCK = threading.Lock()  # a worker with several threads renders panels side by side


def weights_of(source):
    """The weights of ``source`` (a path or 'random'), loaded once per process."""
    with _LOCK:
        if source not in _WEIGHTS:
            from ..weights import load_weights

            _WEIGHTS.clear()  # one weight set at a time: they are large
            _WEIGHTS[source] = load_weights(source)
        return _WEIGHTS[source]


def render_panel(payload):
    """Render one panel; the task of the batch engine.

    ``payload`` -- {'options': RunOptions fields, 'content': (H, W, 3) uint8,
    'style': (H, W, 3) uint8, 'weights': a path or 'random'}.
    Returns {'image': (H, W, 3) uint8, 'start': (J, Jc, Js), 'final': (J, Jc, Js),
    'rows': [(iteration, J, Jc, Js)]}.
    """
    from ..run.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()  # a Dask worker: no start-up chatter, as in nst-course run
    from ..run.graph import from_arrays
    from .engine import train

    opts = RunOptions(**payload["options"])
    prepared = from_arrays(payload["content"], [payload["style"]], weights_of(payload["weights"]))
    trained = train(opts, prepared)
    return {
        "image": trained.image,
        "start": trained.start,
        "final": trained.final,
        "rows": trained.rows,
    }


# --------------------------------------------------------------------------- keys and files


def digest(array):
    """A short SHA-256 of an image array (its shape and bytes)."""
    array = np.ascontiguousarray(array)
    h = hashlib.sha256(repr(array.shape).encode())
    h.update(array.tobytes())
    return h.hexdigest()[:16]


def panel_key(options, content, style, weights_id):
    """Everything that determines a panel's pixels, as canonical JSON text."""
    return json.dumps(
        {
            "options": options,
            "content": digest(content),
            "style": digest(style),
            "weights": weights_id,
        },
        sort_keys=True,
        default=list,
    )


def write_panel(path, rendered, key):
    """Write the panel's image to ``path`` (PNG, atomically) with its key and costs."""
    info = PngImagePlugin.PngInfo()
    info.add_text(KEY_CHUNK, key)
    info.add_text(
        COSTS_CHUNK, json.dumps({"start": list(rendered.start), "final": list(rendered.final)})
    )
    image = Image.fromarray(np.asarray(rendered.image, dtype=np.uint8), "RGB")
    atomic_write(path, lambda tmp: image.save(tmp, format="PNG", pnginfo=info))
    return path


def read_panel(path, key):
    """(image, start, final) of the panel file at ``path`` if it was rendered with ``key``,
    else None (missing, unreadable, or made with other settings)."""
    try:
        with Image.open(path) as img:
            img.load()
            text = getattr(img, "text", {}) or {}
            if text.get(KEY_CHUNK) != key:
                return None
            costs = json.loads(text.get(COSTS_CHUNK, "{}"))
            image = np.asarray(img.convert("RGB"), dtype=np.uint8)
    except (OSError, ValueError, SyntaxError):
        return None
    try:
        return image, tuple(costs["start"]), tuple(costs["final"])
    except (KeyError, TypeError):
        return None


def options_dict(opts):
    """The RunOptions fields of ``opts`` as plain JSON-able values."""
    data = asdict(opts)
    data["style_layers"] = [[name, float(w)] for name, w in data["style_layers"]]
    return data
