"""Style options beyond the course: layer choice, several style images, style scale.

The course's style cost compares the Gram matrix of the style image's activations with the
generated image's, layer by layer (``compute_layer_style_cost``)::

    J_style^[l] = 1 / (4 n_C^2 (n_H n_W)^2) * sum_ij (G^(S)_ij - G^(G)_ij)^2

where n_H, n_W, n_C are the generated image's layer size and G = A A^T for the activations
A unrolled to (n_C, n_H n_W). With several style images S_1..S_K and blend weights w_k
(normalised to sum to 1), and style images of another size than the output
(``--style-scale``), the target Gram matrix of layer l becomes::

    T^[l] = sum_k w_k * G^(S_k) * (n_H n_W) / (n_H^(k) n_W^(k))

A Gram matrix sums over pixels, so each style's is first divided by its own pixel count
n_H^(k) n_W^(k) and then multiplied by the generated layer's n_H n_W: the style image's size
changes what the network sees, not the weight of the style term. With one style image of the
output's size (w = 1, equal sizes) T^[l] is the course's G^(S) exactly.
"""

import numpy as np

from .._tf import tf
from ..errors import OptionError
from ..vgg import build_vgg, initialize_weights
from .checks import check_layer_choice

tf1 = tf.compat.v1


def valid_layers(model):
    """The layer names of a model dict, in network order (everything but 'input')."""
    return [name for name in model if name != "input"]


def check_layers(model, content_layer, style_layers):
    """Raise :class:`OptionError` (one line, with the valid names) for an unknown layer name."""
    valid = valid_layers(model)
    check_layer_choice(content_layer, style_layers, valid)
    if not style_layers:
        raise OptionError("no style layers given; valid layers: %s" % ", ".join(valid))


def blend_weights(count, weights=None):
    """Blend weights of ``count`` style images, normalised to sum to 1 (equal when None)."""
    if weights is None:
        return [1.0 / count] * count
    if len(weights) != count:
        raise OptionError(
            "%d style blend weights given for %d style images" % (len(weights), count)
        )
    weights = [float(w) for w in weights]
    total = sum(weights)
    if not all(np.isfinite(w) and w >= 0 for w in weights) or total <= 0:
        raise OptionError(
            "style blend weights must be 0 or more with a positive sum, not %s"
            % ",".join(str(w) for w in weights)
        )
    return [w / total for w in weights]


def style_size(width, height, scale=1.0):
    """(width, height) of the style images: the output's size times ``scale`` (at least 1x1)."""
    if scale == 1.0:
        return int(width), int(height)
    return max(1, int(round(width * scale))), max(1, int(round(height * scale)))


def uses_targets(opts):
    """Whether the style cost needs precomputed targets (several styles, blend weights given,
    or a style scale); otherwise the run takes the course's ``compute_style_cost`` path."""
    return len(opts.style) > 1 or opts.style_blend_weights is not None or opts.style_scale != 1.0


def gram_targets(weights, style_images, layer_names, blend, out_sizes, pooling="avg"):
    """Target Gram matrices T^[l] (float64, (n_C, n_C)) for each of ``layer_names``.

    style_images -- normalised style images (1, h, w, 3), all of the same size
    blend -- normalised blend weights, one per style image
    out_sizes -- {layer: n_H * n_W of the generated image's layer}

    The style activations come from a VGG of the style images' size built in a graph and
    session of its own; the Gram matrices are computed in float64.
    """
    _, h, w, _ = np.shape(style_images[0])
    targets = {name: 0.0 for name in layer_names}
    graph = tf.Graph()
    with graph.as_default():
        image_in = tf1.placeholder(tf.float32, (1, h, w, 3), name="style_image")
        model = build_vgg(
            weights,
            height=h,
            width=w,
            pooling=pooling,
            input_variable=image_in,
            weights_as="variable",
        )
        with tf1.Session(graph=graph) as sess:
            initialize_weights(sess)
            for image, w_k in zip(style_images, blend):
                acts = sess.run({name: model[name] for name in layer_names}, {image_in: image})
                for name in layer_names:
                    a = acts[name].astype(np.float64)
                    _, n_H, n_W, n_C = a.shape
                    A = a.reshape(n_H * n_W, n_C).T
                    targets[name] = targets[name] + w_k * (A @ A.T) * (
                        out_sizes[name] / (n_H * n_W)
                    )
    return targets


def layer_sizes(model, layer_names):
    """{layer: n_H * n_W} of the model's layers."""
    sizes = {}
    for name in layer_names:
        _, n_H, n_W, _ = model[name].get_shape().as_list()
        sizes[name] = n_H * n_W
    return sizes
