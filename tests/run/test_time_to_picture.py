"""Issue 25's additions to the run (correctness, never speed): ``--optimizer lbfgs-carry``
(nst_course.run.lbfgs.CarriedStepper: the carried step scaling, the stop rule), the
colour-matched start (``--init content-colors``, nst_course.run.start) and the preset.

Real TensorFlow graphs and runs of tiny VGG-19 weights on 80 x 64 images.
"""

import imageio.v2 as imageio
import numpy as np
import pytest
import tensorflow as tf

from nst_course.run import graph, lbfgs, runner
from nst_course.run.options import RunOptions
from nst_course.run.presets import PRESETS, apply_preset
from nst_course.run.start import colour_matched, colour_transfer
from tests.conftest import random_image
from tests.fixtures.option_runs import read_costs

tf1 = tf.compat.v1
H, W = 64, 80


@pytest.fixture
def pictures(tmp_path):
    paths = {}
    for name, seed in (("content", 31), ("style", 32)):
        img = random_image(96, 120, seed=seed)
        path = tmp_path / (name + ".png")
        imageio.imwrite(path, img if name == "content" else (img[::-1] // 2 + 60).copy())
        paths[name] = str(path)
    return paths


def options(pictures, tiny_mat, **kw):
    """RunOptions of a small carried-L-BFGS run from the content image (``kw`` win)."""
    values = dict(
        content=pictures["content"],
        style=[pictures["style"]],
        width=W,
        height=H,
        weights=tiny_mat,
        optimizer="lbfgs-carry",
        init="content",
        save_every=0,
        seed=1,
        quiet=True,
    )
    values.update(kw)
    return RunOptions(**values)


def quadratic(shape, target, curvature):
    """J(x) = curvature / 2 * |x - target|^2 on a (1, h, w, 3) variable, with its LBFGS."""
    x = tf1.Variable(np.zeros(shape, np.float32), name="input")
    J = 0.5 * curvature * tf.reduce_sum(tf.square(x - target))
    return x, lbfgs.LBFGS(J, x, carried=True)


# --------------------------------------------------------------------------- carried scaling


def test_the_carried_step_scaling_is_moved_to_the_new_size_and_used():
    state = lbfgs.LBFGSState(gamma=2.0, size=(10, 20))
    moved = lbfgs.carry_state(state, 20, 40)
    assert moved.size == (20, 40)
    assert moved.gamma == pytest.approx(2.0 * 4.0**lbfgs.SIZE_POWER)
    assert lbfgs.carry_state(None, 20, 40) is None
    # On J = c/2 |x - x*|^2 the inverse Hessian is 1/c: with that scaling carried in, the
    # first trial step (t = 1) lands on x* in one evaluation after the starting one.
    shape, c = (1, 6, 5, 3), 0.5
    target = np.random.default_rng(0).uniform(-40, 40, shape).astype(np.float32)
    x, step = quadratic(shape, target, c)
    with tf1.Session() as sess:
        sess.run(x.initializer)
        carried = step.stepper(sess, 5, carry=lbfgs.LBFGSState(1.0 / c, shape[1:3]))
        assert isinstance(carried, lbfgs.CarriedStepper)
        assert carried.gamma == carried.carried_gamma == 1.0 / c  # same size: as handed on
        carried.step()
        assert carried.evaluations == 2 and carried.steps == [1.0]
        np.testing.assert_allclose(sess.run(x), target, atol=1e-3)
        assert carried.state().gamma == pytest.approx(1.0 / c, rel=1e-3)
        # Without a carried scaling the first step is a guess (16 grey levels) and the line
        # search needs more evaluations to get as far.
        sess.run(x.initializer)
        fresh = lbfgs.CarriedStepper(step, sess, 5)
        fresh.step()
        assert fresh.steps[0] != 1.0 and fresh.J > carried.J


def test_a_two_scale_run_hands_the_scaling_to_the_next_scale(
    tmp_path, tiny_mat, pictures, monkeypatch
):
    made = []
    real = lbfgs.CarriedStepper.__init__

    def spy(self, *args, **kw):
        real(self, *args, **kw)
        made.append(self)

    monkeypatch.setattr(lbfgs.CarriedStepper, "__init__", spy)
    opts = options(
        pictures,
        tiny_mat,
        output_dir=str(tmp_path / "out"),
        scales=[0.5, 1.0],
        scale_iterations=[4, 3],
    )
    runner.run(opts)
    coarse, fine = made
    assert coarse.carried_gamma is None and coarse.state() is not None
    want = lbfgs.carry_state(coarse.state(), H, W).gamma
    assert fine.carried_gamma == pytest.approx(want)
    assert fine.iterations == 3 and fine.costs[-1] < fine.costs[0]


# --------------------------------------------------------------------------- the stop rule


def test_stop_below_ends_the_run_when_progress_is_slow(tmp_path, tiny_mat, pictures):
    common = dict(iterations=12, print_every=1)
    runner.run(options(pictures, tiny_mat, output_dir=str(tmp_path / "full"), **common))
    full = [row[:2] for row in read_costs(tmp_path / "full" / "costs.csv")]
    assert [i for i, _ in full] == list(range(12))
    # Ending when J falls by less than half per iteration (over the last 3) cuts this run
    # short, at the first iteration where that holds, with the same costs until then.
    threshold = 1.0
    runner.run(
        options(
            pictures, tiny_mat, output_dir=str(tmp_path / "cut"), stop_below=threshold, **common
        )
    )
    cut = [row[:2] for row in read_costs(tmp_path / "cut" / "costs.csv")]
    assert lbfgs.STOP_WINDOW <= len(cut) < len(full)
    assert [i for i, _ in cut] == list(range(len(cut)))
    np.testing.assert_allclose([J for _, J in cut], [J for _, J in full[: len(cut)]], rtol=1e-6)
    w = lbfgs.STOP_WINDOW

    def rate(k):
        return (full[k - w][1] / full[k][1]) ** (1.0 / w) - 1.0

    last = len(cut) - 1
    if last >= w:  # (earlier ones also use the start's cost, not in costs.csv)
        assert rate(last) < threshold
        assert all(rate(k) >= threshold for k in range(w, last))
    assert (tmp_path / "cut" / "generated_image.jpg").is_file()


def test_stop_below_is_checked():
    from nst_course.errors import OptionError
    from nst_course.run.checks import check_options

    with pytest.raises(OptionError, match="--stop-below"):
        check_options(RunOptions(stop_below=1.5))
    # Only the carried stepper measures the decrease: elsewhere the option would do nothing.
    with pytest.raises(OptionError, match="--stop-below works with --optimizer lbfgs-carry"):
        check_options(RunOptions(stop_below=0.01, optimizer="lbfgs"))
    check_options(RunOptions(stop_below=0.01, optimizer="lbfgs-carry"))


# --------------------------------------------------------------------------- the start image


def test_the_colour_matched_start_has_the_style_mean_and_covariance():
    rng = np.random.default_rng(3)
    content = rng.normal([90, 120, 60], [20, 15, 30], (50, 40, 3))
    mix = np.array([[1.0, 0.3, 0.1], [0.2, 0.8, 0.0], [0.1, 0.4, 0.6]])
    style = rng.normal(0, 1, (30, 60, 3)) @ mix.T * 25 + [140, 100, 110]
    out = colour_transfer(content, style).reshape(-1, 3)
    s = style.reshape(-1, 3)
    np.testing.assert_allclose(out.mean(axis=0), s.mean(axis=0), atol=1e-9)
    np.testing.assert_allclose(
        np.cov(out, rowvar=False, bias=True), np.cov(s, rowvar=False, bias=True), rtol=1e-4
    )
    # The normalised version: same shape, valid pixels, the style's mean (nothing clipped here).
    from nst_course.config import CONFIG

    means = CONFIG.MEANS.reshape(1, 1, 1, 3)
    start = colour_matched(content[None] - means, style[None] - means)
    assert start.shape == (1, 50, 40, 3) and start.dtype == np.float32
    assert (start + means).min() >= 0 and (start + means).max() <= 255
    np.testing.assert_allclose(
        (start + means).reshape(-1, 3).mean(axis=0), s.mean(axis=0), atol=0.5
    )


def test_init_content_colors_starts_from_the_matched_image(tiny_mat, pictures):
    opts = options(pictures, tiny_mat, init="content-colors")
    prepared = graph.prepare(opts)
    np.testing.assert_array_equal(
        graph.initial_image(opts, prepared),
        colour_matched(prepared.content, prepared.styles[0]),
    )


def test_the_preset_uses_the_carried_lbfgs():
    opts = apply_preset(RunOptions(preset="fast"))
    assert opts.optimizer == PRESETS["fast"]["optimizer"] == "lbfgs-carry"
    assert RunOptions().optimizer == "adam" and RunOptions().stop_below == 0.0


# --------------------------------------------------------------------------- cost lines


def test_lbfgs_cost_lines_reuse_the_evaluation_of_the_image(tiny_mat, pictures):
    """A cost line of an L-BFGS run takes J, J_content and J_style from the evaluation that
    computed dJ/dG at the image the variable holds (no forward pass, no executor of its own),
    and equals a forward pass; for any other image it makes the forward pass."""
    from nst_course.run.stage import costs_and_image

    opts = options(pictures, tiny_mat)
    prepared = graph.prepare(opts)
    g = tf1.Graph()
    with g.as_default(), tf1.Session(graph=g) as sess:
        run_graph = graph.build(opts, prepared, sess)
        sess.run(tf1.global_variables_initializer())
        sess.run(run_graph.model["input"].assign(prepared.content))
        step = run_graph.train_step
        stepper = step.stepper(sess, 3)
        for _ in range(3):
            assert stepper.step()
        forward = sess.run([run_graph.J, run_graph.J_content, run_graph.J_style])
        image = sess.run(run_graph.model["input"])
        kept = step.costs_of(image)
        assert kept is not None and kept[0] == stepper.J  # the accepted step's evaluation
        np.testing.assert_allclose(kept, forward, rtol=1e-5)
        got = costs_and_image(sess, run_graph)
        assert got[:3] == kept
        np.testing.assert_array_equal(got[3], image)
        # Another image in the variable: the kept costs are not its own.
        other = image + 3.0
        sess.run(run_graph.model["input"].assign(other))
        assert step.costs_of(other) is None
        got = costs_and_image(sess, run_graph)
        np.testing.assert_allclose(
            got[:3], sess.run([run_graph.J, run_graph.J_content, run_graph.J_style]), rtol=1e-6
        )
        assert not np.allclose(got[:3], kept)


def test_lbfgs_steps_run_with_blas_on_one_thread(tmp_path, tiny_mat, pictures, monkeypatch):
    """NumPy's BLAS threads spin after each dot product and slow TensorFlow's next run: a
    stage's loop (Adam or L-BFGS) runs with every loaded BLAS on one thread, and puts the
    count back after (nst_course.run.blas)."""
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads():
        return sorted({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})

    seen = []
    real = lbfgs.CarriedStepper.step

    def spy(self):
        seen.append(blas_threads())
        return real(self)

    monkeypatch.setattr(lbfgs.CarriedStepper, "step", spy)
    with threadpool_limits(limits=2, user_api="blas"):  # as on a machine of 2 cores or more
        assert blas_threads() == [2]
        runner.run(options(pictures, tiny_mat, output_dir=str(tmp_path / "out"), iterations=3))
        assert seen == [[1], [1], [1]]
        assert blas_threads() == [2]
