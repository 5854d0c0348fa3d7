"""The VGG network as the course builds it: a dict of TensorFlow 1 graph nodes.

    input  -> conv1_1 -> conv1_2 -> avgpool1 -> conv2_1 -> ... -> conv5_4 -> avgpool5

``input`` is a trainable float32 Variable of shape (1, n_H, n_W, 3): the image being
optimised. Each ``convN_M`` is relu(conv2d(prev, W, stride 1, SAME) + b) with W (3, 3, in,
out) and b (out,) constants taken from the weights file as stored; each pool is a 2x2,
stride-2, SAME average pool (the course replaces VGG's max pooling with averages). The fully
connected layers are not used.
"""

import numpy as np

from . import registry
from ._tf import tf
from .config import CONFIG
from .weights import load_weights
from .weights.model import expected_names, validate

tf1 = tf.compat.v1

POOLING = ("avg", "max")


#: Graph collection of the weight variables that ``build_vgg(weights_as="variable")`` makes.
WEIGHT_VARIABLES = "nst_course_vgg_weights"


def _weight(value, name, weights_as):
    """A layer's kernel or bias in the graph: a constant (the course's) or a variable.

    A variable (not trainable, not among the global variables, so optimisers and
    ``global_variables_initializer`` leave it alone) is filled once from a placeholder by
    :func:`initialize_weights`. It computes the same numbers as the constant but keeps the
    80 MB of VGG-19 kernels out of the GraphDef, which TensorFlow otherwise copies several
    times (graph, optimised graph, folded constants): about half the main job's memory.
    """
    if weights_as == "constant":
        return tf.constant(value, name=name)
    feed = tf1.placeholder(tf.float32, value.shape, name=name + "_value")
    var = tf1.Variable(feed, trainable=False, collections=[WEIGHT_VARIABLES], name=name)
    registry.remember(var.graph, **{"weight_feed:" + var.name: (var.initializer, feed, value)})
    return var


def initialize_weights(sess):
    """Load the weight variables of ``sess.graph`` (made with ``weights_as="variable"``).

    One ``sess.run`` for all of them. Each session of the graph needs this once, before its
    first run of the network; :func:`release_weight_values` ends it.
    """
    initializers, feeds = [], {}
    for var in sess.graph.get_collection(WEIGHT_VARIABLES):
        entry = registry.lookup(sess.graph, "weight_feed:" + var.name)
        if entry is None or entry[2] is None:
            raise RuntimeError(
                "the weight values of this graph were released; "
                "initialize_weights must come before release_weight_values"
            )
        initializer, feed, value = entry
        initializers.append(initializer)
        feeds[feed] = value
    if initializers:
        sess.run(initializers, feeds)


def release_weight_values(graph):
    """Forget the numpy weight values that :func:`initialize_weights` feeds (``graph``'s).

    The variables keep theirs; the arrays (80 MB for VGG-19, or pages of a memory-mapped
    cache) can then be freed. For a graph whose sessions are all initialised.
    """
    for var in graph.get_collection(WEIGHT_VARIABLES):
        key = "weight_feed:" + var.name
        initializer, feed, _ = registry.lookup(graph, key)
        registry.remember(graph, **{key: (initializer, feed, None)})


def _conv2d_relu(prev_layer, kernel, bias, name, weights_as="constant"):
    """relu(conv2d(prev, W) + b): W (k, k, in, out) and b (out,) from the weights file."""
    W = _weight(kernel, name + "_W", weights_as)
    b = _weight(np.reshape(bias, (bias.size,)), name + "_b", weights_as)
    conv = tf.nn.conv2d(prev_layer, W, strides=[1, 1, 1, 1], padding="SAME")
    return tf.nn.relu(conv + b, name=name)


def _pool(prev_layer, pooling, name):
    """2x2 pooling with stride 2, SAME padding; 'avg' is the course's choice."""
    if pooling == "avg":
        return tf.nn.avg_pool2d(
            prev_layer, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME", name=name
        )
    return tf.nn.max_pool2d(
        prev_layer, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME", name=name
    )


