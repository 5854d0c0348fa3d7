"""Options beyond the course that change the cost, each checked against an independent numpy
computation: the default path, --tv-weight, several styles, --style-scale, --pooling, layer
names. Tiny VGG-19 weights and images of 32 x 40 pixels, so each test takes seconds.
"""

import os
import re

import numpy as np
import pytest
import tensorflow as tf

from nst_course.costs import total_variation_cost
from nst_course.errors import NSTError
from nst_course.images import reshape_and_normalize_image
from nst_course.loading import load_image
from nst_course.run import runner, styles
from tests.conftest import random_image
from tests.fixtures.option_runs import (
    H,
    W,
    built,
    make_opts,
    np_gram,
    np_layer_style_cost,
    np_pool,
    np_tv,
    read_costs,
    tf1,
)

# --------------------------------------------------------------------------- the default path


COST_LINES = re.compile(
    r"Iteration (\d+) :\ntotal cost = (\S+)\ncontent cost = (\S+)\n"
    r"style cost = (\S+)\n"
)


def test_default_run_gives_the_course_costs(tmp_path, tiny_mat, pictures, capsys):
    """A run with default options = build_graph + model_nn on the same images, weights, start."""
    from nst_course import build_graph, generate_noise_image, model_nn

    opts = make_opts(tmp_path, tiny_mat, pictures, iterations=5)
    runner.run(opts)
    ours = read_costs(os.path.join(opts.output_dir, "costs.csv"))
    assert not os.path.exists(os.path.join(opts.output_dir, "checkpoint.npz"))

    content = reshape_and_normalize_image(load_image(pictures["content"], W, H))
    style = reshape_and_normalize_image(load_image(pictures["style_a"], W, H))
    start = generate_noise_image(content, noise_ratio=0.6, seed=np.random.default_rng(3))
    capsys.readouterr()
    with tf.Graph().as_default(), tf1.Session() as sess:
        g = build_graph(content, style, weights=tiny_mat, sess=sess)
        model_nn(
            sess,
            start,
            num_iterations=5,
            handles=g,
            output_dir=str(tmp_path / "course"),
            print_every=1,
        )
    course = [
        (int(i), float(np.float32(t)), float(np.float32(c)), float(np.float32(s)))
        for i, t, c, s in COST_LINES.findall(capsys.readouterr().out)
    ]
    assert [r[0] for r in ours] == [0, 1, 2, 3, 4]
    # The main job's graph is the course's arranged for speed (nst_course.run.fastcosts): the same
    # costs to float32 rounding.
    np.testing.assert_allclose(np.array(ours), np.array(course), rtol=2e-5)


# --------------------------------------------------------------------------- --tv-weight


def test_total_variation_cost_matches_numpy():
    x = np.random.default_rng(0).normal(0, 50, (1, 5, 7, 3)).astype(np.float32)
    with tf1.Session() as sess:
        got = sess.run(total_variation_cost(tf.constant(x)))
    np.testing.assert_allclose(got, np_tv(x), rtol=1e-5)
    assert np_tv(np.ones((1, 4, 4, 3))) == 0


def test_tv_weight_adds_weighted_tv_to_J(tmp_path, tiny_mat, pictures):
    opts = make_opts(tmp_path, tiny_mat, pictures, tv_weight=0.05)
    prepared, graph, sess = built(opts)
    with sess:
        image = reshape_and_normalize_image(random_image(H, W, seed=9)).astype(np.float32)
        graph.model["input"].load(image, sess)
        J, Jc, Js = sess.run([graph.J, graph.J_content, graph.J_style])
    expected = 10 * float(Jc) + 40 * float(Js) + 0.05 * np_tv(image)
    np.testing.assert_allclose(J, expected, rtol=1e-5)


# --------------------------------------------------------------------------- several styles


