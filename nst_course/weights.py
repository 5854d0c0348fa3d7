"""Reading the VGG weights: MatConvNet ``.mat`` files (current and older layout).

The result is a :class:`VGGWeights`: the network's layer list in file order, each entry with
its name, its MatConvNet type and, for convolutions, the kernel (k, k, in, out) float32 and
bias (out,) float32, used as stored (MatConvNet's (height, width, in, out) order, which is
what the course feeds to ``tf.nn.conv2d``).
"""

import os
from dataclasses import dataclass, field

import numpy as np

from .errors import WeightsError
from .layers import VGG16_LAYERS, VGG19_LAYERS, conv_part


@dataclass
class VGGLayer:
    name: str
    type: str
    kernel: np.ndarray = None
    bias: np.ndarray = None


@dataclass
class VGGWeights:
    """A VGG network's layers in order; ``layout`` names where they came from."""

    layers: list
    layout: str = "unknown"
    source: str = None
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


def _text(value):
    """A MatConvNet char field as a Python str (loadmat gives array(['conv1_1']))."""
    value = np.asarray(value)
    if value.size == 0:
        return ""
    return str(value.reshape(-1)[0])


def _struct_field(struct, name, where):
    names = struct.dtype.names or ()
    if name not in names:
        raise WeightsError("%s has no field '%s' (fields: %s)" % (where, name, ", ".join(names)))
    return struct[name]


def read_matconvnet(path):
    """Read a MatConvNet VGG file (current or older layout) into :class:`VGGWeights`.

    Fields are read by name (``name``, ``type``, ``weights``), never by position: the two
    published layouts order a layer's fields differently.
    """
    import scipy.io

    path = os.fspath(path)
    if not os.path.exists(path):
        raise WeightsError("weights file not found: %s" % path)
    if os.path.isdir(path):
        raise WeightsError("weights path is a directory, not a file: %s" % path)
    try:
        mat = scipy.io.loadmat(path)
    except Exception as exc:  # scipy raises several types for bad/truncated files
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise WeightsError(
            "cannot read %s as a MATLAB .mat file (%s); is it truncated or not a .mat?"
            % (path, reason)
        ) from None
    return weights_from_mat(mat, path)


def weights_from_mat(mat, source="<mat>"):
    """:class:`VGGWeights` from the dict that ``scipy.io.loadmat`` returned."""
    if "layers" not in mat:
        keys = sorted(k for k in mat if not k.startswith("__"))
        raise WeightsError(
            "%s has no 'layers' variable (found: %s); not a MatConvNet VGG file"
            % (source, ", ".join(keys) or "nothing")
        )
    if "meta" in mat:
        layout = "matconvnet-current"
    elif "normalization" in mat:
        layout = "matconvnet-older"
    else:
        layout = "matconvnet"
    cells = np.asarray(mat["layers"]).reshape(-1)
    layers = []
    for i, cell in enumerate(cells):
        where = "%s: layer %d" % (source, i)
        try:
            struct = np.asarray(cell).reshape(-1)[0]
        except (IndexError, TypeError):
            raise WeightsError("%s is not a struct" % where) from None
        name = _text(_struct_field(struct, "name", where))
        kind = _text(_struct_field(struct, "type", where))
        kernel = bias = None
        if kind == "conv":
            wb = np.asarray(_struct_field(struct, "weights", where + " (%s)" % name)).reshape(-1)
            if wb.size < 2:
                raise WeightsError("%s (%s) has no kernel and bias" % (where, name))
            kernel = np.asarray(wb[0], dtype=np.float32)
            bias = np.asarray(wb[1], dtype=np.float32).reshape(-1)
        layers.append(VGGLayer(name, kind, kernel, bias))
    weights = VGGWeights(layers, layout=layout, source=source)
    return weights


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
        if not (np.all(np.isfinite(k)) and np.all(np.isfinite(layer.bias))):
            raise WeightsError("%s: layer '%s' contains NaN or Inf values" % (src, layer.name))
        in_channels = k.shape[3]
    return weights


def load_weights(source=None):
    """Weights from ``source``: a :class:`VGGWeights` (returned as is), ``'random'`` (the
    untrained fallback), a path to a .mat file, or None for ``CONFIG.VGG_MODEL``."""
    if isinstance(source, VGGWeights):
        return source
    if source == "random":
        from .synthetic import random_vgg_weights

        return random_vgg_weights(include_fc=False)
    if source is None:
        from .config import CONFIG

        source = CONFIG.VGG_MODEL
    return read_matconvnet(source)
