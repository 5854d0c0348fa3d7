"""Bad option values, output directories that cannot be written, re-runs and --debug: one
line each, nothing lost.
"""

import os
import shutil
import tempfile

import imageio.v2 as imageio
import pytest

from tests.fixtures.bad_input import (
    ERROR,
    H,
    W,
    assert_error,
    nst,
    run_args,
    snapshot,
)

# --------------------------------------------------------------------------- option values


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("--width", "0", "argument --width: '0' must be greater than 0"),
        ("--width", "-40", "argument --width: '-40' must be greater than 0"),
        ("--width", "wide", "argument --width: 'wide' is not a whole number"),
        ("--height", "0", "argument --height: '0' must be greater than 0"),
        ("--height", "3.5", "argument --height: '3.5' is not a whole number"),
        ("--iterations", "0", "argument --iterations: '0' must be greater than 0"),
        ("--iterations", "-5", "argument --iterations: '-5' must be greater than 0"),
        ("--iterations", "many", "argument --iterations: 'many' is not a whole number"),
        ("--learning-rate", "0", "argument --learning-rate: '0' must be greater than 0"),
        ("--learning-rate", "-2", "argument --learning-rate: '-2' must be greater than 0"),
        ("--learning-rate", "nan", "argument --learning-rate: 'nan' is not a finite number"),
        ("--learning-rate", "fast", "argument --learning-rate: 'fast' is not a number"),
        ("--alpha", "-1", "argument --alpha: '-1' must be 0 or more"),
        ("--alpha", "inf", "argument --alpha: 'inf' is not a finite number"),
        ("--beta", "-40", "argument --beta: '-40' must be 0 or more"),
        ("--beta", "lots", "argument --beta: 'lots' is not a number"),
        ("--style-layers", "conv1_1:-0.2", "argument --style-layers: '-0.2' must be 0 or more"),
        ("--style-layers", "conv1_1:nan", "argument --style-layers: 'nan' is not a finite number"),
        ("--style-layers", "conv1_1:heavy", "argument --style-layers: 'heavy' is not a number"),
        (
            "--style-layers",
            "conv1_1,conv2_1:0.5",
            "argument --style-layers: 'conv1_1,conv2_1:0.5': give every style layer a weight "
            "(NAME:WEIGHT) or none (equal weights)",
        ),
        ("--max-pixels", "0", "argument --max-pixels: '0' must be greater than 0"),
        (
            "--width",
            "16",
            "--width 16 is too small: the network needs at least 32 pixels per side "
            "(it halves the image five times)",
        ),
        (
            "--height",
            "31",
            "--height 31 is too small: the network needs at least 32 pixels per side "
            "(it halves the image five times)",
        ),
        (
            "--style-layers",
            "conv1_1:0,conv2_1:0",
            "--style-layers: every weight is 0; give at least one layer a weight above 0",
        ),
    ],
)
def test_bad_option_values_are_usage_errors(world, tmp_path, option, value, message):
    out = tmp_path / "out"
    args = run_args(world, out)
    if option in args:
        args[args.index(option) + 1] = value
    else:
        args += [option, value]
    assert_error(nst(*args), 2, message)
    assert not out.exists()


def test_unknown_layer_names(world, tmp_path):
    valid = (
        "conv1_1, conv1_2, avgpool1, conv2_1, conv2_2, avgpool2, conv3_1, conv3_2, conv3_3, "
        "conv3_4, avgpool3, conv4_1, conv4_2, conv4_3, conv4_4, avgpool4, conv5_1, conv5_2, "
        "conv5_3, conv5_4, avgpool5"
    )
    out = tmp_path / "out"
    proc = nst(*run_args(world, out, None, None, "--content-layer", "conv9_1"))
    assert_error(proc, 2, "unknown content layer 'conv9_1'; valid layers: " + valid)
    proc = nst(*run_args(world, out, None, None, "--style-layers", "conv1_1:0.5,relu2_1:0.5"))
    assert_error(proc, 2, "unknown style layer 'relu2_1'; valid layers: " + valid)
    assert not out.exists()