def test_blend_weights_give_weighted_gram_targets(tmp_path, tiny_mat, pictures):
    opts = make_opts(
        tmp_path,
        tiny_mat,
        pictures,
        style=[pictures["style_a"], pictures["style_b"]],
        style_blend_weights=[3.0, 1.0],
    )
    prepared, graph, sess = built(opts)
    model = graph.model
    with sess:
        acts = []
        for style in prepared.styles:  # each style's activations through the same network
            model["input"].load(style.astype(np.float32), sess)
            acts.append(sess.run({name: model[name] for name, _ in opts.style_layers}))
        image = prepared.content.astype(np.float32)
        model["input"].load(image, sess)
        Js, a_G = sess.run([graph.J_style, {name: model[name] for name, _ in opts.style_layers}])
    targets = graph.extra["style_targets"]
    expected_J = 0.0
    for name, coeff in opts.style_layers:
        want = 0.75 * np_gram(acts[0][name]) + 0.25 * np_gram(acts[1][name])
        np.testing.assert_allclose(targets[name], want, rtol=1e-4, atol=1e-3 * np.abs(want).max())
        _, n_H, n_W, n_C = a_G[name].shape
        expected_J += coeff * np_layer_style_cost(want, np_gram(a_G[name]), n_H, n_W, n_C)
    np.testing.assert_allclose(Js, expected_J, rtol=1e-3)


def test_one_style_with_targets_matches_the_course_style_cost(tmp_path, tiny_mat, pictures):
    course = make_opts(tmp_path, tiny_mat, pictures)
    blended = make_opts(tmp_path, tiny_mat, pictures, style_blend_weights=[2.0])
    values = []
    for opts in (course, blended):
        prepared, graph, sess = built(opts)
        with sess:
            graph.model["input"].load(prepared.content.astype(np.float32), sess)
            values.append(sess.run(graph.J_style))
        assert styles.uses_targets(opts) == (opts is blended)  # blended: a graph of its own
    np.testing.assert_allclose(values[1], values[0], rtol=1e-4)


def test_blend_weight_count_must_match(tmp_path, tiny_mat, pictures):
    opts = make_opts(
        tmp_path,
        tiny_mat,
        pictures,
        style=[pictures["style_a"], pictures["style_b"]],
        style_blend_weights=[1.0, 2.0, 3.0],
    )
    with pytest.raises(NSTError, match="3 style blend weights given for 2 style images"):
        built(opts)


# --------------------------------------------------------------------------- --style-scale


