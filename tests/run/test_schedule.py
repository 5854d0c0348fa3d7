"""Coarse-to-fine runs (``--scales``, nst_course.run.schedule) and ``--preset``.

Sizes per scale, the final scale's cost against the course's own cost functions, checkpoints
taken mid-schedule, and the preset being exactly its documented recipe. Tiny VGG-19 weights,
images of 40 x 32 / 80 x 64 pixels.
"""

import csv
import os

import imageio.v2 as imageio
import numpy as np
import pytest
import tensorflow as tf

from nst_course import STYLE_LAYERS, compute_content_cost, compute_style_cost, total_cost
from nst_course.config import CONFIG
from nst_course.errors import OptionError
from nst_course.run import graph as run_graph
from nst_course.run import runner, schedule
from nst_course.run.cli import preflight
from nst_course.run.presets import PRESETS, apply_preset, preset_flags
from nst_course.run.runner import RunOptions
from nst_course.vgg import load_vgg_model
from tests.conftest import ROOT, random_image

tf1 = tf.compat.v1
H, W = 64, 80  # scale 0.5: 40 x 32, the smallest size the network takes


@pytest.fixture
def pictures(tmp_path):
    paths = {}
    for name, seed in (("content", 21), ("style", 22)):
        img = random_image(96, 120, seed=seed)  # read and resized to each scale's size
        path = tmp_path / (name + ".png")
        imageio.imwrite(path, img if name == "content" else img[::-1].copy())
        paths[name] = str(path)
    return paths


def make_opts(tmp_path, tiny_mat, pictures, out="out", **kw):
    values = dict(
        content=pictures["content"],
        style=[pictures["style"]],
        output_dir=str(tmp_path / out),
        width=W,
        height=H,
        weights=tiny_mat,
        scales=[0.5, 1.0],
        scale_iterations=[3, 2],
        print_every=1,
        save_every=2,
        seed=5,
        quiet=True,
    )
    values.update(kw)
    return RunOptions(**values)


def read_costs(path):
    with open(path) as fh:
        return [[float(v) for v in row] for row in list(csv.reader(fh))[1:]]


# --------------------------------------------------------------------------- the plan


def test_scales_give_their_sizes_and_iterations():
    stages = schedule.plan(RunOptions(scales=[0.25, 0.5, 1.0], iterations=200))
    assert [(s.width, s.height) for s in stages] == [(100, 75), (200, 150), (400, 300)]
    assert [(s.first, s.end) for s in stages] == [(0, 67), (67, 134), (134, 200)]
    given = RunOptions(scales=[0.25, 0.5, 1.0], scale_iterations=[100, 50, 20])
    assert schedule.total_iterations(given) == 170
    assert [(s.first, s.end) for s in schedule.plan(schedule.with_total(given))] == [
        (0, 100),
        (100, 150),
        (150, 170),
    ]
    # A side under 32 pixels: the scale is raised until the shorter side has 32, same aspect.
    assert [
        (s.width, s.height)
        for s in schedule.plan(RunOptions(width=200, height=100, scales=[0.1, 1.0], iterations=4))
    ] == [(64, 32), (200, 100)]
    assert schedule.plan(RunOptions()) == [schedule.Stage(0, 1.0, 400, 300, 0, 200)]


@pytest.mark.parametrize(
    "kw, message",
    [
        (dict(scales=[0.5, 0.25, 1.0]), "from coarse to fine"),
        (dict(scales=[0.25, 0.5]), "the last scale must be 1"),
        (dict(scales=[0.0, 1.0]), "not a fraction"),
        (dict(scales=[0.5, 1.0], scale_iterations=[10]), "gives 1 numbers for 2 scales"),
        (dict(scales=[0.5, 1.0], scale_iterations=[10, 0]), "not a whole number greater than 0"),
        (dict(scales=[0.25, 0.5, 1.0], iterations=2), "cannot be split over 3 scales"),
        (dict(upsample="nearest"), "choose bicubic or lanczos"),
    ],
)
def test_bad_schedules_are_refused_in_one_line(kw, message):
    from nst_course.run.checks import check_options

    with pytest.raises(OptionError, match=message):
        check_options(RunOptions(**kw))


