"""Options beyond the course, each checked against an independent numpy computation.

All runs use the tiny VGG-19 weights and images of 32 x 40 pixels, so each test takes seconds.
"""

import csv
import os
import re
import subprocess
import sys

import imageio.v2 as imageio
import numpy as np
import pytest
import tensorflow as tf

from nst_course.config import CONFIG
from nst_course.costs import total_variation_cost
from nst_course.errors import NSTError
from nst_course.images import reshape_and_normalize_image
from nst_course.loading import load_image
from nst_course.run import graph as run_graph
from nst_course.run import runner, styles
from nst_course.run.runner import RunOptions
from nst_course.run.schedule import whole
from nst_course.run.stage import Reporting, print_line, train_stage

from .conftest import random_image

tf1 = tf.compat.v1
H, W = 32, 40
MEANS = CONFIG.MEANS.reshape(3)


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def pictures(tmp_path):
    """Content and two style images on disk (PNG, the run's size)."""
    paths = {}
    for name, seed in (("content", 1), ("style_a", 2), ("style_b", 3)):
        img = random_image(H, W, seed=seed)
        if name == "style_b":
            img = img[::-1, ::-1].copy()
        path = tmp_path / (name + ".png")
        imageio.imwrite(path, img)
        paths[name] = str(path)
    return paths


def make_opts(tmp_path, tiny_mat, pictures, out="out", **kw):
    values = dict(
        content=pictures["content"],
        style=[pictures["style_a"]],
        output_dir=str(tmp_path / out),
        width=W,
        height=H,
        weights=tiny_mat,
        iterations=4,
        print_every=1,
        save_every=0,
        seed=3,
        quiet=True,
    )
    values.update(kw)
    return RunOptions(**values)


def built(opts):
    """(prepared, graph, sess) for ``opts`` in a fresh graph; close the session when done."""
    prepared = run_graph.prepare(opts)
    graph_tf = tf.Graph()
    with graph_tf.as_default():
        sess = tf1.Session(graph=graph_tf)
        graph = run_graph.build(opts, prepared, sess)
    return prepared, graph, sess


def read_costs(path):
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["iteration", "total", "content", "style"]
    return [(int(r[0]), float(r[1]), float(r[2]), float(r[3])) for r in rows[1:]]


def np_gram(a):
    """Gram matrix of activations (1, n_H, n_W, n_C): A A^T with A (n_C, n_H n_W), float64."""
    a = np.asarray(a, dtype=np.float64)
    A = a.reshape(-1, a.shape[-1]).T
    return A @ A.T


def np_layer_style_cost(GS, GG, n_H, n_W, n_C):
    return np.sum((GS - GG) ** 2) / (4.0 * n_C**2 * (n_H * n_W) ** 2)


