"""What a weight set is: the known files, :class:`VGGWeights` / :class:`VGGLayer`, and
:func:`validate` (names, kernel shapes, finite values). The bottom of :mod:`nst_course.weights`:
it imports nothing of the package but :mod:`nst_course.errors` and :mod:`nst_course.layers`.

Every reader returns a :class:`VGGWeights`: the network's layer list in file order, each entry
with its name, its MatConvNet type and, for convolutions, the kernel (k, k, in, out) float32 and
bias (out,) float32, used as stored (MatConvNet's (height, width, in, out) order, which is what
the course feeds to ``tf.nn.conv2d``).
"""

from collections import namedtuple
from dataclasses import dataclass, field

import numpy as np

from ..errors import WeightsError
from ..layers import VGG16_LAYERS, VGG19_LAYERS, conv_part

#: The environment variable that names the weights file (or ``random``).
ENV_VAR = "NST_VGG_MODEL"
#: The file name of the MatConvNet VGG-19 weights.
DEFAULT_NAME = "imagenet-vgg-verydeep-19.mat"
#: The command that fetches the weights (named in messages).
DOWNLOAD_COMMAND = "nst-course weights download"

#: A published weights file: its name, layout, and what is known of its size and checksums.
KnownFile = namedtuple("KnownFile", "name layout url size sha256 md5")

KNOWN_FILES = (
    KnownFile(
        DEFAULT_NAME,
        "matconvnet-current",
        "https://www.vlfeat.org/matconvnet/models/imagenet-vgg-verydeep-19.mat",
        534904783,
        "abdb57167f82a2a1fbab1e1c16ad9373411883f262a1a37ee5db2e6fb0044695",
        "106118b7cf60435e6d8e04f6a6dc3657",
    ),
    KnownFile(
        DEFAULT_NAME, "matconvnet-older", None, None, None, "8ee3263992981a1d26e73b3ca028a123"
    ),
    KnownFile(
        "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "keras-h5",
        "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
        "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
        None,
        None,
        "253f8cb515780f3b799900260a226db6",
    ),
)
#: The file ``nst-course weights download`` fetches by default.
DEFAULT_FILE = KNOWN_FILES[0]

#: Human-readable names of the layouts (``VGGWeights.layout``).
LAYOUTS = {
    "matconvnet-current": "MatConvNet, current layout (layers + meta)",
    "matconvnet-older": "MatConvNet, older layout (layers + normalization)",
    "matconvnet": "MatConvNet (layers only)",
    "keras-h5": "Keras h5 (vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5 layout)",
    "random": "untrained network (He-scaled normal weights, fixed seed)",
    "cache": "nst-course conv-layer cache (.npz)",
}


@dataclass
class VGGLayer:
    name: str
    type: str
    kernel: np.ndarray | None = None
    bias: np.ndarray | None = None


@dataclass
class VGGWeights:
    """A VGG network's layers in order; ``layout`` names where they came from."""

    layers: list
    layout: str = "unknown"
    source: str | None = None
    meta: dict = field(default_factory=dict)

    def names(self):
        return [layer.name for layer in self.layers]

    def __getitem__(self, name):
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def depth(self):
        """19 or 16, from the layer names (validated by :func:`validate`)."""
        return 16 if "conv5_4" not in self.names() else 19

    def drop_arrays(self):
        """Forget the kernels and biases, keeping names, layout and source (for reports).

        For a run whose graph holds its own copy of the weights: frees the arrays (or the
        pages of a memory-mapped cache). These weights cannot build a network afterwards.
        """
        for layer in self.layers:
            layer.kernel = layer.bias = None


# --------------------------------------------------------------------------- validation


def expected_names(weights):
    """The conv-part layer names (up to pool5) the weights should have: VGG-19 or VGG-16."""
    names = weights.names()
    if "conv3_4" not in names and len(names) in (len(VGG16_LAYERS), len(conv_part(VGG16_LAYERS))):
        return conv_part(VGG16_LAYERS)
    return conv_part(VGG19_LAYERS)


def validate(weights):
    """Check names, types, kernel shapes and finiteness of the layers up to pool5.

    Raises :class:`WeightsError` naming the first problem found.
    """
    expected = expected_names(weights)
    names = weights.names()
    src = weights.source or "weights"
    for i, want in enumerate(expected):
        if i >= len(names):
            raise WeightsError("%s ends after %d layers; layer '%s' is missing" % (src, i, want))
        if names[i] != want:
            raise WeightsError(
                "%s: layer %d is named '%s', expected '%s'; not a VGG-19/VGG-16 MatConvNet file"
                % (src, i, names[i], want)
            )
    in_channels = 3
    for layer in weights.layers[: len(expected)]:
        if not layer.name.startswith("conv"):
            continue
        k = layer.kernel
        if k is None or k.ndim != 4 or k.shape[0] != k.shape[1] or k.shape[2] != in_channels:
            raise WeightsError(
                "%s: layer '%s' has a kernel of shape %s, expected (k, k, %d, out)"
                % (src, layer.name, None if k is None else tuple(k.shape), in_channels)
            )
        if layer.bias is None or layer.bias.shape != (k.shape[3],):
            raise WeightsError(
                "%s: layer '%s' has a bias of shape %s, expected (%d,)"
                % (src, layer.name, None if layer.bias is None else layer.bias.shape, k.shape[3])
            )
        # a float64 sum is finite exactly when every value is (no float32 value can overflow it)
        if not (
            np.isfinite(np.add.reduce(k, axis=None, dtype=np.float64))
            and np.isfinite(np.add.reduce(layer.bias, axis=None, dtype=np.float64))
        ):
            raise WeightsError("%s: layer '%s' contains NaN or Inf values" % (src, layer.name))
        in_channels = k.shape[3]
    return weights
