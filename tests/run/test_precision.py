"""``--precision`` (nst_course.run.precision): float32 by default with no session option at all,
bfloat16 mixed precision only where the CPU computes it natively, ``auto`` in ``--preset fast``.

The CPU's flags are read from a file (``/proc/cpuinfo``), so the decision is tested on written
files as well as on this machine's; the bfloat16 run itself needs a CPU with AMX or
AVX512-BF16 and says so where there is none.
"""

import os

import numpy as np
import pytest
import tensorflow as tf

from nst_course.errors import OptionError
from nst_course.run import graph, lbfgs, precision, runner
from nst_course.run.options import RunOptions
from nst_course.run.presets import PRESETS, apply_preset
from tests.fixtures.option_runs import read_costs

tf1 = tf.compat.v1
H, W = 64, 80

AMX = "processor\t: 0\nflags\t\t: fpu sse avx2 avx512f amx_bf16 amx_tile\n"
ZEN4 = "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16\n"
OLD = "processor\t: 0\nflags\t\t: fpu sse avx2 avx512f avx512_vnni\n"


@pytest.fixture
def cpuinfo(tmp_path):
    def write(text):
        path = tmp_path / "cpuinfo"
        path.write_text(text)
        return str(path)

    return write


def test_the_cpu_flags_decide_where_bfloat16_is_native(cpuinfo, monkeypatch):
    monkeypatch.setenv(precision.ONEDNN_VAR, "1")
    assert precision.native_bfloat16(cpuinfo(AMX))
    assert precision.native_bfloat16(cpuinfo(ZEN4))
    assert not precision.native_bfloat16(cpuinfo(OLD))
    assert not precision.native_bfloat16(os.path.join(cpuinfo(OLD) + ".missing"))
    assert precision.resolve("auto", cpuinfo(AMX)) == "bfloat16"
    assert precision.resolve("auto", cpuinfo(OLD)) == "float32"
    assert precision.resolve("bfloat16", cpuinfo(ZEN4)) == "bfloat16"
    with pytest.raises(OptionError) as refused:
        precision.resolve("bfloat16", cpuinfo(OLD))
    assert str(refused.value) == (
        "--precision bfloat16: this CPU has no bfloat16 units (amx_bf16 or avx512_bf16) or "
        "oneDNN is off (TF_ENABLE_ONEDNN_OPTS=0); use --precision float32 or auto"
    )
    # oneDNN turned off by the user: TensorFlow would emulate bfloat16, slower than float32
    monkeypatch.setenv(precision.ONEDNN_VAR, "0")
    assert not precision.native_bfloat16(cpuinfo(AMX))
    assert precision.resolve("auto", cpuinfo(AMX)) == "float32"


def test_float32_and_the_default_add_no_session_option():
    assert RunOptions().precision is None
    assert precision.resolve(None) == "float32"
    assert precision.session_config(None) is None
    assert precision.session_config("float32") is None
    with pytest.raises(OptionError, match="--precision 'half': choose float32, bfloat16, auto"):
        precision.resolve("half")


def test_the_preset_asks_for_auto_and_an_explicit_precision_wins():
    assert PRESETS["fast"]["precision"] == "auto"
    assert apply_preset(RunOptions(preset="fast")).precision == "auto"
    assert apply_preset(RunOptions(preset="fast", precision="float32")).precision == "float32"


def test_bfloat16_is_refused_in_one_line_where_it_is_not_native(
    tmp_path, pictures, capsys, monkeypatch
):
    from nst_course.cli import main

    monkeypatch.setenv(precision.ONEDNN_VAR, "0")  # the user turned oneDNN off: never native
    status = main(
        [
            "run",
            "--content",
            pictures["content"],
            "--style",
            pictures["style_a"],
            "--precision",
            "bfloat16",
            "--output-dir",
            str(tmp_path / "o"),
        ]
    )
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1, err
    assert err.startswith("nst-course: error: --precision bfloat16: this CPU has no bfloat16")
    assert not os.path.exists(tmp_path / "o")


