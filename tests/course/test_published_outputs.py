"""The course's four "Expected Output" cells, written as the course wrote them.

TF1 derived missing op seeds from the graph, so the cells run inside ``tf1_seeding()``;
outside it TensorFlow 2's own rule gives other (also fixed) numbers.
"""

import contextlib

import numpy as np
import pytest
import tensorflow as tf

from nst_course import (
    compute_content_cost,
    compute_layer_style_cost,
    gram_matrix,
    tf1_seeding,
    total_cost,
)

tf1 = tf.compat.v1

PUBLISHED_GA = np.array(
    [
        [6.42230511, -4.42912197, -2.09668207],
        [-4.42912197, 19.46583748, 19.56387138],
        [-2.09668207, 19.56387138, 20.6864624],
    ]
)


def content_cell():
    tf1.reset_default_graph()
    with tf1.Session() as test:
        tf1.set_random_seed(1)
        a_C = tf1.random_normal([1, 4, 4, 3], mean=1, stddev=4)
        a_G = tf1.random_normal([1, 4, 4, 3], mean=1, stddev=4)
        J_content = compute_content_cost(a_C, a_G)
        return J_content.eval()


def gram_cell():
    tf1.reset_default_graph()
    with tf1.Session() as test:
        tf1.set_random_seed(1)
        A = tf1.random_normal([3, 2 * 1], mean=1, stddev=4)
        GA = gram_matrix(A)
        return GA.eval()


def style_layer_cell():
    tf1.reset_default_graph()
    with tf1.Session() as test:
        tf1.set_random_seed(1)
        a_S = tf1.random_normal([1, 4, 4, 3], mean=1, stddev=4)
        a_G = tf1.random_normal([1, 4, 4, 3], mean=1, stddev=4)
        J_style_layer = compute_layer_style_cost(a_S, a_G)
        return J_style_layer.eval()


def test_content_cost_published():
    with tf1_seeding():
        J = content_cell()
    assert str(J).startswith("6.76559")
    assert J == pytest.approx(6.76559, abs=5e-6)


def test_gram_matrix_published():
    with tf1_seeding():
        GA = gram_cell()
    np.testing.assert_allclose(GA, PUBLISHED_GA, rtol=1e-6, atol=1e-5)


def test_layer_style_cost_published():
    with tf1_seeding():
        J = style_layer_cell()
    assert J == pytest.approx(9.19028, abs=5e-6)


def test_total_cost_published():
    np.random.seed(3)
    J_content = np.random.randn()
    J_style = np.random.randn()
    J = total_cost(J_content, J_style)
    assert str(J) == "35.34667875478276"


@pytest.mark.parametrize(
    "cell, tf2_value",
    [(content_cell, 7.6410227), (style_layer_cell, 2.2849262)],
)
def test_without_switch_tensorflow_is_untouched(cell, tf2_value):
    """Outside tf1_seeding the cells draw with TF2's op seeds (1, 0) and (1, 1)."""
    assert cell() == pytest.approx(tf2_value, rel=1e-6)


def test_switch_restores_on_exception():
    from tensorflow.python.framework import random_seed

    original = random_seed.get_seed
    with contextlib.suppress(ZeroDivisionError):
        with tf1_seeding():
            assert random_seed.get_seed is not original
            1 / 0
    assert random_seed.get_seed is original


def test_switch_keeps_explicit_op_seeds():
    """With an op seed given, the draw is the same inside and outside the switch."""

    def draw():
        tf1.reset_default_graph()
        with tf1.Session():
            tf1.set_random_seed(1)
            return tf1.random_normal([5], seed=7).eval()

    outside = draw()
    with tf1_seeding():
        inside = draw()
    np.testing.assert_array_equal(inside, outside)


def test_switch_seeds_like_tf1_explicit_pairs():
    """The TF1 rule means op seeds 3 and 9 for the course's two draws."""
    tf1.reset_default_graph()
    with tf1.Session() as test:
        tf1.set_random_seed(1)
        a_C = tf1.random_normal([1, 4, 4, 3], mean=1, stddev=4, seed=3)
        a_G = tf1.random_normal([1, 4, 4, 3], mean=1, stddev=4, seed=9)
        explicit = test.run([a_C, a_G])
    with tf1_seeding():
        tf1.reset_default_graph()
        with tf1.Session() as test:
            tf1.set_random_seed(1)
            a_C = tf1.random_normal([1, 4, 4, 3], mean=1, stddev=4)
            a_G = tf1.random_normal([1, 4, 4, 3], mean=1, stddev=4)
            implicit = test.run([a_C, a_G])
    np.testing.assert_array_equal(implicit[0], explicit[0])
    np.testing.assert_array_equal(implicit[1], explicit[1])
