"""nst-course: the deeplearning.ai "Art Generation with Neural Style Transfer" assignment.

``from nst_course import *`` gives a notebook what the course's ``nst_utils`` and graded
cells gave: CONFIG, load_vgg_model, reshape_and_normalize_image, generate_noise_image,
save_image, compute_content_cost, gram_matrix, compute_layer_style_cost,
compute_style_cost, total_cost, model_nn, plus STYLE_LAYERS, build_graph and tf1_seeding.

The package works in TensorFlow 1 graph style: importing it switches TensorFlow to graph
mode (``tf.compat.v1.disable_eager_execution()``), as the course's TF1 code expects.
"""

import tensorflow as tf

tf.compat.v1.disable_eager_execution()

from .config import CONFIG, CONTENT_LAYER, STYLE_LAYERS  # noqa: E402
from .costs import (  # noqa: E402
    compute_content_cost,
    compute_layer_style_cost,
    compute_style_cost,
    gram_matrix,
    total_cost,
)
from .errors import ImageError, NSTError, WeightsError  # noqa: E402
from .images import generate_noise_image, reshape_and_normalize_image, save_image  # noqa: E402
from .seeding import tf1_seeding  # noqa: E402
from .training import NSTGraph, build_graph, model_nn  # noqa: E402
from .vgg import load_vgg_model  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "CONFIG",
    "STYLE_LAYERS",
    "CONTENT_LAYER",
    "load_vgg_model",
    "reshape_and_normalize_image",
    "generate_noise_image",
    "save_image",
    "compute_content_cost",
    "gram_matrix",
    "compute_layer_style_cost",
    "compute_style_cost",
    "total_cost",
    "model_nn",
    "build_graph",
    "NSTGraph",
    "tf1_seeding",
    "NSTError",
    "WeightsError",
    "ImageError",
]
