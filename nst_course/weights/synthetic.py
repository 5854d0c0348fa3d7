"""Synthetic VGG weights and files of the real layouts, for tests, benchmarks and the
untrained fallback network.

The real VGG-19 file is 510 MB and cannot be shipped or downloaded in CI, so tests write
small files with exactly the same structure (all 43 layers, relu/pool/fc entries, the same
field names and nesting) and benchmarks write true-shape ones.
"""

import numpy as np
import scipy.io

from ..layers import BLOCK_CHANNELS, VGG16_LAYERS, VGG19_LAYERS, layer_type
from .keras import keras_name
from .model import VGGLayer, VGGWeights

#: Channel counts small enough for fast tests: (block1, ..., block5, fc).
TINY_CHANNELS = (4, 6, 8, 8, 8, 16)
#: The real network's channel counts: (64, 128, 256, 512, 512, 4096).
TRUE_CHANNELS = BLOCK_CHANNELS + (4096,)


def random_vgg_weights(depth=19, channels=TRUE_CHANNELS, seed=0, include_fc=True, bias_std=0.01):
    """He-scaled normal weights, N(0, 2 / (k*k*in)), for every layer of VGG-``depth``.

    ``channels`` gives the five blocks' widths and the fc width; fc8 has 1000 outputs.
    Deterministic for a given seed.
    """
    rng = np.random.default_rng(seed)
    names = VGG19_LAYERS if depth == 19 else VGG16_LAYERS
    layers = []
    in_ch = 3
    for name in names:
        kind = layer_type(name)
        if kind != "conv":
            layers.append(VGGLayer(name, kind))
            continue
        if name.startswith("conv"):
            k, out = 3, channels[int(name[4]) - 1]
        else:
            if not include_fc:
                continue
            k, out = {"fc6": (7, channels[5]), "fc7": (1, channels[5]), "fc8": (1, 1000)}[name]
        std = np.sqrt(2.0 / (k * k * in_ch))
        kernel = (rng.standard_normal((k, k, in_ch, out), dtype=np.float32) * std).astype(
            np.float32
        )
        bias = (rng.standard_normal(out, dtype=np.float32) * bias_std).astype(np.float32)
        layers.append(VGGLayer(name, kind, kernel, bias))
        in_ch = out
    if not include_fc:
        layers = [
            layer for layer in layers if not layer.name.startswith(("fc", "relu6", "relu7", "prob"))
        ]
    return VGGWeights(layers, layout="random", source="random(seed=%d)" % seed)


def _struct(fields):
    """A 1x1 MATLAB struct (numpy structured array) with the given (name, value) fields in order."""
    arr = np.empty((1, 1), dtype=[(name, "O") for name, _ in fields])
    for name, value in fields:
        arr[0, 0][name] = value
    return arr


def _cell(*items):
    cell = np.empty((1, len(items)), dtype=object)
    for i, item in enumerate(items):
        cell[0, i] = item
    return cell


def _layer_struct(layer, layout):
    name = np.array([layer.name])
    kind = np.array([layer.type])
    if layer.type == "conv":
        k = layer.kernel.shape
        if layout == "current":
            bias = layer.bias.reshape(-1, 1)  # (out, 1)
            fields = [
                ("name", name),
                ("type", kind),
                ("weights", _cell(layer.kernel, bias)),
                ("size", np.array([k], dtype=float)),
                ("pad", np.zeros((1, 4))),
                ("stride", np.ones((1, 2))),
                ("precious", np.zeros((1, 1))),
                ("dilate", np.ones((1, 1))),
                ("opts", np.empty((0, 0), dtype=object)),
            ]
        else:
            bias = layer.bias.reshape(1, -1)  # (1, out) in the older files
            fields = [
                ("weights", _cell(layer.kernel, bias)),
                ("pad", np.zeros((1, 4))),
                ("type", kind),
                ("name", name),
                ("stride", np.ones((1, 2))),
            ]
    elif layer.type == "pool":
        fields = [
            ("name", name),
            ("type", kind),
            ("method", np.array(["max"])),
            ("pool", np.array([[2.0, 2.0]])),
            ("stride", np.array([[2.0, 2.0]])),
            ("pad", np.zeros((1, 4))),
        ]
        if layout == "older":
            fields = fields[2:] + fields[:2]
    elif layer.type == "relu":
        fields = [("name", name), ("type", kind), ("leak", np.zeros((1, 1)))]
        if layout == "older":
            fields = [("type", kind), ("name", name)]
    else:
        fields = [("name", name), ("type", kind)]
    return _struct(fields)


