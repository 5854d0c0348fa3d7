"""Bad weights, a cost that stops being a number, and the error descriptions in-process."""

import errno
import os
import signal

import imageio.v2 as imageio

from nst_course.errors import ImageError, NSTError, OptionError, describe, exit_status
from tests.fixtures.bad_input import (
    ERROR,
    H,
    W,
    assert_error,
    nst,
    one_error_line,
    run_args,
    snapshot,
)

# --------------------------------------------------------------------------- weights


def test_missing_weights_file(world, tmp_path):
    out = tmp_path / "out"
    missing = str(world["dir"] / "missing.mat")
    args = run_args(world, out)
    args[args.index("--weights") + 1] = missing
    text = one_error_line(nst(*args), 1)
    assert missing in text and "not found" in text
    assert snapshot(out) in (None, {})


def test_corrupt_weights_file(world, tmp_path):
    out = tmp_path / "out"
    args = run_args(world, out)
    args[args.index("--weights") + 1] = world["garbage"]
    text = one_error_line(nst(*args), 1)
    assert world["garbage"] in text and "cannot read" in text
    assert snapshot(out) in (None, {})


def test_weights_verify_refuses_garbage_with_one_line(world):
    text = one_error_line(nst("weights", "verify", world["garbage"]), 1)
    assert world["garbage"] in text


# --------------------------------------------------------------------------- NaN / Inf cost


def test_cost_becoming_infinite_stops_and_keeps_the_last_finite_image(world, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    args = run_args(world, out, None, None, "--learning-rate", "1e30", "--iterations", "6")
    proc = nst(*args)
    assert_error(
        proc,
        1,
        "the cost became infinite at iteration 1; stopped and kept the last "
        "finite image (iteration 0) as %s; try a smaller --learning-rate, "
        "smaller --alpha/--beta, or other weights" % os.path.join(str(out), "generated_image.jpg"),
    )
    kept = imageio.imread(out / "generated_image.jpg")
    assert kept.shape == (H, W, 3) and kept.std() > 5  # a real picture, not a NaN-black one
    assert (out / "notes.txt").read_text() == "mine\n"
    assert not [n for n in os.listdir(out) if n.startswith(".")]  # no temporary files


# --------------------------------------------------------------------------- in-process details


def test_describe_turns_any_exception_into_one_line():
    assert describe(ImageError("image x.png is broken")) == "image x.png is broken"
    assert describe(FileNotFoundError(errno.ENOENT, "No such file", "a.png")) == (
        "file or directory not found: a.png; check the path"
    )
    assert describe(PermissionError(errno.EACCES, "Permission denied")) == (
        "permission denied; check the file's permissions or choose another path"
    )
    # a failed atomic write names the file the user knows, not its temporary twin
    assert describe(OSError(errno.ENOSPC, "No space left", "out/.0.k2j3h4.tmp.png")) == (
        "no space left on the device writing out/0.png; free some space or choose another "
        "--output-dir"
    )
    assert describe(
        IsADirectoryError(
            errno.EISDIR, "Is a directory", "out/.costs.x1.tmp.csv", None, "out/costs.csv"
        )
    ) == ("out/costs.csv is a directory, not a file; give a file's path")
    assert describe(PermissionError(errno.EACCES, "Permission denied", "out/0.png")) == (
        "permission denied: out/0.png; check the file's permissions or choose another path"
    )
    assert describe(OSError(errno.ENOSPC, "No space left on device", "out/1.png")) == (
        "no space left on the device writing out/1.png; free some space or choose another "
        "--output-dir"
    )
    assert describe(MemoryError()) == (
        "out of memory; try a smaller --width/--height, or smaller input images"
    )
    line = describe(ValueError("bad\nthing"))
    assert line == (
        "unexpected error (ValueError: bad); run again with --debug to see where, and report it"
    )
    assert exit_status(OptionError("x")) == 2 and exit_status(NSTError("x")) == 1
    assert exit_status(ValueError("x")) == 1


def test_describe_tensorflow_errors():
    import tensorflow as tf

    oom = tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor\nmore")
    assert describe(oom) == (
        "out of memory in TensorFlow (OOM when allocating tensor); try a "
        "smaller --width/--height or fewer style images"
    )
    other = tf.errors.InternalError(None, None, "something broke")
    assert describe(other) == (
        "TensorFlow failed (InternalError: something broke); run again with --debug for details"
    )


def test_main_turns_unexpected_exceptions_into_one_line(monkeypatch, capsys):
    from nst_course import cli
    from nst_course.run import cli as run_cli

    def boom(args):
        raise PermissionError(errno.EACCES, "Permission denied", "out/costs.csv")

    monkeypatch.setattr(run_cli, "cmd_run", boom)
    monkeypatch.setattr(run_cli, "preflight", lambda args: None)
    monkeypatch.setattr(cli, "_quiet_tensorflow", lambda args=None: None)
    assert cli.main(["run"]) == 1
    err = capsys.readouterr().err
    assert err == ERROR + (
        "permission denied: out/costs.csv; check the file's permissions or choose another path\n"
    )
    # the signal handlers are put back afterwards
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