def test_upsampling_works_on_the_denormalised_image():
    means = CONFIG.MEANS.reshape(3).astype(np.float32)
    # A constant colour stays that colour; pixels are clipped to [0, 255] after resizing.
    flat = np.zeros((1, 8, 10, 3), np.float32) + (np.array([10.0, 200.0, 90.0]) - means)
    up = schedule.upsample(flat, 20, 16)
    assert up.shape == (1, 16, 20, 3)
    np.testing.assert_allclose(
        up + means, np.broadcast_to([10.0, 200.0, 90.0], up.shape), atol=1e-3
    )
    # A horizontal ramp is a ramp at the new size (bicubic is exact on linear data inside).
    x = np.arange(10, dtype=np.float32) * 20.0 + 30.0  # pixel centres at 0.5, 1.5, ...
    ramp = np.broadcast_to(x[None, None, :, None], (1, 8, 10, 3)) - means
    big = schedule.upsample(ramp, 20, 16) + means
    centres = (np.arange(20) + 0.5) / 2.0 - 0.5  # the new pixels' centres in the old grid
    np.testing.assert_allclose(big[0, 5, 4:16, 1], 30.0 + 20.0 * centres[4:16], atol=0.05)
    steep = np.zeros((1, 8, 10, 3), np.float32) - means  # black with one white column
    steep[0, :, 5, :] = 255.0 - means
    lanczos = schedule.upsample(steep, 20, 16, "lanczos") + means
    assert lanczos.min() >= 0.0 and lanczos.max() <= 255.0


# --------------------------------------------------------------------------- runs


def course_cost(opts, image):
    """J of ``image`` with the course's functions (load_vgg_model, compute_content_cost,
    compute_style_cost, total_cost) at the output size, the content and style images read as
    a single-scale run reads them."""
    prepared = run_graph.prepare(opts)
    graph = tf.Graph()
    with graph.as_default(), tf1.Session(graph=graph) as sess, sess.as_default():
        model = load_vgg_model(opts.weights, height=opts.height, width=opts.width)
        sess.run(model["input"].assign(prepared.content))
        a_C = sess.run(model["conv4_2"])
        J_content = compute_content_cost(a_C, model["conv4_2"])
        sess.run(model["input"].assign(prepared.styles[0]))
        J_style = compute_style_cost(model, STYLE_LAYERS)
        J = total_cost(J_content, J_style, alpha=10, beta=40)
        sess.run(model["input"].assign(image))
        return [float(v) for v in sess.run([J, J_content, J_style])]


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_a_two_scale_run_ends_with_the_courses_cost_at_the_output_size(
    tmp_path, tiny_mat, pictures, optimizer
):
    from nst_course.run import checkpoint

    opts = make_opts(tmp_path, tiny_mat, pictures, optimizer=optimizer, checkpoint_every=5)
    result = runner.run(opts)
    assert result.shape == (H, W, 3)
    rows = read_costs(os.path.join(opts.output_dir, "costs.csv"))
    assert [r[0] for r in rows] == [0, 1, 2, 3, 4]
    final = checkpoint.load(opts.output_dir)
    assert final.iteration == 5 and final.scale == 1
    assert final.variables["input"].shape == (1, H, W, 3)
    np.testing.assert_allclose(rows[-1][1:], course_cost(opts, final.variables["input"]), rtol=2e-4)
    # Every frame, coarse ones too, and the result have the output size.
    for name in ("0.png", "2.png", "4.png", "generated_image.jpg"):
        assert imageio.imread(os.path.join(opts.output_dir, name)).shape == (H, W, 3)


class _Stop(Exception):
    pass


@pytest.mark.parametrize(
    "stop_after, scale, shape", [(2, 0, (1, 32, 40, 3)), (4, 0, (1, 32, 40, 3))]
)
def test_a_checkpoint_mid_schedule_resumes_at_its_scale(
    tmp_path, tiny_mat, pictures, monkeypatch, stop_after, scale, shape
):
    from nst_course.run import checkpoint

    kw = dict(scale_iterations=[4, 3], save_every=0)
    whole = runner.run(make_opts(tmp_path, tiny_mat, pictures, out="whole", **kw))
    original = checkpoint.save

    def save_then_die(*args, **kwargs):  # "killed" right after the checkpoint of stop_after
        original(*args, **kwargs)
        if args[2] == stop_after:
            raise _Stop()

    monkeypatch.setattr(checkpoint, "save", save_then_die)
    cut = make_opts(tmp_path, tiny_mat, pictures, out="cut", checkpoint_every=2, **kw)
    with pytest.raises(_Stop):
        runner.run(cut)
    monkeypatch.setattr(checkpoint, "save", original)
    saved = checkpoint.load(cut.output_dir)
    assert (saved.iteration, saved.scale) == (stop_after, scale)
    assert saved.variables["input"].shape == shape and saved.variables["input/Adam"].shape == shape
    assert saved.options["width"] == W and saved.options["scales"] == [0.5, 1.0]

    resumed = runner.run(RunOptions(resume=cut.output_dir, quiet=True))
    a = read_costs(os.path.join(str(tmp_path / "whole"), "costs.csv"))
    b = read_costs(os.path.join(cut.output_dir, "costs.csv"))
    assert [r[0] for r in a] == [r[0] for r in b] == list(range(7))
    np.testing.assert_allclose(np.array(b), np.array(a), rtol=1e-5)
    assert np.abs(resumed.astype(int) - whole.astype(int)).max() <= 1
    assert checkpoint.load(cut.output_dir).scale == 1


