"""The alpha/beta explorer of the demos notebook: sliders that re-run a short optimisation.

Three sliders -- log10(alpha), log10(beta) and the depth k of the style layers (conv1_1 ...
conv<k>_1, equal weights 1/k) -- and two images: the previous result and the new one, each
captioned with its settings and final costs. Moving a slider runs the main job's
optimisation (:mod:`nst_course.demos.engine`) at a small size, from the same start image
(the seed is fixed), so the two images differ only by the settings.
"""

import io
from dataclasses import replace

import numpy as np
from PIL import Image

from ..run.options import RunOptions
from .figures import STYLE_LAYERS


def _png(image):

    buf = io.BytesIO()
    Image.fromarray(np.asarray(image, dtype=np.uint8), "RGB").save(buf, format="PNG")
    return buf.getvalue()


def describe(alpha, beta, depth, final):
    """``'alpha 10, beta 40, conv1_1 ... conv3_1: J_content 12.3, J_style 45.6'``."""
    layers = (
        STYLE_LAYERS[0] if depth == 1 else "%s ... %s" % (STYLE_LAYERS[0], STYLE_LAYERS[depth - 1])
    )
    return "alpha %g, beta %g, %s: J_content %.4g, J_style %.4g" % (
        alpha,
        beta,
        layers,
        final[1],
        final[2],
    )


def _log_slider(widgets, value, description):
    """A slider over log10 of a cost weight, 1e-3 to 1e8 in half decades."""
    return widgets.FloatSlider(
        value=float(np.log10(value)),
        min=-3,
        max=8,
        step=0.5,
        description=description,
        continuous_update=False,
    )


class Explorer:
    """The sliders, the two images, and :meth:`run` (what a slider change calls).

    ``widget`` is the ipywidgets box to display; ``history`` holds every result as
    ``(alpha, beta, depth, Trained)``.
    """

    def __init__(
        self,
        content,
        style,
        width=96,
        height=72,
        iterations=30,
        weights=None,
        alpha=10.0,
        beta=40.0,
        depth=5,
        optimizer="lbfgs",
        seed=0,
    ):
        import ipywidgets as widgets

        from ..run.graph import prepare
        from . import engine  # noqa: F401  (first: TensorFlow imported quietly)

        opts = RunOptions(
            content=content,
            style=[style],
            width=width,
            height=height,
            iterations=iterations,
            weights=weights,
            optimizer=optimizer,
            seed=seed,
        )
        self.base = opts
        self.prepared = prepare(opts)
        self.history = []
        self.log_alpha = _log_slider(widgets, alpha, "log10 alpha")
        self.log_beta = _log_slider(widgets, beta, "log10 beta")
        self.depth = widgets.IntSlider(
            value=depth,
            min=1,
            max=len(STYLE_LAYERS),
            description="style depth",
            continuous_update=False,
        )
        self.images = [widgets.Image(format="png", width=2 * width) for _ in range(2)]
        self.captions = [widgets.HTML("previous: none yet"), widgets.HTML("current: none yet")]
        for slider in (self.log_alpha, self.log_beta, self.depth):
            slider.observe(lambda change: self.run(), names="value")
        columns = [widgets.VBox([self.captions[k], self.images[k]]) for k in range(2)]
        self.widget = widgets.VBox(
            [widgets.HBox([self.log_alpha, self.log_beta, self.depth]), widgets.HBox(columns)]
        )

    def settings(self):
        return 10.0**self.log_alpha.value, 10.0**self.log_beta.value, int(self.depth.value)

    def run(self):
        """Optimise with the sliders' values; the last result moves to the left."""
        from .engine import train

        alpha, beta, depth = self.settings()
        layers = [(name, 1.0 / depth) for name in STYLE_LAYERS[:depth]]
        opts = replace(self.base, alpha=alpha, beta=beta, style_layers=layers)
        trained = train(opts, self.prepared)
        if self.history:
            self.images[0].value = self.images[1].value
            self.captions[0].value = self.captions[1].value.replace("current:", "previous:", 1)
        self.images[1].value = _png(trained.image)
        self.captions[1].value = "current: " + describe(alpha, beta, depth, trained.final)
        self.history.append((alpha, beta, depth, trained))
        return trained

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def explore(content, style, run=True, **options):
    """An :class:`Explorer` for ``content`` and ``style`` (image paths); with ``run`` the
    first result is computed at once, so the notebook shows an image without interaction."""
    explorer = Explorer(content, style, **options)
    if run:
        explorer.run()
    return explorer
