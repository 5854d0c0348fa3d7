"""The sandbox's gram_matrix oracle speaks with the notebook's voice (issues 21 and 22).

In ``nst-course grade`` compute_layer_style_cost is judged with an oracle ``gram_matrix``
(values the grader computed for the matrices the check expects; no formula of the solution in
the box). These tests run the oracle in this process, next to the package's reference
``gram_matrix`` (the notebook's callee), so a drift shows here before the three-way test
(tests/grading/test_voice_agreement.py, the real sandbox) pays for a whole class.
"""

import numpy as np
import pytest

import nst_course.grading as grading
from nst_course import costs
from nst_course._tf import tf
from nst_course.grading.box import _key, gram_oracle, matmul_shape_error
from nst_course.grading.hints import hint
from nst_course.grading.oracles import gram_table
from tests.fixtures.grading_corpus import CORPUS, define

tf1 = tf.compat.v1
STYLE = "compute_layer_style_cost"
SEED = 2017


def words(text):
    return " ".join(str(text).split())


@pytest.mark.parametrize(
    "shape",
    [(1, 4, 4, 3), (1, 4, 3, 3), (4, 3, 3), (2, 5, 3, 4), (12,), ()],
    ids=lambda shape: "x".join(map(str, shape)) or "scalar",
)
def test_the_shape_error_is_tf_matmuls_own(shape):
    """Built from the static shape, word for word what tf.matmul(A, tf.transpose(A)) raises
    (inner dimensions, then the batch dimensions; rank below 2; node and input names)."""
    graph = tf1.Graph()
    with graph.as_default():
        tf1.set_random_seed(1)
        A = tf1.random_normal(shape)
        built = matmul_shape_error(A)
        with pytest.raises(ValueError) as raised:
            tf.matmul(A, tf.transpose(A))
    assert built == str(raised.value)


def test_no_error_text_where_the_product_is_defined():
    """A 4-D A with n_C == n_H multiplies (a 4-D result): no text to copy, the oracle fails
    as for any matrix it does not hold."""
    graph = tf1.Graph()
    with graph.as_default():
        assert matmul_shape_error(tf1.zeros((1, 4, 4, 4))) is None
        assert matmul_shape_error(tf1.zeros((3, 2))) is None


def test_the_table_holds_the_unrollings_the_judge_names():
    probes = grading.probes(STYLE, seed=SEED)
    table = gram_table(probes)
    a = np.asarray(probes[1]["args"][1]["value"], np.float32)
    _, n_H, n_W, n_C = a.shape
    right = a.reshape(n_H * n_W, n_C).T
    straight = a.reshape(n_C, n_H * n_W)
    for A in (right, straight, straight.T, right.T):
        expected = A.astype(np.float64) @ A.astype(np.float64).T
        np.testing.assert_allclose(table[_key(A)], expected, rtol=1e-6)


def _judged_both_ways(label):
    source = next(s for lab, s, _ in CORPUS[STYLE] if lab == label)
    function = define(STYLE, source, label)
    probes = grading.probes(STYLE, seed=SEED)
    oracle = gram_oracle(gram_table(probes))
    results = []
    for callee in (costs.gram_matrix, oracle):
        seen = grading.observe(STYLE, function, probes, callees={"gram_matrix": callee})
        results.append(grading.judge(STYLE, probes, seen))
    return results


@pytest.mark.parametrize(
    "label", ["course", "no transpose", "reshape then transpose", "not unrolled"]
)
def test_the_oracle_and_the_reference_give_the_same_verdict(label):
    reference, oracle = _judged_both_ways(label)
    assert (oracle.passed, oracle.hint_id) == (reference.passed, reference.hint_id)
    assert words(oracle.message) == words(reference.message)


def test_any_other_matrix_is_the_oracles_own_hint():
    source = next(s for lab, s, _ in CORPUS[STYLE] if lab == "course")
    source = source.replace("GS = gram_matrix(a_S)", "GS = gram_matrix(2.0 * a_S)")
    function = define(STYLE, source, "scaled")
    probes = grading.probes(STYLE, seed=SEED)
    oracle = gram_oracle(gram_table(probes))
    seen = grading.observe(STYLE, function, probes, callees={"gram_matrix": oracle})
    result = grading.judge(STYLE, probes, seen)
    assert result.hint_id == "unexpected-gram-input"
    assert result.message == hint("unexpected-gram-input", name=STYLE)
