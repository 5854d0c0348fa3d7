"""load_vgg_model on MatConvNet files of both layouts written by the tests themselves."""

import numpy as np
import pytest
import scipy.io
import tensorflow as tf

from nst_course import WeightsError, load_vgg_model
from nst_course.weights.synthetic import TRUE_CHANNELS, random_vgg_weights, write_matconvnet

tf1 = tf.compat.v1

PRINTOUT = {  # the course's model printout at 300x400
    "conv1_1": (1, 300, 400, 64),
    "conv1_2": (1, 300, 400, 64),
    "avgpool1": (1, 150, 200, 64),
    "conv2_1": (1, 150, 200, 128),
    "conv2_2": (1, 150, 200, 128),
    "avgpool2": (1, 75, 100, 128),
    "conv3_1": (1, 75, 100, 256),
    "conv3_2": (1, 75, 100, 256),
    "conv3_3": (1, 75, 100, 256),
    "conv3_4": (1, 75, 100, 256),
    "avgpool3": (1, 38, 50, 256),
    "conv4_1": (1, 38, 50, 512),
    "conv4_2": (1, 38, 50, 512),
    "conv4_3": (1, 38, 50, 512),
    "conv4_4": (1, 38, 50, 512),
    "avgpool4": (1, 19, 25, 512),
    "conv5_1": (1, 19, 25, 512),
    "conv5_2": (1, 19, 25, 512),
    "conv5_3": (1, 19, 25, 512),
    "conv5_4": (1, 19, 25, 512),
    "avgpool5": (1, 10, 13, 512),
}


@pytest.fixture(scope="module")
def true_shape_mat(tmp_path_factory):
    """True VGG-19 conv shapes, all 43 layers (fc width reduced to keep the file small)."""
    weights = random_vgg_weights(channels=TRUE_CHANNELS[:5] + (8,), seed=1)
    path = tmp_path_factory.mktemp("true") / "vgg19-true-conv.mat"
    return str(write_matconvnet(str(path), weights))


def test_model_keys_and_shapes_at_300x400(true_shape_mat):
    model = load_vgg_model(true_shape_mat)
    assert set(model) == set(PRINTOUT) | {"input"}
    assert model["input"].shape.as_list() == [1, 300, 400, 3]
    assert model["input"].dtype.base_dtype == tf.float32
    assert model["input"] in tf1.trainable_variables()
    for name, shape in PRINTOUT.items():
        assert tuple(model[name].shape.as_list()) == shape, name


def np_conv_relu(x, W, b):
    """SAME cross-correlation, stride 1, then bias and relu: (H, W, in) -> (H, W, out)."""
    k = W.shape[0]
    p = k // 2
    xp = np.pad(x.astype(np.float64), ((p, p), (p, p), (0, 0)))
    out = np.zeros(x.shape[:2] + (W.shape[3],))
    for dy in range(k):
        for dx in range(k):
            out += xp[dy : dy + x.shape[0], dx : dx + x.shape[1], :] @ W[dy, dx].astype(np.float64)
    return np.maximum(out + b, 0)