def pool_name(block, pooling="avg"):
    """The model dict's key of block ``block``'s pool: 'avgpool<N>' (the course's) or 'maxpool<N>'."""
    return "%spool%d" % (pooling, block)


def build_vgg(
    weights,
    height=None,
    width=None,
    pooling="avg",
    input_variable=None,
    weights_as="constant",
    upto=None,
):
    """Build the network from :class:`~nst_course.weights.VGGWeights` in the default graph.

    The graph follows the file's own layer list (names and types) up to pool5, so VGG-19 and
    VGG-16 files both work. Returns the course's dict of nodes (``input``, ``conv1_1``, ...,
    ``avgpool5``). ``weights_as="variable"`` holds W and b in variables instead of the
    course's constants (same values, far less memory); call :func:`initialize_weights`
    with the session before running the graph. ``upto`` (a key of the dict, e.g.
    ``'conv5_1'``) stops the network after that layer: the layers after it are left out of
    the graph and the dict.
    """
    if weights_as not in ("constant", "variable"):
        raise ValueError("weights_as must be 'constant' or 'variable', not %r" % (weights_as,))
    if pooling not in POOLING:
        raise ValueError("pooling must be one of %s, not %r" % (", ".join(POOLING), pooling))
    height = CONFIG.IMAGE_HEIGHT if height is None else int(height)
    width = CONFIG.IMAGE_WIDTH if width is None else int(width)
    validate(weights)
    graph = {}
    if input_variable is None:
        input_variable = tf1.Variable(
            np.zeros((1, height, width, CONFIG.COLOR_CHANNELS)), dtype="float32", name="input"
        )
    graph["input"] = input_variable
    prev = input_variable
    for layer in weights.layers[: len(expected_names(weights))]:
        key = _key(layer, pooling)
        if key is None:
            continue  # relu entries are folded into the preceding convolution, as in the course.
        if layer.type == "conv":
            prev = _conv2d_relu(prev, layer.kernel, layer.bias, layer.name, weights_as)
        else:
            prev = _pool(prev, pooling, key)
        graph[key] = prev
        if key == upto:
            break
    registry.remember(model=graph)
    return graph


def _key(layer, pooling):
    """The dict key of a conv or pool layer of the file (None for the others, e.g. relu)."""
    if layer.type == "conv":
        return layer.name
    if layer.type == "pool":
        return pool_name(int(layer.name[4:]), pooling)
    return None


def layer_keys(weights, pooling="avg"):
    """The keys of :func:`build_vgg`'s dict after ``input``, in network order."""
    keys = [_key(layer, pooling) for layer in weights.layers[: len(expected_names(weights))]]
    return [key for key in keys if key is not None]


def deepest(weights, names, pooling="avg"):
    """The one of ``names`` (keys of the dict) that comes last in the network, or None if
    one of them is not a layer of it."""
    keys = layer_keys(weights, pooling)
    if not names or any(name not in keys for name in names):
        return None
    return max(names, key=keys.index)


def load_vgg_model(path=None, height=None, width=None, pooling="avg"):
    """Load VGG weights and build the course's model dict (the course's ``load_vgg_model``).

    Arguments:
    path -- a weights file (MatConvNet .mat in either layout, and what
            :func:`nst_course.weights.load_weights` accepts); default: the lookup order of
            :func:`nst_course.weights.find_weights` ($NST_VGG_MODEL, the course's
            ``CONFIG.VGG_MODEL``, the user cache)
    height, width -- input size; default CONFIG's 300 x 400
    pooling -- 'avg' (the course's) or 'max'

    Returns:
    graph -- dict: 'input' (trainable Variable, (1, height, width, 3)) and one tensor per
             layer: conv1_1 (1, H, W, 64), ..., avgpool5 (1, H/32, W/32, 512), rounded up.
    """
    weights = load_weights(path)  # None: the lookup order, the course's place among them
    return build_vgg(weights, height=height, width=width, pooling=pooling)