def np_pool(a, how):
    """2x2, stride-2, SAME pooling of (1, H, W, C) in numpy (padding at the bottom/right is
    left out of the max and of the average, as TensorFlow does)."""
    _, h, w, c = a.shape
    ho, wo = -(-h // 2), -(-w // 2)
    padded = np.full((1, 2 * ho, 2 * wo, c), np.nan)
    padded[:, :h, :w] = a
    blocks = padded.reshape(1, ho, 2, wo, 2, c)
    return (np.nanmax if how == "max" else np.nanmean)(blocks, axis=(2, 4))


def np_tv(x):
    x = np.asarray(x, dtype=np.float64)
    return np.sum((x[:, 1:] - x[:, :-1]) ** 2) + np.sum((x[:, :, 1:] - x[:, :, :-1]) ** 2)


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


# --------------------------------------------------------------------------- --init


def test_init_choices_give_the_start_image(tmp_path, tiny_mat, pictures):
    prepared = run_graph.prepare(make_opts(tmp_path, tiny_mat, pictures))
    content = reshape_and_normalize_image(load_image(pictures["content"], W, H))
    style = reshape_and_normalize_image(load_image(pictures["style_a"], W, H))
    other = random_image(2 * H, 2 * W, seed=11)
    imageio.imwrite(tmp_path / "start.png", other)

    def start(init):
        return run_graph.initial_image(make_opts(tmp_path, tiny_mat, pictures, init=init), prepared)

    np.testing.assert_array_equal(start("content"), content)
    np.testing.assert_array_equal(start("style"), style)
    np.testing.assert_array_equal(
        start(str(tmp_path / "start.png")),
        reshape_and_normalize_image(load_image(str(tmp_path / "start.png"), W, H)),
    )
    noise = start("noise")  # the course's: 0.6 U(-20, 20) + 0.4 content, seeded
    rng = np.random.default_rng(3)
    np.testing.assert_allclose(
        noise, rng.uniform(-20, 20, (1, H, W, 3)).astype(np.float32) * 0.6 + content * 0.4
    )
    with pytest.raises(NSTError, match="--init nothing.png: not noise, content, style"):
        start(str(tmp_path / "nothing.png").replace(str(tmp_path) + os.sep, ""))


def test_init_content_starts_the_run_at_the_content_image(tmp_path, tiny_mat, pictures):
    opts = make_opts(tmp_path, tiny_mat, pictures, init="content", iterations=1)
    runner.run(opts)
    first = read_costs(os.path.join(opts.output_dir, "costs.csv"))[0]
    assert 0 < first[2] < 5.0  # one Adam step (2 per pixel at most) away from content cost 0


# --------------------------------------------------------------------------- --preserve-colors


def test_preserve_colors_keeps_the_content_chroma():
    from PIL import Image

    from nst_course.run.colors import preserve_colors, rgb_to_ycbcr, ycbcr_to_rgb

    rng = np.random.default_rng(0)
    content = rng.integers(60, 196, (10, 12, 3)).astype(np.uint8)
    generated = rng.integers(0, 256, (10, 12, 3)).astype(np.uint8)
    out = preserve_colors(content, generated)
    assert out.dtype == np.uint8 and out.shape == content.shape
    # Checked with Pillow's own (JPEG) YCbCr conversion, not ours.
    ycc = lambda x: np.asarray(Image.fromarray(x).convert("YCbCr"), dtype=float)  # noqa: E731
    ok = (out > 0).all(axis=-1) & (out < 255).all(axis=-1)  # pixels where nothing was clipped
    assert ok.mean() > 0.5
    np.testing.assert_allclose(ycc(out)[..., 1:][ok], ycc(content)[..., 1:][ok], atol=2)
    np.testing.assert_allclose(ycc(out)[..., 0][ok], ycc(generated)[..., 0][ok], atol=2)
    rgb = rng.uniform(0, 255, (50, 3))
    np.testing.assert_allclose(ycbcr_to_rgb(rgb_to_ycbcr(rgb)), rgb, atol=1e-3)


def test_preserve_colors_applies_to_the_saved_images(tmp_path, tiny_mat, pictures):
    from nst_course.run.colors import preserve_colors

    plain = make_opts(tmp_path, tiny_mat, pictures, save_every=3, iterations=4)
    kept = make_opts(
        tmp_path, tiny_mat, pictures, save_every=3, iterations=4, out="kept", preserve_colors=True
    )
    result_plain = runner.run(plain)
    result_kept = runner.run(kept)
    content = load_image(pictures["content"], W, H)
    np.testing.assert_array_equal(result_kept, preserve_colors(content, result_plain))
    saved_plain = imageio.imread(os.path.join(plain.output_dir, "3.png"))
    saved_kept = imageio.imread(os.path.join(kept.output_dir, "3.png"))
    np.testing.assert_array_equal(saved_kept, preserve_colors(content, saved_plain))
    assert not np.array_equal(saved_kept, saved_plain)


# --------------------------------------------------------------------------- --optimizer lbfgs


def test_lbfgs_respects_the_pixel_bounds():
    """J = sum (G - 1000)^2 wants every pixel far above the range: L-BFGS-B stops at the bound."""
    from nst_course.run.lbfgs import LBFGS

    var = tf1.Variable(np.zeros((1, 3, 4, 3), np.float32), name="input")
    J = tf.reduce_sum(tf.square(var - 1000.0)) + tf.reduce_sum(tf.square(var[:, 0, 0, 0] + 5000.0))
    step = LBFGS(J, var)
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        value, grad = step.loss_and_gradient(sess, np.full(36, 2.0))
        np.testing.assert_allclose(value, 35 * 998.0**2 + 998.0**2 + 5002.0**2, rtol=1e-6)
        np.testing.assert_allclose(grad[1:], 2 * (2.0 - 1000.0))
        stepper = step.stepper(sess, 30)
        for _ in range(30):
            stepper.step()
        stepper.close()
        x = sess.run(var)
    upper = np.broadcast_to(255.0 - MEANS, x.shape).copy()
    upper[0, 0, 0, 0] = -MEANS[0]  # pulled hardest the other way: at the lower bound
    np.testing.assert_allclose(x, upper, atol=1e-3)


def test_lbfgs_run_lowers_the_cost_within_bounds(tmp_path, tiny_mat, pictures, capsys):
    opts = make_opts(
        tmp_path,
        tiny_mat,
        pictures,
        optimizer="lbfgs",
        iterations=6,
        save_every=5,
        quiet=False,
        print_every=5,
    )
    prepared, graph, sess = built(opts)
    start = run_graph.initial_image(opts, prepared)
    with sess:
        graph.model["input"].load(start.astype(np.float32), sess)
        start_J = sess.run(graph.J)
    os.makedirs(opts.output_dir)
    log = runner.CostLog(os.path.join(opts.output_dir, "costs.csv"))
    frames = runner.Frames(opts, prepared.content_rgb, upsample=False)
    report = Reporting(log, frames=frames, say=print_line)
    final = train_stage(opts, whole(opts), prepared, report, start_image=start).image
    assert [r[0] for r in log.rows] == [0, 5]
    assert log.rows[1][1] < log.rows[0][1] < start_J
    assert (final + MEANS >= -1e-3).all() and (final + MEANS <= 255 + 1e-3).all()
    printed = capsys.readouterr().out
    assert printed.count("Iteration ") == 2 and "Iteration 5 :\ntotal cost = " in printed
    assert os.path.exists(os.path.join(opts.output_dir, "5.png"))


# --------------------------------------------------------------------------- checkpoints


class _Stop(Exception):
    pass


@pytest.mark.parametrize("optimizer", ["adam"])
def test_resume_gives_the_uninterrupted_result(
    tmp_path, tiny_mat, pictures, monkeypatch, optimizer
):
    from nst_course.run import checkpoint

    kw = dict(iterations=7, print_every=2, save_every=3, optimizer=optimizer, tv_weight=0.01)
    whole = runner.run(make_opts(tmp_path, tiny_mat, pictures, out="whole", **kw))

    original = checkpoint.save
    calls = []

    def save_then_die(*args, **kwargs):  # the run is "killed" right after its first checkpoint
        original(*args, **kwargs)
        calls.append(args[2])
        raise _Stop()

    monkeypatch.setattr(checkpoint, "save", save_then_die)
    cut = make_opts(tmp_path, tiny_mat, pictures, out="cut", checkpoint_every=4, **kw)
    with pytest.raises(_Stop):
        runner.run(cut)
    assert calls == [4]
    monkeypatch.setattr(checkpoint, "save", original)
    saved = checkpoint.load(cut.output_dir)
    assert saved.iteration == 4
    assert set(saved.variables) == {
        "input",
        "input/Adam",
        "input/Adam_1",
        "beta1_power",
        "beta2_power",
    }
    assert saved.options["tv_weight"] == 0.01 and saved.options["iterations"] == 7

    # Continue with nothing but the directory: the saved options are used.
    resumed = runner.run(RunOptions(resume=cut.output_dir, quiet=True))
    np.testing.assert_allclose(resumed.astype(int), whole.astype(int), atol=1)
    assert np.mean(resumed == whole) > 0.99
    a = read_costs(os.path.join(str(tmp_path / "whole"), "costs.csv"))
    b = read_costs(os.path.join(cut.output_dir, "costs.csv"))
    assert [r[0] for r in a] == [r[0] for r in b] == [0, 2, 4, 6]
    np.testing.assert_allclose(np.array(b), np.array(a), rtol=1e-5)
    for name in ("3.png", "6.png"):
        x = imageio.imread(os.path.join(str(tmp_path / "whole"), name)).astype(int)
        y = imageio.imread(os.path.join(cut.output_dir, name)).astype(int)
        assert np.abs(x - y).max() <= 1


def test_resume_refuses_other_settings(tmp_path, tiny_mat, pictures):
    opts = make_opts(tmp_path, tiny_mat, pictures, iterations=2, checkpoint_every=2)
    runner.run(opts)
    with pytest.raises(NSTError, match="alpha is 10.0 there, not 5.0"):
        runner.run(RunOptions(resume=opts.output_dir, alpha=5.0, quiet=True))
    with pytest.raises(NSTError, match="no checkpoint.npz in"):
        runner.run(RunOptions(resume=str(tmp_path), quiet=True))


# --------------------------------------------------------------------------- the command line


def _cli(args, cwd):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run(
        [sys.executable, "-m", "nst_course"] + args,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_run_with_options_beyond_the_course(tmp_path, tiny_mat, pictures):
    out = tmp_path / "cli"
    args = [
        "run",
        "--content",
        pictures["content"],
        "--style",
        pictures["style_a"] + "," + pictures["style_b"],
        "--style-blend-weights",
        "3,1",
        "--tv-weight",
        "0.01",
        "--pooling",
        "max",
        "--init",
        "content",
        "--preserve-colors",
        "--optimizer",
        "lbfgs",
        "--content-layer",
        "conv3_2",
        "--style-layers",
        "conv1_1:0.5,conv3_1:0.5",
        "--style-scale",
        "0.5",
        "--iterations",
        "3",
        "--print-every",
        "1",
        "--save-every",
        "2",
        "--checkpoint-every",
        "2",
        "--width",
        str(W),
        "--height",
        str(H),
        "--weights",
        tiny_mat,
        "--seed",
        "1",
        "--output-dir",
        str(out),
    ]
    done = _cli(args, str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("Iteration ") == 3
    rows = read_costs(out / "costs.csv")
    assert [r[0] for r in rows] == [0, 1, 2] and rows[-1][1] < rows[0][1]
    from nst_course.run import checkpoint

    saved = checkpoint.load(str(out))
    assert saved.iteration == 2 and set(saved.variables) == {"input"}
    assert saved.options["pooling"] == "max" and saved.options["style_blend_weights"] == [3.0, 1.0]
    assert imageio.imread(out / "generated_image.jpg").shape == (H, W, 3)

    # L-BFGS resumes from the saved image (with a fresh curvature memory) and goes on.
    runner.run(RunOptions(resume=str(out), iterations=5, quiet=True))
    rows = read_costs(out / "costs.csv")
    assert [r[0] for r in rows] == [0, 1, 2, 3, 4] and rows[-1][1] < rows[1][1]
    assert checkpoint.load(str(out)).iteration == 4


def test_cli_refuses_an_unknown_layer_with_the_valid_names(tmp_path, tiny_mat, pictures, capsys):
    from nst_course.cli import main

    status = main(
        [
            "run",
            "--content-layer",
            "conv4_5",
            "--weights",
            tiny_mat,
            "--content",
            pictures["content"],
            "--style",
            pictures["style_a"],
            "--width",
            str(W),
            "--height",
            str(H),
            "--output-dir",
            str(tmp_path / "bad"),
            "--quiet",
        ]
    )
    assert status == 2  # a usage error
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "content layer 'conv4_5'" in lines[0]
    assert "valid layers: conv1_1, conv1_2, avgpool1," in lines[0]