def _cost_of(opts, image):
    """(J, J_content, J_style) of ``image`` in the stage graph of ``opts`` (its precision)."""
    prepared = graph.read_images(opts, opts.width, opts.height, None)
    from nst_course.weights import load_weights

    prepared.weights = load_weights(opts.weights)
    g = tf1.Graph()
    with g.as_default(), tf1.Session(config=precision.session_config(opts.precision)) as sess:
        built = graph.build(opts, prepared, sess)
        sess.run(tf1.global_variables_initializer())
        sess.run(built.model["input"].assign(image))
        return np.array(sess.run([built.J, built.J_content, built.J_style]), dtype=np.float64)


needs_bfloat16 = pytest.mark.skipif(
    not precision.native_bfloat16(),
    reason="this CPU has no bfloat16 units (amx_bf16 or avx512_bf16 in /proc/cpuinfo) or "
    "oneDNN is off: --precision bfloat16 is refused here (tested above)",
)


@needs_bfloat16
def test_bfloat16_costs_are_the_float32_ones_to_bfloat16_rounding(pictures, tiny_mat):
    opts = RunOptions(
        content=pictures["content"],
        style=[pictures["style_a"]],
        width=W,
        height=H,
        weights=tiny_mat,
        optimizer="lbfgs-carry",
    )
    start = np.random.default_rng(3).uniform(-100, 100, (1, H, W, 3)).astype(np.float32)
    f32 = _cost_of(opts, start)
    bf16 = _cost_of(RunOptions(**{**vars(opts), "precision": "bfloat16"}), start)
    # The rewrite ran (the numbers moved) and moved them by bfloat16's rounding, not more.
    assert not np.array_equal(f32, bf16)
    np.testing.assert_allclose(bf16, f32, rtol=0.03)


@needs_bfloat16
def test_a_bfloat16_run_optimises_and_says_so(tmp_path, pictures, capsys):
    # VGG-19's true channel counts (random weights, as the benchmarks): bfloat16's rounding
    # averages out over 64-512 channels. On the tiny test network (4-16 channels) it does not:
    # there the line search stalls after a few full-size iterations, and says so.
    finals = {}
    for arithmetic in ("auto", "float32"):
        out = tmp_path / arithmetic
        opts = RunOptions(
            content=pictures["content"],
            style=[pictures["style_a"]],
            width=W,
            height=H,
            weights="random",
            preset="fast",
            scale_iterations=[6, 6],
            precision=arithmetic,
            print_every=1,
            save_every=0,
            seed=1,
            output_dir=str(out),
        )
        runner.run(opts)
        said = capsys.readouterr().out
        line = "Computing in bfloat16 on this CPU's bfloat16 units (--precision)"
        assert (line in said) == (arithmetic == "auto"), said
        rows = read_costs(str(out / "costs.csv"))
        assert [r[0] for r in rows] == list(range(12))
        assert rows[5][1] < rows[0][1] and rows[11][1] < rows[6][1]  # it optimises at each scale
        assert (out / "generated_image.jpg").stat().st_size > 0
        finals[arithmetic] = rows[-1][1]
    # A rougher gradient, not a worse run
    assert finals["auto"] < 1.25 * finals["float32"], finals


@pytest.mark.parametrize("rough", [False, True])
def test_a_failed_line_search_in_bfloat16_points_to_float32(rough):
    # J = |x|^2 whose gradient is given the wrong sign: no step along -H g lowers J, as when a
    # bfloat16 gradient is too rough near a minimum (seen on the 4-16 channel test network).
    said = []
    with tf1.Graph().as_default(), tf1.Session() as sess:
        x = tf1.Variable(np.full((1, 4, 5, 3), 10.0, np.float32), name="input")
        S = tf.reduce_sum(tf.square(x))
        J = tf.stop_gradient(S) - S + tf.stop_gradient(S)
        step = lbfgs.LBFGS(J, x, carried=True, rough=rough)
        sess.run(tf1.global_variables_initializer())
        stepper = step.stepper(sess, 5, say=said.append)
        assert stepper.step() is False and stepper.stopped
        np.testing.assert_array_equal(sess.run(x), np.full((1, 4, 5, 3), 10.0, np.float32))
    hint = " (in bfloat16: --precision float32 computes J and dJ/dG exactly)"
    assert said == [
        "L-BFGS stopped after 0 iterations: the line search found no lower cost"
        + (hint if rough else "")
    ]
