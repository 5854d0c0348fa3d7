"""nst-course: the deeplearning.ai "Art Generation with Neural Style Transfer" assignment.

``from nst_course import *`` gives a notebook what the course's ``nst_utils`` and graded
cells gave: CONFIG, load_vgg_model, reshape_and_normalize_image, generate_noise_image,
save_image, compute_content_cost, gram_matrix, compute_layer_style_cost,
compute_style_cost, total_cost, model_nn, plus STYLE_LAYERS, build_graph and tf1_seeding.

The package works in TensorFlow 1 graph style: using it switches TensorFlow to graph mode
(``tf.compat.v1.disable_eager_execution()``), as the course's TF1 code expects. TensorFlow
itself is imported on first use of a name, so ``nst-course --help`` starts at once.
"""

from ._lazy import lazy_exports

__version__ = "0.1.0"

# name -> submodule that defines it
_EXPORTS = {
    "CONFIG": "config",
    "STYLE_LAYERS": "config",
    "CONTENT_LAYER": "config",
    "load_vgg_model": "vgg",
    "reshape_and_normalize_image": "images",
    "generate_noise_image": "images",
    "save_image": "images",
    "compute_content_cost": "costs",
    "gram_matrix": "costs",
    "compute_layer_style_cost": "costs",
    "compute_style_cost": "costs",
    "total_cost": "costs",
    "model_nn": "training",
    "build_graph": "training",
    "NSTGraph": "training",
    "tf1_seeding": "seeding",
    "NSTError": "errors",
    "WeightsError": "errors",
    "ImageError": "errors",
}

__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
