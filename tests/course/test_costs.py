"""The cost functions against plain numpy on random activations of several shapes."""

import numpy as np
import pytest
import tensorflow as tf

from nst_course import (
    STYLE_LAYERS,
    compute_content_cost,
    compute_layer_style_cost,
    compute_style_cost,
    gram_matrix,
    total_cost,
)

tf1 = tf.compat.v1

SHAPES = [(1, 4, 4, 3), (1, 5, 7, 2), (1, 3, 8, 16), (1, 11, 2, 5)]


def np_unroll(a):
    _, h, w, c = a.shape
    return a.reshape(h * w, c).T  # (n_C, n_H n_W): row k is channel k over all pixels


def np_content_cost(a_C, a_G):
    _, h, w, c = a_G.shape
    return np.sum((a_C.astype(np.float64) - a_G) ** 2) / (4 * h * w * c)


def np_layer_style_cost(a_S, a_G):
    _, h, w, c = a_G.shape
    GS = np_unroll(a_S.astype(np.float64)) @ np_unroll(a_S.astype(np.float64)).T
    GG = np_unroll(a_G.astype(np.float64)) @ np_unroll(a_G.astype(np.float64)).T
    return np.sum((GS - GG) ** 2) / (4 * c**2 * (h * w) ** 2)


@pytest.mark.parametrize("shape", SHAPES)
def test_content_cost_matches_numpy(shape):
    rng = np.random.default_rng(1)
    a_C = rng.normal(1, 4, shape).astype(np.float32)
    a_G_value = rng.normal(1, 4, shape).astype(np.float32)
    a_G = tf1.placeholder(tf.float32, shape)
    with tf1.Session() as sess:
        J = sess.run(compute_content_cost(a_C, a_G), {a_G: a_G_value})
    assert J == pytest.approx(np_content_cost(a_C, a_G_value), rel=1e-5)


@pytest.mark.parametrize("shape", [(3, 2), (5, 12), (1, 7), (16, 3)])
def test_gram_matrix_matches_numpy(shape):
    A = np.random.default_rng(2).normal(size=shape).astype(np.float32)
    with tf1.Session() as sess:
        GA = sess.run(gram_matrix(tf.constant(A)))
    assert GA.shape == (shape[0], shape[0])
    np.testing.assert_allclose(GA, A.astype(np.float64) @ A.T, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape", SHAPES)
def test_layer_style_cost_matches_numpy(shape):
    rng = np.random.default_rng(3)
    a_S = rng.normal(1, 4, shape).astype(np.float32)
    a_G_value = rng.normal(1, 4, shape).astype(np.float32)
    a_G = tf1.placeholder(tf.float32, shape)
    with tf1.Session() as sess:
        J = sess.run(compute_layer_style_cost(a_S, a_G), {a_G: a_G_value})
    assert J == pytest.approx(np_layer_style_cost(a_S, a_G_value), rel=1e-5)


@pytest.mark.parametrize("shape", [(1, 4, 4, 3), (1, 5, 7, 2), (1, 3, 8, 16)])
def test_wrong_unrolling_is_detectable(shape):
    """Reshaping straight to (n_C, n_H n_W) mixes pixels and channels: a different number."""
    rng = np.random.default_rng(4)
    a_S = rng.normal(1, 4, shape).astype(np.float32)
    a_G = rng.normal(1, 4, shape).astype(np.float32)
    _, h, w, c = shape
    wrong_S = a_S.reshape(c, h * w).astype(np.float64)
    wrong_G = a_G.reshape(c, h * w).astype(np.float64)
    wrong = np.sum((wrong_S @ wrong_S.T - wrong_G @ wrong_G.T) ** 2) / (4 * c**2 * (h * w) ** 2)
    with tf1.Session() as sess:
        J = sess.run(compute_layer_style_cost(a_S, tf.constant(a_G)))
    assert J == pytest.approx(np_layer_style_cost(a_S, a_G), rel=1e-5)
    assert abs(J - wrong) > 1e-3 * abs(wrong)


def test_style_cost_uses_default_session_and_coefficients():
    """J_style = sum_l lambda_l J_l with a_S evaluated by the InteractiveSession."""
    rng = np.random.default_rng(5)
    x = tf1.Variable(np.zeros((1, 6, 5, 3), np.float32))
    kernels = {name: rng.normal(size=(1, 1, 3, 4)).astype(np.float32) for name, _ in STYLE_LAYERS}
    model = {"input": x}
    for name, _ in STYLE_LAYERS:
        model[name] = tf.nn.relu(tf.nn.conv2d(x, kernels[name], [1, 1, 1, 1], "SAME"))
    style = rng.normal(size=(1, 6, 5, 3)).astype(np.float32)
    gen = rng.normal(size=(1, 6, 5, 3)).astype(np.float32)
    sess = tf1.InteractiveSession()
    try:
        sess.run(x.assign(style))
        J_style = compute_style_cost(model, STYLE_LAYERS)
        sess.run(x.assign(gen))
        value = sess.run(J_style)
    finally:
        sess.close()

    def act(img, k):
        return np.maximum(np.einsum("bhwc,cd->bhwd", img, k[0, 0]), 0)

    expected = sum(
        coeff * np_layer_style_cost(act(style, kernels[n]), act(gen, kernels[n]))
        for n, coeff in STYLE_LAYERS
    )
    assert value == pytest.approx(expected, rel=1e-4)


def test_style_cost_without_session_is_a_clear_error():
    with pytest.raises(RuntimeError, match="default session"):
        compute_style_cost(
            {"conv1_1": tf.constant(np.ones((1, 2, 2, 1), np.float32))}, [("conv1_1", 1.0)]
        )


def test_total_cost_defaults_and_weights():
    assert total_cost(2.0, 3.0) == 10 * 2.0 + 40 * 3.0
    assert total_cost(2.0, 3.0, alpha=1, beta=0.5) == 3.5
    with tf1.Session() as sess:
        J = total_cost(tf.constant(2.0), tf.constant(3.0))
        assert sess.run(J) == pytest.approx(140.0)
