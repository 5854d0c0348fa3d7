"""The main job's (optimised) graph computes what the course's plain graph computes.

Reference: the course's cells (load_vgg_model, compute_content_cost, compute_style_cost with
the style image assigned, total_cost, AdamOptimizer(2.0).minimize) and model_nn's loop, from
the same start image. The main job (nst_course.run.runner) may build its graph differently for
speed; the costs it prints at iterations 0, 20 and 40 must match to float32 tolerance.
"""

import csv

import numpy as np
import pytest
import tensorflow as tf

from nst_course import STYLE_LAYERS, compute_content_cost, compute_style_cost, total_cost
from nst_course.run.graph import initial_image, prepare
from nst_course.run.runner import RunOptions, run
from nst_course.vgg import load_vgg_model
from tests.conftest import random_image

tf1 = tf.compat.v1


def reference_costs(opts, images=None):
    """Costs after steps 0, 20, 40 (every ``opts.print_every``) of the course's plain graph,
    from the runner's start image; ``images`` (a list) gets the images after those steps."""
    prepared = prepare(opts)
    start = initial_image(opts, prepared)
    graph = tf.Graph()
    rows = []
    with graph.as_default(), tf1.Session(graph=graph) as sess, sess.as_default():
        model = load_vgg_model(opts.weights, height=opts.height, width=opts.width)
        sess.run(model["input"].assign(prepared.content))
        a_C = sess.run(model["conv4_2"])
        J_content = compute_content_cost(a_C, model["conv4_2"])
        sess.run(model["input"].assign(prepared.styles[0]))
        J_style = compute_style_cost(model, STYLE_LAYERS)
        J = total_cost(J_content, J_style, alpha=10, beta=40)
        train_step = tf1.train.AdamOptimizer(2.0).minimize(J)
        sess.run(tf1.global_variables_initializer())
        sess.run(model["input"].assign(start))
        for i in range(opts.iterations):
            sess.run(train_step)
            if i % opts.print_every == 0:
                rows.append([i] + [float(v) for v in sess.run([J, J_content, J_style])])
                if images is not None:
                    images.append(sess.run(model["input"]))
    return rows


def write_pair(tmp_path):
    import imageio.v2 as imageio

    imageio.imwrite(tmp_path / "c.png", random_image(48, 64, seed=11))
    imageio.imwrite(tmp_path / "s.png", random_image(48, 64, seed=12)[:, ::-1])
    return str(tmp_path / "c.png"), str(tmp_path / "s.png")


@pytest.mark.parametrize("low_memory", [False, True])
def test_main_job_costs_match_the_plain_course_graph(tiny_mat, tmp_path, low_memory):
    content, style = write_pair(tmp_path)
    opts = RunOptions(
        content=content,
        style=[style],
        output_dir=str(tmp_path / "out"),
        iterations=41,
        width=64,
        height=48,
        seed=3,
        weights=tiny_mat,
        quiet=True,
        low_memory=low_memory,
    )
    run(opts)
    with open(tmp_path / "out" / "costs.csv") as fh:
        got = [[float(v) for v in row] for row in list(csv.reader(fh))[1:]]
    want = reference_costs(opts)
    assert [r[0] for r in got] == [0, 20, 40]
    np.testing.assert_allclose(np.array(got), np.array(want), rtol=2e-4)


def test_each_cost_line_and_image_belongs_to_the_step_before_it(tiny_mat, tmp_path):
    """The line and save of iteration i come from step i + 1's forward pass (or, after the
    last step, from one of their own): the costs and the image after step i, as the course's
    loop prints and saves them."""
    import imageio.v2 as imageio

    from nst_course.images import to_uint8

    content, style = write_pair(tmp_path)
    opts = RunOptions(
        content=content,
        style=[style],
        output_dir=str(tmp_path / "out"),
        iterations=4,
        width=64,
        height=48,
        seed=5,
        weights=tiny_mat,
        quiet=True,
        print_every=1,
        save_every=1,
    )
    run(opts)
    with open(tmp_path / "out" / "costs.csv") as fh:
        got = [[float(v) for v in row] for row in list(csv.reader(fh))[1:]]
    images = []
    want = reference_costs(opts, images)
    assert [r[0] for r in got] == [0, 1, 2, 3]
    np.testing.assert_allclose(np.array(got), np.array(want), rtol=2e-4)
    for i, image in enumerate(images):
        saved = imageio.imread(tmp_path / "out" / ("%d.png" % i)).astype(int)
        # float32 rounding may move a pixel across a rounding boundary, nothing more
        assert np.abs(saved - to_uint8(image).astype(int)).max() <= 1
    # successive images differ: a line or save one step off would not match the reference
    assert np.abs(to_uint8(images[0]).astype(int) - to_uint8(images[1]).astype(int)).max() > 1


def test_the_command_line_costs_match_the_plain_course_graph(tiny_mat, tmp_path):
    """``nst-course run`` turns on oneDNN's frozen-weights mode and holds the VGG weights in
    variables (nst_course.run.onednn): the same costs as the course's graph."""
    import subprocess
    import sys

    from tests.conftest import ROOT, cli_env

    content, style = write_pair(tmp_path)
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "nst_course",
            "run",
            "--content",
            content,
            "--style",
            style,
            "--output-dir",
            str(out),
            "--iterations",
            "41",
            "--width",
            "64",
            "--height",
            "48",
            "--seed",
            "3",
            "--weights",
            tiny_mat,
            "--quiet",
        ],
        cwd=ROOT,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    with open(out / "costs.csv") as fh:
        got = [[float(v) for v in row] for row in list(csv.reader(fh))[1:]]
    opts = RunOptions(
        content=content, style=[style], iterations=41, width=64, height=48, seed=3, weights=tiny_mat
    )
    want = reference_costs(opts)
    assert [r[0] for r in got] == [0, 20, 40]
    np.testing.assert_allclose(np.array(got), np.array(want), rtol=2e-4)


def test_frozen_weights_mode_is_set_only_before_tensorflow_loads(monkeypatch):
    import subprocess
    import sys

    from nst_course.run import onednn
    from nst_course.run.graph import weights_as
    from tests.conftest import ROOT, cli_env

    var = onednn.FROZEN_WEIGHTS_VAR
    for value, active in (("1", True), ("true", True), ("TRUE", True), ("0", False), ("", False)):
        assert onednn.frozen_weights_active({var: value}) is active
    assert onednn.frozen_weights_active({}) is False
    # here TensorFlow is loaded: the mode is left alone (it could come too late)
    monkeypatch.delenv(var, raising=False)
    assert onednn.assume_frozen_weights() is False and var not in __import__("os").environ
    assert weights_as(RunOptions()) == "constant"
    assert weights_as(RunOptions(low_memory=True)) == "variable"
    monkeypatch.setenv(var, "1")
    assert weights_as(RunOptions()) == "variable"
    # in a fresh process it is turned on, unless the user set it
    code = (
        "import os; from nst_course.run.onednn import assume_frozen_weights as a, FROZEN_WEIGHTS_VAR as v;"
        "print(a(), os.environ.get(v))"
    )
    for preset, want in ((None, "True 1"), ("0", "False 0")):
        env = cli_env()
        if preset is not None:
            env[var] = preset
        proc = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.stdout.strip() == want, proc.stderr
