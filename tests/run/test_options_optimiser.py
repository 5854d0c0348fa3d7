"""--optimizer lbfgs and resumable runs (--checkpoint-every, --resume)."""

import os

import imageio.v2 as imageio
import numpy as np
import pytest
import tensorflow as tf

from nst_course.errors import NSTError
from nst_course.run import graph as run_graph
from nst_course.run import runner
from nst_course.run.runner import RunOptions
from nst_course.run.schedule import whole
from nst_course.run.stage import Reporting, print_line, train_stage
from tests.fixtures.option_runs import (
    MEANS,
    built,
    make_opts,
    read_costs,
    tf1,
)

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
