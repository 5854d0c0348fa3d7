"""Keras's VGG weights (``vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5``) as another source.

Layout of that file (HDF5, read with h5py)::

    /                     attrs: layer_names = [b'input_1', b'block1_conv1', ..., b'block5_pool']
    /block1_conv1         attrs: weight_names = [b'block1_conv1_W_1:0', b'block1_conv1_b_1:0']
    /block1_conv1/block1_conv1_W_1:0   kernel (3, 3, 3, 64) float32, (h, w, in, out)
    /block1_conv1/block1_conv1_b_1:0   bias (64,) float32
    ...                   block1_conv2, block2_conv1, ..., block5_conv4 (VGG-16: ..., block5_conv3)
    /block1_pool          attrs: weight_names = [] (pools have no weights)

Files saved by newer Keras keep the same groups, possibly under ``/model_weights`` and with
dataset names such as ``block1_conv1/kernel:0``; the reader follows each group's
``weight_names`` when present, else takes its one 4-D dataset as kernel and its one 1-D
dataset as bias.

Keras's kernels are already in TensorFlow's (h, w, in, out) order, the order MatConvNet's are
stored in, so they are used as they are, with one change: Keras's VGG expects BGR input (mean
[103.939, 116.779, 123.68] subtracted), the course feeds RGB with the same per-channel means
subtracted, so the first kernel's input channels are reversed (BGR -> RGB). With that the
course's pipeline gives the same activations from either file.
"""

import os

import numpy as np

from ..errors import WeightsError
from ..layers import VGG16_LAYERS, VGG19_LAYERS, conv_part
from .model import VGGLayer, VGGWeights

FILE_NAME = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"


def keras_name(name):
    """'conv3_2' -> 'block3_conv2' (the Keras name of a MatConvNet conv layer)."""
    block, index = name[4:].split("_")
    return "block%s_conv%s" % (block, index)


def _open(path):
    try:
        import h5py
    except ImportError:
        raise WeightsError(
            "reading the Keras weights %s needs h5py: pip install h5py" % path
        ) from None
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise WeightsError(
            "cannot read %s as an HDF5 file (%s); is it truncated? download it again"
            % (path, reason)
        ) from None


def _kernel_and_bias(group, where):
    """The (kernel, bias) datasets of a Keras layer group."""
    import h5py

    names = [
        n.decode() if isinstance(n, bytes) else str(n)
        for n in np.asarray(group.attrs.get("weight_names", [])).reshape(-1)
    ]
    if names:
        missing = [n for n in names if n not in group]
        if missing:
            raise WeightsError(
                "%s: weight_names lists %s, which is not in the file" % (where, missing[0])
            )
        datasets = [group[n] for n in names]
    else:
        datasets = []
        group.visititems(
            lambda _, obj: datasets.append(obj) if isinstance(obj, h5py.Dataset) else None
        )
    kernels = [d for d in datasets if d.ndim == 4]
    biases = [d for d in datasets if d.ndim == 1]
    if len(kernels) != 1 or len(biases) != 1:
        raise WeightsError(
            "%s holds %s; expected one 4-D kernel and one 1-D bias"
            % (where, ", ".join("%s %s" % (d.name, d.shape) for d in datasets) or "no datasets")
        )
    return kernels[0], biases[0]


def read_keras_h5(path, bgr_to_rgb=True):
    """Read Keras VGG-19 (or VGG-16) notop weights into :class:`VGGWeights` with MatConvNet's
    layer names (conv1_1 .. pool5, relu and pool entries included) and layout ``'keras-h5'``.

    ``bgr_to_rgb`` reverses the first kernel's input channels (see the module docstring).
    Raises :class:`WeightsError` for a file that is not HDF5, is truncated, or lacks a group.
    """
    path = os.fspath(path)
    with _open(path) as fh:
        root = fh
        if "block1_conv1" not in fh and "model_weights" in fh:
            root = fh["model_weights"]
        groups = sorted(root.keys())
        if "block1_conv1" not in root:
            raise WeightsError(
                "%s has no group 'block1_conv1' (found: %s); not Keras VGG weights like %s"
                % (path, ", ".join(groups[:8]) or "nothing", FILE_NAME)
            )
        vgg16 = "block5_conv4" not in root and "block3_conv4" not in root and "block5_conv3" in root
        names = conv_part(VGG16_LAYERS if vgg16 else VGG19_LAYERS)
        layers = []
        for name in names:
            if not name.startswith("conv"):
                layers.append(VGGLayer(name, "relu" if name.startswith("relu") else "pool"))
                continue
            group_name = keras_name(name)
            if group_name not in root:
                raise WeightsError(
                    "%s has no group '%s' (the Keras name of %s); not complete Keras "
                    "VGG-%d weights" % (path, group_name, name, 16 if vgg16 else 19)
                )
            where = "%s: group '%s'" % (path, group_name)
            try:
                k_set, b_set = _kernel_and_bias(root[group_name], where)
                kernel = np.asarray(k_set[()], dtype=np.float32)
                bias = np.asarray(b_set[()], dtype=np.float32).reshape(-1)
            except WeightsError:
                raise
            except (OSError, ValueError, TypeError, KeyError) as exc:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise WeightsError(
                    "%s cannot be read (%s); is the file truncated? download it again"
                    % (where, reason)
                ) from None
            layers.append(VGGLayer(name, "conv", kernel, bias))
    if bgr_to_rgb and layers[0].kernel.ndim == 4:
        layers[0].kernel = np.ascontiguousarray(layers[0].kernel[:, :, ::-1, :])
    return VGGWeights(layers, layout="keras-h5", source=path, meta={"bgr_to_rgb": bool(bgr_to_rgb)})
