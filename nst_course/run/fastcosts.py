"""The course's costs, arranged for speed: what the main job (``nst-course run``) trains.

Same formulas as :mod:`nst_course.costs`, same values to float32 rounding (checked by
tests/run/test_fast_graph.py against the plain course graph), fewer and cheaper ops per step:

* The style targets G^(S) are computed once, in float64 numpy, when the graph is built; the
  graph holds the (n_C, n_C) matrices, not the style activations.
* G^(G) = A A^T with A = unroll(a_G) of shape (n_C, n_H n_W) is computed as F^T F with
  F = reshape(a_G, (n_H n_W, n_C)) (A = F^T), in one matmul with ``transpose_a``: no
  transposed copy of the activations, forward or backward. Its gradient is written out as
  dJ/dF = F (dJ/dG + dJ/dG^T): one (n_H n_W, n_C) x (n_C, n_C) matmul, where TensorFlow's
  generic MatMul gradient takes two (one per operand, both F) and adds the two results.
* J_content = 1/(4 n_H n_W n_C) * sum((a_C - a_G)^2) is written with ``tf.nn.l2_loss``
  (sum(x^2) / 2), whose gradient is one multiply instead of a broadcast and three
  elementwise ops on the whole layer.

Measured effect and the benchmark: benchmarks/bench_speed.py and the README's speed section.
"""

import numpy as np

from .._tf import tf

#: The name of G = F^T F's gradient in TensorFlow's gradient registry (registered once).
GRAM_GRADIENT = "NSTCourseGramGrad"


def _gram_grad(op, dG):
    """dJ/dF = F (dJ/dG + dJ/dG^T) in one matmul, for G = matmul(F, F, transpose_a=True).

    F feeds both inputs of the MatMul; the whole gradient goes to the first, None to the
    second (TensorFlow adds the two). Written as a registered gradient, not
    ``tf.custom_gradient``: in graph mode that registers a new gradient function, holding its
    graph, for every call, so a process that builds many graphs (a batch worker) would keep
    them all alive.
    """
    F = op.inputs[0]
    return [tf.matmul(F, dG + tf.transpose(dG)), None]


try:
    tf.RegisterGradient(GRAM_GRADIENT)(_gram_grad)
except KeyError:  # already registered (the module was loaded again)
    pass


def _gram(F):
    """G = F^T F for F (n, n_C), with the gradient of :func:`_gram_grad`."""
    with F.graph.gradient_override_map({"MatMul": GRAM_GRADIENT}):
        return tf.matmul(F, F, transpose_a=True)


def gram_of_activations(a_G):
    """G = A A^T for activations a_G (1, n_H, n_W, n_C), as F^T F, F = (n_H n_W, n_C): (n_C, n_C)."""
    _, n_H, n_W, n_C = a_G.get_shape().as_list()
    F = tf.reshape(a_G, [n_H * n_W, n_C])
    return _gram(F)


def gram_of_array(a):
    """The same Gram matrix of a numpy activation array (1, n_H, n_W, n_C), in float64."""
    a = np.asarray(a, dtype=np.float64)
    _, n_H, n_W, n_C = a.shape
    F = a.reshape(n_H * n_W, n_C)
    return F.T @ F


def content_cost(a_C, a_G):
    """J_content = 1/(4 n_H n_W n_C) * sum((a_C - a_G)^2); a_C numpy, a_G (1, n_H, n_W, n_C)."""
    _, n_H, n_W, n_C = a_G.get_shape().as_list()
    return (2.0 / (4 * n_H * n_W * n_C)) * tf.nn.l2_loss(a_G - np.asarray(a_C, dtype=np.float32))


def layer_style_cost(GS, a_G):
    """J_style^[l] = 1/(4 n_C^2 (n_H n_W)^2) * sum((G^(S) - G^(G))^2), G^(S) a (n_C, n_C) target."""
    _, n_H, n_W, n_C = a_G.get_shape().as_list()
    GS = tf.constant(np.asarray(GS, dtype=np.float32))
    diff = gram_of_activations(a_G) - GS
    return (2.0 / (4 * n_C**2 * (n_H * n_W) ** 2)) * tf.nn.l2_loss(diff)


def style_cost(model, style_layers, targets):
    """J_style = sum_l lambda^[l] J_style^[l] against target Gram matrices {layer: (n_C, n_C)}."""
    J_style = 0
    for name, coeff in style_layers:
        J_style += coeff * layer_style_cost(targets[name], model[name])
    return J_style
