"""The graded cost functions of the assignment (Gatys et al. 2015), as TensorFlow 1 graph code.

Shapes follow the course: activations are ``(m=1, n_H, n_W, n_C)``; ``a_C`` and ``a_S`` are
usually numpy arrays obtained with ``sess.run``, ``a_G`` a tensor of the graph being trained.
"""

from . import registry
from ._tf import tf

tf1 = tf.compat.v1


def compute_content_cost(a_C, a_G):
    """Content cost between the content and the generated image's activations.

    J_content(C, G) = 1 / (4 n_H n_W n_C) * sum_{all entries} (a_C - a_G)^2

    Arguments:
    a_C -- hidden layer activations of the content image C, shape (1, n_H, n_W, n_C)
    a_G -- hidden layer activations of the generated image G, shape (1, n_H, n_W, n_C)

    Returns:
    J_content -- scalar tensor
    """
    m, n_H, n_W, n_C = a_G.get_shape().as_list()
    # Unroll both to one dimension (the course's reshape; the order is the same for both).
    a_C_unrolled = tf.reshape(a_C, [-1])
    a_G_unrolled = tf.reshape(a_G, [-1])
    J_content = (1.0 / (4 * n_H * n_W * n_C)) * tf.reduce_sum(
        tf.square(tf.subtract(a_C_unrolled, a_G_unrolled))
    )
    registry.remember(J_content=J_content)
    return J_content


def gram_matrix(A):
    """Gram matrix (style matrix) of A.

    G_A = A A^T

    Argument:
    A -- matrix of shape (n_C, n_H*n_W)

    Returns:
    GA -- Gram matrix of A, shape (n_C, n_C)
    """
    return tf.matmul(A, tf.transpose(A))


def unroll_activations(a):
    """Unroll activations of shape (1, n_H, n_W, n_C) to (n_C, n_H*n_W).

    Each row is one channel's activations over all pixels. This reshapes to (n_H*n_W, n_C)
    first and then transposes; reshaping straight to (n_C, n_H*n_W) would mix pixels and
    channels.
    """
    m, n_H, n_W, n_C = tf.convert_to_tensor(a).get_shape().as_list()
    return tf.transpose(tf.reshape(a, [n_H * n_W, n_C]))


def compute_layer_style_cost(a_S, a_G):
    """Style cost of one layer.

    J_style^[l](S, G) = 1 / (4 n_C^2 (n_H n_W)^2) * sum_{i,j} (G^(S)_ij - G^(G)_ij)^2

    Arguments:
    a_S -- hidden layer activations of the style image S, shape (1, n_H, n_W, n_C)
    a_G -- hidden layer activations of the generated image G, shape (1, n_H, n_W, n_C)

    Returns:
    J_style_layer -- scalar tensor
    """
    m, n_H, n_W, n_C = a_G.get_shape().as_list()
    GS = gram_matrix(unroll_activations(a_S))
    GG = gram_matrix(unroll_activations(a_G))
    return layer_style_cost_from_grams(GS, GG, n_H, n_W, n_C)


def layer_style_cost_from_grams(GS, GG, n_H, n_W, n_C):
    """J_style^[l] from two Gram matrices of shape (n_C, n_C); the normalisation as above."""
    return (1.0 / (4 * n_C**2 * (n_H * n_W) ** 2)) * tf.reduce_sum(tf.pow(GS - GG, 2))


def compute_style_cost(model, STYLE_LAYERS):
    """Overall style cost over several layers.

    J_style(S, G) = sum_l lambda^[l] J_style^[l](S, G)

    a_S for each layer is evaluated now, with the default session (the course's
    ``InteractiveSession``), so the style image must already be assigned to
    ``model['input']``; a_G stays the graph tensor.

    Arguments:
    model -- the dict of graph nodes returned by ``load_vgg_model``
    STYLE_LAYERS -- list of (layer name, coefficient lambda^[l])

    Returns:
    J_style -- scalar tensor
    """
    sess = tf1.get_default_session()
    if sess is None:
        raise RuntimeError(
            "compute_style_cost needs a default session (tf.compat.v1.InteractiveSession()) "
            "with the style image assigned to model['input']"
        )
    J_style = 0
    for layer_name, coeff in STYLE_LAYERS:
        out = model[layer_name]
        a_S = sess.run(out)
        a_G = out
        J_style_layer = compute_layer_style_cost(a_S, a_G)
        J_style += coeff * J_style_layer
    registry.remember(J_style=J_style)
    return J_style


def total_cost(J_content, J_style, alpha=10, beta=40):
    """Total cost J(G) = alpha J_content(C, G) + beta J_style(S, G).

    Arguments:
    J_content -- content cost
    J_style -- style cost
    alpha -- weight of the content cost
    beta -- weight of the style cost

    Returns:
    J -- total cost (a tensor when given tensors, a number when given numbers)
    """
    J = alpha * J_content + beta * J_style
    if isinstance(J, tf.Tensor):
        registry.remember(J=J)
    return J


# --------------------------------------------------------------------------- beyond the course


def total_variation_cost(image):
    """Total-variation regulariser of the generated image (opt-in: ``--tv-weight``).

    J_tv(G) = sum_{i,j,c} (G[i+1, j, c] - G[i, j, c])^2 + sum_{i,j,c} (G[i, j+1, c] - G[i, j, c])^2

    the squared differences of vertically and of horizontally neighbouring pixels, summed over
    all positions and channels (the normalised pixel values; the mean subtraction cancels).

    Argument:
    image -- the generated image, shape (1, n_H, n_W, n_C) (usually ``model['input']``)

    Returns:
    J_tv -- scalar tensor
    """
    image = tf.convert_to_tensor(image)
    d_vertical = image[:, 1:, :, :] - image[:, :-1, :, :]
    d_horizontal = image[:, :, 1:, :] - image[:, :, :-1, :]
    return tf.reduce_sum(tf.square(d_vertical)) + tf.reduce_sum(tf.square(d_horizontal))