def np_avgpool_same(x):
    """2x2 stride-2 SAME average pool; windows clipped at the border average only real cells."""
    H, W, C = x.shape
    out = np.zeros(((H + 1) // 2, (W + 1) // 2, C))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = x[2 * i : 2 * i + 2, 2 * j : 2 * j + 2].mean(axis=(0, 1))
    return out


def test_first_layers_match_numpy(tiny_mat, tiny):
    image = np.random.default_rng(0).normal(0, 50, (1, 9, 11, 3)).astype(np.float32)
    model = load_vgg_model(tiny_mat, height=9, width=11)
    with tf1.Session() as sess:
        sess.run(model["input"].assign(image))
        conv1_1, conv1_2, pool1 = sess.run([model["conv1_1"], model["conv1_2"], model["avgpool1"]])
    ref1 = np_conv_relu(image[0], tiny["conv1_1"].kernel, tiny["conv1_1"].bias)
    ref2 = np_conv_relu(ref1, tiny["conv1_2"].kernel, tiny["conv1_2"].bias)
    np.testing.assert_allclose(conv1_1[0], ref1, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(conv1_2[0], ref2, rtol=1e-4, atol=1e-3)
    assert pool1.shape == (1, 5, 6, tiny["conv1_2"].kernel.shape[3])
    np.testing.assert_allclose(pool1[0], np_avgpool_same(ref2), rtol=1e-4, atol=1e-3)


def test_both_layouts_give_identical_graphs(tiny_mat, tiny_mat_older):
    assert set(scipy.io.whosmat(tiny_mat_older)) != set(scipy.io.whosmat(tiny_mat))
    image = np.random.default_rng(1).normal(0, 50, (1, 16, 20, 3)).astype(np.float32)
    results = []
    for path in (tiny_mat, tiny_mat_older):
        tf1.reset_default_graph()
        model = load_vgg_model(path, height=16, width=20)
        names = sorted(k for k in model if k != "input")
        with tf1.Session() as sess:
            sess.run(model["input"].assign(image))
            results.append((names, sess.run([model[n] for n in names])))
    assert results[0][0] == results[1][0]
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_array_equal(a, b)


def test_kernels_used_as_stored(tiny_mat, tiny):
    """The graph's constants are the file's kernels, not transposed."""
    load_vgg_model(tiny_mat, height=8, width=8)
    W = tf1.get_default_graph().get_tensor_by_name("conv1_1_W:0")
    with tf1.Session() as sess:
        np.testing.assert_array_equal(sess.run(W), tiny["conv1_1"].kernel)


def test_wrong_layer_name_is_rejected(tmp_path, tiny):
    import copy

    bad = copy.deepcopy(tiny)
    bad.layers[21].name = "conv4_x"
    path = write_matconvnet(str(tmp_path / "bad.mat"), bad)
    with pytest.raises(WeightsError, match=r"layer 21 is named 'conv4_x', expected 'conv4_2'"):
        load_vgg_model(path, height=8, width=8)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(WeightsError, match="not found"):
        load_vgg_model(str(tmp_path / "nope.mat"))


def test_vgg16_file_builds_without_conv3_4(tmp_path):
    weights = random_vgg_weights(depth=16, channels=(4, 4, 4, 4, 4, 8))
    path = write_matconvnet(str(tmp_path / "vgg16.mat"), weights)
    model = load_vgg_model(path, height=32, width=32)
    assert "conv3_4" not in model and "conv5_3" in model and "avgpool5" in model
    assert model["conv4_2"].shape.as_list() == [1, 4, 4, 4]


def test_weights_as_variables_compute_the_same_and_stay_out_of_training(tiny_mat, tiny):
    """The main job keeps W and b in variables (less memory): same activations as constants,
    untouched by optimisers and by global_variables_initializer."""
    from nst_course.vgg import WEIGHT_VARIABLES, build_vgg, initialize_weights
    from nst_course.weights import load_weights

    image = np.random.default_rng(2).normal(0, 50, (1, 16, 20, 3)).astype(np.float32)
    weights = load_weights(tiny_mat)
    results = []
    for weights_as in ("constant", "variable"):
        tf1.reset_default_graph()
        model = build_vgg(weights, height=16, width=20, weights_as=weights_as)
        with tf1.Session() as sess:
            initialize_weights(sess)
            sess.run(tf1.global_variables_initializer())
            sess.run(model["input"].assign(image))
            results.append(sess.run([model[n] for n in ("conv1_1", "conv3_2", "avgpool5")]))
            if weights_as == "variable":
                graph = tf1.get_default_graph()
                assert len(graph.get_collection(WEIGHT_VARIABLES)) == 2 * 16
                assert tf1.trainable_variables() == [model["input"]]
                assert tf1.global_variables() == [model["input"]]
                (W,) = [
                    v for v in graph.get_collection(WEIGHT_VARIABLES) if v.name == "conv1_1_W:0"
                ]
                np.testing.assert_array_equal(sess.run(W), tiny["conv1_1"].kernel)
                assert not [
                    op
                    for op in graph.get_operations()
                    if op.type == "Const"
                    and op.get_attr("value").tensor_shape.dim
                    and op.get_attr("value").tensor_shape.dim[0].size == 3
                    and len(op.get_attr("value").tensor_shape.dim) == 4
                ]
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_upto_stops_the_network_after_that_layer(tiny):
    """The main job builds only the layers its costs use (conv5_1 for the course's)."""
    from nst_course.vgg import build_vgg, deepest, layer_keys

    keys = layer_keys(tiny)
    assert keys[:3] == ["conv1_1", "conv1_2", "avgpool1"] and keys[-1] == "avgpool5"
    assert layer_keys(tiny, "max")[2] == "maxpool1"
    assert deepest(tiny, ["conv3_1", "conv4_2", "conv1_1"]) == "conv4_2"
    assert deepest(tiny, ["conv4_2", "avgpool3"]) == "conv4_2"
    assert deepest(tiny, ["conv4_2", "conv9_9"]) is None  # the run reports the unknown layer
    model = build_vgg(tiny, height=32, width=32, upto="conv5_1")
    assert list(model)[-1] == "conv5_1" and "avgpool4" in model and "conv5_2" not in model
    names = [op.name for op in tf1.get_default_graph().get_operations()]
    assert not [n for n in names if n.startswith(("conv5_2", "conv5_3", "conv5_4", "avgpool5"))]


def test_released_weight_values_cannot_initialise_a_new_session(tiny):
    from nst_course.vgg import build_vgg, initialize_weights, release_weight_values

    model = build_vgg(tiny, height=16, width=16, weights_as="variable")
    graph = tf1.get_default_graph()
    with tf1.Session() as sess:
        initialize_weights(sess)
        release_weight_values(graph)
        sess.run(model["input"].initializer)
        assert sess.run(model["conv1_1"]).shape == (1, 16, 16, tiny["conv1_1"].kernel.shape[3])
    with tf1.Session() as sess, pytest.raises(RuntimeError, match="released"):
        initialize_weights(sess)
