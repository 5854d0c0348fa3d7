"""The options beyond the course on the command line (nst-course run)."""

import os
import subprocess
import sys

import imageio.v2 as imageio

from nst_course.run import runner
from nst_course.run.runner import RunOptions
from tests.fixtures.option_runs import (
    H,
    W,
    read_costs,
)

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
