"""The course's ``nst_utils``, for ported notebooks: ``from nst_utils import *`` becomes
``from nst_course.port.nst_utils import *``.

It offers what the course's ``nst_utils.py`` offered to a notebook and nothing more:

- ``CONFIG`` (image size 300 x 400, noise ratio 0.6, VGG mean pixel, ``VGG_MODEL``,
  ``OUTPUT_DIR``: :class:`nst_course.config.CONFIG` itself);
- ``load_vgg_model(path)``: the VGG-19 model dict, input (1, CONFIG.IMAGE_HEIGHT,
  CONFIG.IMAGE_WIDTH, 3);
- ``generate_noise_image(content_image, noise_ratio=CONFIG.NOISE_RATIO)``,
  ``reshape_and_normalize_image(image)``, ``save_image(path, image)``;
- the modules and names the course's file imported at its top and a star import therefore
  passed on: ``os``, ``sys``, ``scipy`` (with ``scipy.io``), ``plt``, ``imshow``, ``Image``
  (Pillow), ``np`` and ``tf`` (``tensorflow.compat.v1`` in TF1 mode).

The graded functions (``compute_content_cost``, ``gram_matrix``, ``compute_layer_style_cost``,
``total_cost``) and the notebook's own ``compute_style_cost`` and ``model_nn`` are **not** here:
the learner's code is what runs, and a function the learner never wrote fails.
"""

import os
import sys

import matplotlib.pyplot as plt
import numpy as np
import scipy.io
from matplotlib.pyplot import imshow
from PIL import Image

from ..config import CONFIG
from ..errors import WeightsError
from ..images import generate_noise_image as _generate_noise_image
from ..images import reshape_and_normalize_image, save_image
from ..weights import find_weights, load_weights, not_found_message
from .session import start as _start

tf = _start()

__all__ = [
    "os",
    "sys",
    "scipy",
    "plt",
    "imshow",
    "Image",
    "np",
    "tf",
    "CONFIG",
    "load_vgg_model",
    "generate_noise_image",
    "reshape_and_normalize_image",
    "save_image",
]

#: The course's place of the weights (``CONFIG.VGG_MODEL`` as shipped).
COURSE_VGG_MODEL = "pretrained-model/imagenet-vgg-verydeep-19.mat"


def weights_source(path):
    """The weights file ``load_vgg_model(path)`` reads.

    The course's own path (``pretrained-model/imagenet-vgg-verydeep-19.mat``) means "the VGG-19
    file wherever it is": the package's lookup order ($NST_VGG_MODEL, that path under the
    working directory, the user cache where ``nst-course weights download`` puts it). Any
    other path is read as given.
    """
    if path is None or os.path.normpath(os.fspath(path)) == os.path.normpath(COURSE_VGG_MODEL):
        found = find_weights()
        if found is None:
            from .assets import UNTRAINED_LINE

            raise WeightsError(
                "%s; or run this notebook on the untrained network (weaker pictures): put "
                "the line `%s` in a cell at the top and run the notebook again"
                % (not_found_message(), UNTRAINED_LINE)
            )
        return found
    return os.fspath(path)


def load_vgg_model(path=CONFIG.VGG_MODEL):
    """The course's VGG-19 model: a dict of graph nodes built in the default graph.

    'input' is a trainable float32 Variable (1, CONFIG.IMAGE_HEIGHT, CONFIG.IMAGE_WIDTH, 3);
    each convN_M = relu(conv2d(prev, W, stride 1, SAME) + b) with W, b constants from the file;
    avgpool1..5 are 2x2 stride-2 average pools. See :func:`weights_source` for ``path``.
    """
    from ..vgg import build_vgg

    return build_vgg(load_weights(weights_source(path)))


def generate_noise_image(content_image, noise_ratio=CONFIG.NOISE_RATIO):
    """noise * noise_ratio + content_image * (1 - noise_ratio), noise ~ U(-20, 20) float32 of
    shape (1, n_H, n_W, 3), drawn from numpy's global random state as in the course."""
    return _generate_noise_image(content_image, noise_ratio)