def test_style_scale_uses_the_resized_style_with_size_normalised_grams(
    tmp_path, tiny_mat, pictures
):
    from nst_course import load_vgg_model

    opts = make_opts(tmp_path, tiny_mat, pictures, style_scale=0.5)
    prepared, graph, sess = built(opts)
    with sess:
        sizes = {name: graph.model[name].get_shape().as_list() for name, _ in opts.style_layers}
    small = reshape_and_normalize_image(load_image(pictures["style_a"], W // 2, H // 2))
    with tf.Graph().as_default(), tf1.Session() as sess:  # the course's model at the style's size
        model = load_vgg_model(tiny_mat, height=H // 2, width=W // 2)
        sess.run(model["input"].assign(small))
        acts = sess.run({name: model[name] for name, _ in opts.style_layers})
    for name, _ in opts.style_layers:
        _, n_H, n_W, _ = sizes[name]
        _, s_H, s_W, _ = acts[name].shape
        assert s_H * s_W < n_H * n_W
        want = np_gram(acts[name]) * (n_H * n_W) / (s_H * s_W)
        np.testing.assert_allclose(
            graph.extra["style_targets"][name], want, rtol=1e-4, atol=1e-3 * np.abs(want).max()
        )


# --------------------------------------------------------------------------- --pooling


def test_max_pooling_pools_as_numpy_says(tmp_path, tiny_mat, pictures):
    image = reshape_and_normalize_image(random_image(H, W, seed=4)).astype(np.float32)
    results = {}
    for pooling in ("avg", "max"):
        opts = make_opts(
            tmp_path,
            tiny_mat,
            pictures,
            pooling=pooling,
            style_layers=[("conv1_1", 0.5), ("%spool4" % pooling, 0.5)],
        )
        _, graph, sess = built(opts)
        model = graph.model
        with sess:
            assert "%spool1" % pooling in model
            assert ("avgpool1" in model) == (pooling == "avg")
            model["input"].load(image, sess)
            names = [
                "conv1_2",
                "conv2_2",
                "conv4_4",
                "%spool1" % pooling,
                "%spool2" % pooling,
                "%spool4" % pooling,
            ]
            results[pooling] = dict(zip(names, sess.run([model[n] for n in names])))
    r = results["max"]
    np.testing.assert_allclose(r["maxpool1"], np_pool(r["conv1_2"], "max"), rtol=1e-6)
    np.testing.assert_allclose(r["maxpool2"], np_pool(r["conv2_2"], "max"), rtol=1e-6)
    assert r["conv4_4"].shape[1:3] == (4, 5) and r["maxpool4"].shape[1:3] == (2, 3)  # padded
    np.testing.assert_allclose(r["maxpool4"], np_pool(r["conv4_4"], "max"), rtol=1e-6)
    a = results["avg"]
    np.testing.assert_allclose(a["avgpool1"], np_pool(a["conv1_2"], "avg"), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(a["conv1_2"], r["conv1_2"])  # the same up to the first pool
    assert not np.allclose(a["conv2_2"], r["conv2_2"])


# --------------------------------------------------------------------------- layer names


def test_unknown_layer_names_are_rejected_with_the_valid_list(tmp_path, tiny_mat, pictures):
    opts = make_opts(
        tmp_path,
        tiny_mat,
        pictures,
        content_layer="conv9_9",
        style_layers=[("conv1_1", 0.5), ("relu1_1", 0.5)],
    )
    with pytest.raises(NSTError) as info:
        built(opts)
    message = str(info.value)
    assert "\n" not in message
    assert "content layer 'conv9_9'" in message and "style layer 'relu1_1'" in message
    valid = message.split("valid layers: ")[1].split(", ")
    assert valid[:3] == ["conv1_1", "conv1_2", "avgpool1"] and valid[-1] == "avgpool5"
    assert len(valid) == 16 + 5
    opts = make_opts(tmp_path, tiny_mat, pictures, pooling="max", style_layers=[("avgpool1", 1.0)])
    with pytest.raises(NSTError, match="style layer 'avgpool1'.*valid layers: .*maxpool1"):
        built(opts)


def test_other_layers_change_the_costs_as_numpy_says(tmp_path, tiny_mat, pictures):
    opts = make_opts(
        tmp_path,
        tiny_mat,
        pictures,
        content_layer="conv3_2",
        style_layers=[("conv2_2", 0.7), ("avgpool3", 0.3)],
    )
    prepared, graph, sess = built(opts)
    model = graph.model
    names = ["conv3_2", "conv2_2", "avgpool3"]
    with sess:
        model["input"].load(prepared.content.astype(np.float32), sess)
        a_C = sess.run(model["conv3_2"])
        model["input"].load(prepared.styles[0].astype(np.float32), sess)
        a_S = sess.run({n: model[n] for n in names})
        image = reshape_and_normalize_image(random_image(H, W, seed=8)).astype(np.float32)
        model["input"].load(image, sess)
        a_G, Jc, Js = sess.run([{n: model[n] for n in names}, graph.J_content, graph.J_style])
    np.testing.assert_allclose(
        Jc, np.sum((a_C - a_G["conv3_2"]) ** 2.0) / (4 * a_C.size), rtol=1e-4
    )
    want = sum(
        c * np_layer_style_cost(np_gram(a_S[n]), np_gram(a_G[n]), *a_G[n].shape[1:])
        for n, c in opts.style_layers
    )
    np.testing.assert_allclose(Js, want, rtol=1e-3)