def test_usage_errors_of_the_command_itself():
    proc = nst("paint")
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1, proc.stderr
    # the list of commands grows as subcommands are added (batch, grade, ...)
    assert (
        proc.stderr.startswith(
            ERROR + "argument COMMAND: invalid choice: 'paint' (choose from 'run', 'weights'"
        )
        and "'batch'" in proc.stderr
    )
    proc = nst("run", "--colour", "blue")
    assert_error(proc, 2, "unrecognized arguments: --colour blue")


# --------------------------------------------------------------------------- output directory


def test_output_dir_that_is_a_file(world, tmp_path):
    before = open(world["file"], "rb").read()
    proc = nst(*run_args(world, world["file"]))
    assert_error(
        proc,
        1,
        "--output-dir %s is a file, not a directory; choose another path "
        "(nothing was changed)" % world["file"],
    )
    assert open(world["file"], "rb").read() == before
    inside = os.path.join(world["file"], "results")
    proc = nst(*run_args(world, inside))
    assert_error(
        proc,
        1,
        "cannot create --output-dir %s: %s is a file, not a directory; choose "
        "another path" % (inside, world["file"]),
    )
    assert open(world["file"], "rb").read() == before


def test_a_directory_in_the_way_of_an_output_file(world, tmp_path):
    out = tmp_path / "out"
    (out / "costs.csv").mkdir(parents=True)
    (out / "costs.csv" / "inside.txt").write_text("keep\n")
    proc = nst(*run_args(world, out))
    assert_error(
        proc,
        1,
        "%s is a directory, but the run writes a file of that name there; "
        "move it or choose another --output-dir" % (out / "costs.csv"),
    )
    assert os.listdir(out) == ["costs.csv"]
    assert (out / "costs.csv" / "inside.txt").read_text() == "keep\n"


def test_output_dir_not_writable(world):
    d = tempfile.mkdtemp(prefix="nst-readonly-")
    try:
        locked = os.path.join(d, "locked")
        os.mkdir(locked)
        with open(os.path.join(locked, "0.png"), "wb") as fh:
            fh.write(b"an earlier result")
        os.chmod(locked, 0o555)
        os.chmod(d, 0o755)
        proc = nst(*run_args(world, locked), unprivileged=True)
        assert_error(
            proc, 1, "--output-dir %s is not writable; choose a directory you can write to" % locked
        )
        inside = os.path.join(locked, "new")
        proc = nst(*run_args(world, inside), unprivileged=True)
        assert_error(
            proc,
            1,
            "cannot create --output-dir %s: %s is not writable; choose a "
            "directory you can write to" % (inside, locked),
        )
        assert snapshot(locked) == {"0.png": b"an earlier result"}
    finally:
        os.chmod(os.path.join(d, "locked"), 0o755)
        shutil.rmtree(d, ignore_errors=True)


# --------------------------------------------------------------------------- re-runs, --debug


def test_rerun_overwrites_the_course_names_and_leaves_other_files_alone(world, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("the teacher's notes\n")
    (out / "0.png").write_bytes(b"an old result")
    (out / "my_favourite.png").write_bytes(b"keep me")
    proc = nst(*run_args(world, out, None, None, "--quiet"))
    assert proc.returncode == 0, proc.stderr
    after = snapshot(out)
    assert after["notes.txt"] == b"the teacher's notes\n"
    assert after["my_favourite.png"] == b"keep me"
    assert after["0.png"] != b"an old result"
    assert imageio.imread(out / "0.png").shape == (H, W, 3)
    assert not [n for n in after if n.startswith(".")]


def test_debug_shows_the_traceback(world, tmp_path):
    missing = str(world["dir"] / "nope.png")
    for args in (
        ["--debug"] + run_args(world, tmp_path / "o", missing),
        run_args(world, tmp_path / "o", missing) + ["--debug"],
    ):
        proc = nst(*args)
        assert proc.returncode == 1
        assert "Traceback (most recent call last)" in proc.stderr
        assert proc.stderr.rstrip().splitlines()[-1] == (
            ERROR + "image not found: %s; check the path (quote names with spaces)" % missing
        )
