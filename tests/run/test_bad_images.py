"""Odd but valid images work; bad images get a clear one-line error (exit status, exact
message, no traceback, the output directory untouched).
"""

import os
import shutil
import tempfile

import imageio.v2 as imageio
import numpy as np
import pytest
from PIL import Image

from nst_course.loading import MAX_PIXELS, MIN_SIDE, load_image
from tests.conftest import random_image
from tests.fixtures.bad_input import H, W, assert_error, nst, one_error_line, run_args

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