def write_matconvnet(path, weights, layout="current", do_compression=False):
    """Write ``weights`` as a MatConvNet VGG file in the ``current`` or ``older`` layout.

    current: top-level ``layers`` (1 x N cell of structs) and ``meta`` (normalization with the
    mean pixel as averageImage). older: ``layers`` plus a top-level ``normalization`` whose
    averageImage is a whole 224x224x3 image; fields of a layer come in another order.
    """
    if layout not in ("current", "older"):
        raise ValueError("layout must be 'current' or 'older'")
    layers = _cell(*[_layer_struct(layer, layout) for layer in weights.layers])
    mean = np.array([123.68, 116.779, 103.939])
    if layout == "current":
        normalization = _struct(
            [
                ("averageImage", mean.reshape(3, 1)),
                ("imageSize", np.array([[224.0, 224.0, 3.0]])),
                ("interpolation", np.array(["bilinear"])),
            ]
        )
        meta = _struct(
            [
                ("inputs", _struct([("name", np.array(["input"]))])),
                (
                    "classes",
                    _struct([("name", _cell("n01440764")), ("description", _cell("tench"))]),
                ),
                ("normalization", normalization),
            ]
        )
        content = {"layers": layers, "meta": meta}
    else:
        image = np.broadcast_to(mean, (224, 224, 3)).astype(np.float32)
        normalization = _struct(
            [
                ("averageImage", image),
                ("keepAspect", np.ones((1, 1))),
                ("imageSize", np.array([[224.0, 224.0, 3.0]])),
            ]
        )
        classes = _struct([("name", _cell("n01440764")), ("description", _cell("tench"))])
        content = {"layers": layers, "normalization": normalization, "classes": classes}
    scipy.io.savemat(path, content, do_compression=do_compression)
    return path


def tiny_weights(seed=0, depth=19):
    """Small-channel VGG weights (all layers incl. fc) for quick tests."""
    return random_vgg_weights(depth=depth, channels=TINY_CHANNELS, seed=seed)


def write_keras_h5(path, weights, nested=False):
    """Write the conv layers of ``weights`` (RGB convention, MatConvNet names) as Keras's
    ``vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`` lays them out: root attr
    ``layer_names``; a group per layer (``block1_conv1`` ... ``block5_conv4``, pools empty)
    with attr ``weight_names`` and datasets ``<group>_W_1:0`` (kernel, (3, 3, in, out)) and
    ``<group>_b_1:0`` (bias, (out,)). As in the real file, the first kernel's input channels
    are stored in BGR order. ``nested=True`` writes the newer style instead: the groups under
    ``/model_weights`` and datasets ``<group>/<group>/kernel:0`` and ``.../bias:0``.
    """
    import h5py

    conv_layers = [
        layer for layer in weights.layers if layer.type == "conv" and layer.name.startswith("conv")
    ]
    names = ["input_1"]
    for layer in weights.layers:
        if layer.name.startswith("conv"):
            names.append(keras_name(layer.name))
        elif layer.name.startswith("pool"):
            names.append("block%s_pool" % layer.name[4:])
    with h5py.File(path, "w") as fh:
        root = fh.create_group("model_weights") if nested else fh
        root.attrs["layer_names"] = np.array([n.encode() for n in names])
        root.attrs["backend"] = b"tensorflow"
        root.attrs["keras_version"] = b"2.0.8" if not nested else b"2.13.1"
        by_name = {keras_name(layer.name): layer for layer in conv_layers}
        for name in names:
            group = root.create_group(name)
            layer = by_name.get(name)
            if layer is None:
                group.attrs["weight_names"] = np.array([], dtype="S1")
                continue
            kernel = layer.kernel[:, :, ::-1, :] if layer.name == "conv1_1" else layer.kernel
            if nested:
                weight_names = ["%s/kernel:0" % name, "%s/bias:0" % name]
            else:
                weight_names = ["%s_W_1:0" % name, "%s_b_1:0" % name]
            group.attrs["weight_names"] = np.array([n.encode() for n in weight_names])
            group.create_dataset(
                weight_names[0], data=np.ascontiguousarray(kernel, dtype=np.float32)
            )
            group.create_dataset(weight_names[1], data=np.asarray(layer.bias, dtype=np.float32))
    return path