# --------------------------------------------------------------------------- --preset


def test_preset_fast_is_exactly_the_documented_recipe():
    from nst_course.cli import build_parser

    recipe = PRESETS["fast"]
    got = apply_preset(RunOptions(preset="fast"))
    want = RunOptions(preset="fast", **recipe)
    assert got == want
    # The flags the README and --help quote give the same options on the command line ...
    flags = preset_flags("fast")
    args = build_parser().parse_args(["run"] + flags.split())
    for key, value in recipe.items():
        assert getattr(args, key) == value
    assert "--preset fast" not in flags and flags.startswith("--optimizer lbfgs")
    # ... which the docs state word for word (the README, or the time-to-picture page that
    # measured it); an option given explicitly wins.
    pages = []
    for page in ("README.md", os.path.join("docs", "performance", "time-to-picture.md")):
        if os.path.isfile(os.path.join(ROOT, page)):
            with open(os.path.join(ROOT, page), encoding="utf-8") as fh:
                pages.append(" ".join(fh.read().split()))
    assert any(flags in text for text in pages)
    assert apply_preset(RunOptions(preset="fast", init="style")).init == "style"
    # The checks made before TensorFlow loads see the preset's scales (one count per scale).
    counts = ",".join("2" for _ in recipe["scales"])
    preflight(
        build_parser().parse_args(
            [
                "run",
                "--preset",
                "fast",
                "--scale-iterations",
                counts,
                "--content",
                os.path.join(ROOT, "images", "tubingen.jpg"),
                "--style",
                os.path.join(ROOT, "images", "monet.jpg"),
            ]
        )
    )
    with pytest.raises(OptionError, match="choose fast"):
        apply_preset(RunOptions(preset="slow"))


def test_the_default_stays_the_courses_single_scale(capsys):
    from nst_course.cli import build_parser

    opts = RunOptions()
    assert opts.scales == [1.0] and opts.scale_iterations is None and opts.preset is None
    assert not schedule.is_multiscale(opts)
    args = build_parser().parse_args(["run"])
    assert args.scales == [1.0] and args.preset is None and args.scale_iterations is None
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--help"])
    assert preset_flags("fast") in " ".join(capsys.readouterr().out.split())


def test_the_command_line_refuses_a_bad_schedule_in_one_line(tmp_path, pictures, capsys):
    from nst_course.cli import main

    status = main(
        [
            "run",
            "--content",
            pictures["content"],
            "--style",
            pictures["style"],
            "--scales",
            "0.5,0.25,1",
            "--output-dir",
            str(tmp_path / "o"),
        ]
    )
    err = capsys.readouterr().err
    assert status != 0 and err.count("\n") == 1
    assert "nst-course: error: --scales 0.5,0.25,1: give the fractions from coarse to fine" in err
    assert not os.path.exists(tmp_path / "o")


def test_an_option_given_on_the_command_line_wins_over_the_preset_even_at_its_default():
    from nst_course.cli import build_parser
    from nst_course.run.cli import options_of

    given = options_of(
        build_parser().parse_args(
            ["run", "--preset", "fast", "--scales", "1", "--init", "noise", "--quiet"]
        )
    )
    # --scales 1 and --init noise are the defaults, but the user gave them: one scale, noise
    assert given.scales == [1.0] and given.init == "noise" and given.quiet is True
    assert given.optimizer == "lbfgs-carry" and given.precision == "auto"  # the preset's
    assert runner.resolve(RunOptions(preset="fast", scales=[1.0]), given={"scales"}).scales == [1.0]
    # in code, without the names given, an option at its default takes the preset's value
    assert runner.resolve(RunOptions(preset="fast", scales=[1.0])).scales == [0.6, 1.0]
