"""End to end on tiny weights: the course's sequence of cells, then model_nn."""

import re

import imageio.v2 as imageio
import numpy as np
import tensorflow as tf

from nst_course import (
    STYLE_LAYERS,
    build_graph,
    compute_content_cost,
    compute_style_cost,
    generate_noise_image,
    load_vgg_model,
    model_nn,
    reshape_and_normalize_image,
    save_image,
    total_cost,
)
from tests.conftest import random_image

tf1 = tf.compat.v1

COST_LINES = re.compile(
    r"Iteration (\d+) :\ntotal cost = (\S+)\ncontent cost = (\S+)\nstyle cost = (\S+)\n"
)


def test_course_sequence_then_model_nn(tiny_mat, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    np.random.seed(0)
    sess = tf1.InteractiveSession()
    content_image = reshape_and_normalize_image(random_image(32, 40, seed=1))
    style_image = reshape_and_normalize_image(random_image(32, 40, seed=2)[::-1])
    generated_image = generate_noise_image(content_image)
    model = load_vgg_model(tiny_mat, height=32, width=40)
    sess.run(model["input"].assign(content_image))
    out = model["conv4_2"]
    a_C = sess.run(out)
    a_G = out
    J_content = compute_content_cost(a_C, a_G)
    sess.run(model["input"].assign(style_image))
    J_style = compute_style_cost(model, STYLE_LAYERS)
    J = total_cost(J_content, J_style, alpha=10, beta=40)
    optimizer = tf1.train.AdamOptimizer(2.0)
    train_step = optimizer.minimize(J)

    result = model_nn(sess, generated_image, num_iterations=41)
    sess.close()

    printed = capsys.readouterr().out
    blocks = COST_LINES.findall(printed)
    assert [int(b[0]) for b in blocks] == [0, 20, 40]
    totals = [float(b[1]) for b in blocks]
    assert totals[0] > totals[1] > totals[2]
    for _, t, c, s in blocks:  # total = 10 content + 40 style, as printed
        assert float(t) == np.float32(10 * float(c) + 40 * float(s)) or abs(
            float(t) - (10 * float(c) + 40 * float(s))
        ) <= 1e-5 * float(t)
    assert result.shape == (1, 32, 40, 3)
    for name in ("0.png", "20.png", "40.png", "generated_image.jpg"):
        img = imageio.imread(tmp_path / "output" / name)
        assert img.shape == (32, 40, 3), name
    assert not (tmp_path / "output" / "60.png").exists()
    # The last iteration's PNG is exactly the returned image; the JPEG is a lossy copy of it.
    expected = np.clip(result[0] + np.array([123.68, 116.779, 103.939]), 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(imageio.imread(tmp_path / "output" / "40.png"), expected)
    final = imageio.imread(tmp_path / "output" / "generated_image.jpg").astype(float)
    assert np.corrcoef(final.ravel(), expected.ravel().astype(float))[0, 1] > 0.7


def test_build_graph_one_call(tiny_mat, tmp_path):
    content = reshape_and_normalize_image(random_image(24, 32, seed=3))
    style = reshape_and_normalize_image(random_image(24, 32, seed=4))
    with tf1.Session() as sess:
        g = build_graph(content, style, weights=tiny_mat, sess=sess)
        assert set(g._fields) == {"model", "J", "J_content", "J_style", "train_step"}
        sess.run(tf1.global_variables_initializer())
        sess.run(g.model["input"].assign(content))
        J0, Jc0 = sess.run([g.J, g.J_content])
        assert Jc0 == 0.0  # the content image has zero content cost
        noise = generate_noise_image(content, seed=5)
        model_nn(sess, noise, num_iterations=3, handles=g, output_dir=str(tmp_path / "o"))
    assert (tmp_path / "o" / "0.png").exists()
    assert (tmp_path / "o" / "generated_image.jpg").exists()


def test_model_nn_without_graph_is_a_clear_error():
    import pytest

    with tf1.Session() as sess:
        with pytest.raises(RuntimeError, match="could not find"):
            model_nn(sess, np.zeros((1, 4, 4, 3)), num_iterations=1)


def test_noise_image_mix_and_seed():
    content = reshape_and_normalize_image(random_image(6, 8))
    a = generate_noise_image(content, seed=1)
    b = generate_noise_image(content, seed=1)
    np.testing.assert_array_equal(a, b)
    noise = (a - content * 0.4) / 0.6
    assert noise.min() >= -20 - 1e-3 and noise.max() <= 20 + 1e-3
    assert a.shape == (1, 6, 8, 3)
    c = generate_noise_image(content, noise_ratio=0.0)
    np.testing.assert_allclose(c, content)


def test_save_image_adds_means_clips_and_is_atomic(tmp_path):
    image = np.zeros((1, 5, 7, 3))
    image[0, 0, 0] = [1000, -1000, 0]
    path = tmp_path / "deep" / "dir" / "x.png"
    save_image(str(path), image)
    img = imageio.imread(path)
    assert img.shape == (5, 7, 3)
    assert list(img[0, 0]) == [255, 0, 103]
    assert list(img[1, 1]) == [123, 116, 103]
    assert sorted(p.name for p in path.parent.iterdir()) == ["x.png"]
