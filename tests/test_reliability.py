"""Every bad input gets a clear one-line error, odd but valid images work, nothing is lost.

Each case runs ``python -m nst_course`` in a subprocess (images made here with Pillow, tiny
VGG weights) and checks the exit status, the exact message on stderr (one line, no
traceback) and the state of the output directory. A few in-process tests pin down what the
image conversions and the error descriptions produce.
"""

import errno
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import zlib

import imageio.v2 as imageio
import numpy as np
import pytest
from PIL import Image

from nst_course.errors import ImageError, NSTError, OptionError, describe, exit_status
from nst_course.loading import MAX_PIXELS, MIN_SIDE, load_image

from .conftest import ROOT, cli_env, random_image

W, H = 40, 32  # output size of the runs here
ERROR = "nst-course: error: "


# --------------------------------------------------------------------------- helpers


_IMPORT_PROBLEM = {}


def _unprivileged_import_problem(prefix):
    """Why user 65534 cannot run the command from this checkout (None when it can), e.g. a
    clone or virtual environment in a directory only root can read."""
    if "answer" not in _IMPORT_PROBLEM:
        probe = subprocess.run(
            prefix + [sys.executable, "-c", "import nst_course.cli"],
            cwd="/",
            env=cli_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        last = (probe.stderr.strip().splitlines() or ["exit status %d" % probe.returncode])[-1]
        _IMPORT_PROBLEM["answer"] = (
            None
            if probe.returncode == 0
            else (
                "user 65534 cannot import nst_course from this checkout (%s): the checkout or its "
                "Python is in a directory that user cannot read, so file permissions cannot be "
                "tested" % last
            )
        )
    return _IMPORT_PROBLEM["answer"]


def nst(*args, cwd=None, unprivileged=False):
    """``python -m nst_course ARGS`` in a subprocess; CompletedProcess (text).

    ``unprivileged``: as user/group 65534 when running as root (so that file permissions
    apply to the command as they do for a student or a teacher).
    """
    prefix = []
    if unprivileged and os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: file permissions cannot be tested")
        prefix = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"]
        reason = _unprivileged_import_problem(prefix)
        if reason:
            pytest.skip(reason)
    return subprocess.run(
        prefix + [sys.executable, "-m", "nst_course"] + [str(a) for a in args],
        cwd=cwd or ROOT,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_error(proc, status, message):
    """Exit ``status`` and exactly one stderr line ``nst-course: error: MESSAGE``."""
    assert proc.returncode == status, (proc.returncode, proc.stderr)
    assert proc.stderr == ERROR + message + "\n", proc.stderr
    assert "Traceback" not in proc.stdout


def one_error_line(proc, status):
    """Exit ``status``, one stderr line starting ``nst-course: error: ``; returns the message."""
    assert proc.returncode == status, (proc.returncode, proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(ERROR), proc.stderr
    return lines[0][len(ERROR) :]


def snapshot(directory):
    """{name: bytes} of every file in ``directory`` (missing directory: None)."""
    if not os.path.isdir(directory):
        return None
    return {
        name: open(os.path.join(directory, name), "rb").read()
        for name in sorted(os.listdir(directory))
    }


def write_png16(path, rgb16):
    """A 16-bit-per-channel RGB PNG (Pillow cannot write one): (h, w, 3) uint16."""
    h, w, _ = rgb16.shape
    raw = b"".join(b"\x00" + rgb16[y].astype(">u2").tobytes() for y in range(h))

    def chunk(tag, data):
        return (
            struct.pack(">I", len(data))
            + tag
            + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    with open(path, "wb") as fh:
        fh.write(
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b"")
        )


def make_images(d):
    """Every kind of image file the tests use, in directory ``d``; returns {kind: path}."""
    rgb = random_image(40, 48, seed=3)
    p = {}

    def path(name):
        p[name.split(".")[0]] = str(d / name)
        return d / name

    Image.fromarray(rgb).save(path("rgb.png"))
    Image.fromarray(rgb).convert("L").save(path("grey.png"))
    rgba = Image.fromarray(rgb).convert("RGBA")
    rgba.putalpha(Image.fromarray(np.tile(np.linspace(0, 255, 48, dtype=np.uint8), (40, 1))))
    rgba.save(path("rgba.png"))
    Image.fromarray(rgb).convert("P").save(path("palette.png"))
    Image.fromarray(np.tile(np.linspace(0, 65535, 48).astype(np.uint16), (40, 1))).save(
        path("grey16.png")
    )
    write_png16(path("rgb16.png"), rgb.astype(np.uint16) * 257)
    Image.fromarray(rgb).convert("CMYK").save(path("cmyk.jpg"), quality=95)
    Image.fromarray(rgb).save(path("progressive.jpg"), progressive=True, quality=95)
    # a photo stored 48 wide x 40 high whose EXIF says "rotate 90 degrees clockwise" (6)
    photo = Image.fromarray(rgb)
    exif = photo.getexif()
    exif[0x0112] = 6
    photo.save(path("exif.jpg"), exif=exif, quality=95)
    frames = [Image.fromarray(np.full((40, 48, 3), value, np.uint8)) for value in (30, 220)]
    frames[0].save(
        path("animated.gif"), save_all=True, append_images=frames[1:], duration=50, loop=0
    )
    Image.fromarray(rgb).save(path("Ölgemälde mit Leerzeichen.png"))
    p["spaces"] = p.pop("Ölgemälde mit Leerzeichen")
    # refused
    Image.fromarray(rgb).save(d / "full.jpg", quality=95)
    data = (d / "full.jpg").read_bytes()
    (d / "truncated.jpg").write_bytes(data[: len(data) // 2])
    p["truncated"] = str(d / "truncated.jpg")
    data = (d / "rgb.png").read_bytes()
    (d / "truncated.png").write_bytes(data[: len(data) // 2])
    p["truncated_png"] = str(d / "truncated.png")
    (d / "notes.jpg").write_text("these are my notes, not a picture\n")
    p["not_image"] = str(d / "notes.jpg")
    (d / "empty.png").write_bytes(b"")
    p["empty"] = str(d / "empty.png")
    Image.fromarray(rgb[:20, :24]).save(path("small.png"))
    (d / "folder.png").mkdir()
    p["directory"] = str(d / "folder.png")
    return p


@pytest.fixture(scope="module")
def world():
    """A world-readable directory (so that the unprivileged runs can read it too) with tiny
    weights, every test image, a garbage weights file and a file where a directory should be."""
    from nst_course.weights.synthetic import tiny_weights, write_matconvnet

    base = tempfile.mkdtemp(prefix="nst-reliability-")
    os.chmod(base, 0o755)
    from pathlib import Path

    d = Path(base)
    images = make_images(d)
    weights = str(write_matconvnet(str(d / "tiny-vgg19.mat"), tiny_weights(seed=0)))
    rng = np.random.default_rng(0)
    (d / "garbage.mat").write_bytes(rng.integers(0, 256, 4000, dtype=np.uint8).tobytes())
    (d / "a-file").write_text("not a directory\n")
    for root, dirs, files in os.walk(base):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)
    yield {
        "dir": d,
        "images": images,
        "weights": weights,
        "garbage": str(d / "garbage.mat"),
        "file": str(d / "a-file"),
    }
    shutil.rmtree(base, ignore_errors=True)


def run_args(world, out, content=None, style=None, *extra):
    images = world["images"]
    return [
        "run",
        "--weights",
        world["weights"],
        "--content",
        content or images["rgb"],
        "--style",
        style or images["rgb"],
        "--width",
        W,
        "--height",
        H,
        "--iterations",
        2,
        "--print-every",
        1,
        "--save-every",
        1,
        "--seed",
        1,
        "--output-dir",
        out,
    ] + list(extra)


# --------------------------------------------------------------------------- images that work


@pytest.mark.parametrize(
    "content, style",
    [
        ("grey", "rgba"),
        ("palette", "grey16"),
        ("rgb16", "cmyk"),
        ("progressive", "exif"),
        ("animated", "spaces"),
    ],
)
def test_odd_but_valid_images_work_through_the_cli(world, tmp_path, content, style):
    images = world["images"]
    # the last case also writes into a directory with spaces and non-ASCII letters
    out = tmp_path / ("Ergebnis für die Klasse" if style == "spaces" else "out")
    proc = nst(*run_args(world, out, images[content], images[style], "--quiet"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "" and proc.stdout == ""
    result = imageio.imread(out / "generated_image.jpg")
    assert result.shape == (H, W, 3)


def test_conversions_in_detail(world):
    images = world["images"]
    rgb = random_image(40, 48, seed=3).astype(int)
    # grayscale: three equal channels
    grey = load_image(images["grey"])
    assert grey.shape == (40, 48, 3) and (grey[..., 0] == grey[..., 2]).all()
    # 16-bit grey: 0..65535 mapped onto 0..255 (not clipped at 255)
    g16 = load_image(images["grey16"])
    assert g16[0, 0, 0] == 0 and g16[0, -1, 0] == 255 and 120 < g16[0, 24, 0] < 136
    # 16-bit RGB: the 8-bit values back exactly
    assert np.array_equal(load_image(images["rgb16"]), rgb)
    # RGBA: over white (fully transparent column -> white, opaque column -> the colour)
    rgba = load_image(images["rgba"]).astype(int)
    assert (rgba[:, 0] == 255).all() and np.abs(rgba[:, -1] - rgb[:, -1]).max() <= 1
    # CMYK JPEG: close to the RGB it was made from
    assert np.abs(load_image(images["cmyk"]).astype(int) - rgb).mean() < 12
    # EXIF orientation 6: stored 48x40, shown rotated 90 degrees clockwise -> 40 wide, 48 high
    exif = load_image(images["exif"])
    as_stored = np.asarray(Image.open(images["exif"]).convert("RGB"))
    assert as_stored.shape == (40, 48, 3) and exif.shape == (48, 40, 3)
    assert np.array_equal(exif, np.rot90(as_stored, k=-1))
    # animated GIF: the first frame
    assert (load_image(images["animated"]) == 30).all()
    # resizing to the requested size
    assert load_image(images["spaces"], 64, 50).shape == (50, 64, 3)


# --------------------------------------------------------------------------- images refused


@pytest.mark.parametrize(
    "kind, message",
    [
        ("missing", "image not found: {path}; check the path (quote names with spaces)"),
        ("directory", "{path} is a directory, not an image file; give the image's path"),
        (
            "not_image",
            "{path} is not an image that can be read (JPEG, PNG, GIF, BMP, TIFF, WebP "
            "...); give an image file",
        ),
        ("empty", "image {path} is an empty file; give a JPEG, PNG, GIF, BMP, TIFF or WebP image"),
        (
            "truncated",
            "image {path} is damaged or truncated (image file is truncated (%s bytes not "
            "processed)); export or download it again",
        ),
        (
            "truncated_png",
            "image {path} is damaged or truncated (image file is truncated); export "
            "or download it again",
        ),
        (
            "small",
            "image {path} is only 24x20 pixels; images must be at least 32x32 (the network "
            "halves them five times)",
        ),
    ],
)
def test_bad_images_are_refused_with_one_line(world, tmp_path, kind, message):
    path = world["images"].get(kind, str(world["dir"] / "no such picture.jpg"))
    out = tmp_path / "out"
    for option in ("--content", "--style"):
        args = run_args(world, out)
        args[args.index(option) + 1] = path
        proc = nst(*args)
        text = one_error_line(proc, 1)
        expected = message.format(path=path)
        if "%s" in expected:
            head, tail = expected.split("%s")
            assert text.startswith(head) and text.endswith(tail), text
        else:
            assert text == expected
        assert not out.exists()  # nothing created for a run that could not start


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX named pipes")
def test_a_pipe_is_refused_instead_of_hanging(world, tmp_path):
    pipe = str(tmp_path / "pipe.png")
    os.mkfifo(pipe)
    proc = nst(*run_args(world, tmp_path / "out", pipe))
    assert_error(
        proc, 1, "%s is not a regular file (a pipe or a device?); give an image file" % pipe
    )


def test_image_above_the_pixel_limit_and_the_override(world, tmp_path):
    path = world["images"]["rgb"]  # 48 x 40 = 1920 pixels
    out = tmp_path / "out"
    proc = nst(*run_args(world, out, path, None, "--max-pixels", 1500))
    assert_error(
        proc,
        1,
        "image %s is 48x40 = 1920 pixels, above the limit of 1500; shrink it "
        "or pass --max-pixels 1920" % path,
    )
    assert not out.exists()
    proc = nst(*run_args(world, out, path, None, "--max-pixels", 1920, "--quiet"))
    assert proc.returncode == 0, proc.stderr
    assert os.path.isfile(out / "generated_image.jpg")


def test_default_pixel_limit_is_documented_and_sane():
    assert MAX_PIXELS >= 24_000_000 and MIN_SIDE == 32
    proc = nst("run", "--help")
    assert "--max-pixels" in proc.stdout and str(MAX_PIXELS) in proc.stdout


def test_output_size_above_the_pixel_limit(world, tmp_path):
    proc = nst(*run_args(world, tmp_path / "out", None, None, "--max-pixels", 1000))
    assert_error(
        proc,
        2,
        "--width 40 x --height 32 = 1280 pixels is above --max-pixels 1000; "
        "choose a smaller size or raise --max-pixels",
    )


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_unreadable_image(world, tmp_path):
    d = tempfile.mkdtemp(prefix="nst-unreadable-")
    try:
        os.chmod(d, 0o777)
        secret = os.path.join(d, "secret.png")
        shutil.copy(world["images"]["rgb"], secret)
        os.chmod(secret, 0o000)
        out = os.path.join(d, "out")
        proc = nst(*run_args(world, out, secret), unprivileged=True)
        assert_error(
            proc,
            1,
            "cannot read image %s: permission denied; check the file's permissions" % secret,
        )
        assert not os.path.exists(out)
    finally:
        shutil.rmtree(d, ignore_errors=True)


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
            "conv1_1",
            "argument --style-layers: 'conv1_1': write each style layer as NAME:WEIGHT",
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
