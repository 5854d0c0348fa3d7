"""The main job's choice of weights: lookup order, untrained fallback with a warning,
``--require-pretrained``."""

import os
import subprocess
import sys

import imageio.v2 as imageio
import numpy as np
import pytest

from nst_course import WeightsError
from nst_course.run.graph import prepare
from nst_course.run.runner import RunOptions
from nst_course.weights.synthetic import write_matconvnet


@pytest.fixture
def images(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("NST_VGG_MODEL", raising=False)
    rng = np.random.default_rng(0)
    for name in ("content.png", "style.png"):
        imageio.imwrite(str(tmp_path / name), rng.integers(0, 256, (40, 48, 3), dtype=np.uint8))
    return RunOptions(content="content.png", style=["style.png"], width=48, height=40)


def test_prepare_falls_back_with_a_prominent_warning(images, capsys):
    prepared = prepare(images)
    assert prepared.weights.layout == "random"
    err = capsys.readouterr().err
    assert "WARNING: using an UNTRAINED network" in err
    assert "WARNING: get the real weights (510 MB) with:   nst-course weights download" in err


def test_prepare_uses_the_course_place(images, tiny, tmp_path, capsys):
    os.makedirs("pretrained-model")
    write_matconvnet("pretrained-model/imagenet-vgg-verydeep-19.mat", tiny)
    prepared = prepare(images)
    assert prepared.weights.source == "pretrained-model/imagenet-vgg-verydeep-19.mat"
    np.testing.assert_array_equal(prepared.weights["conv1_1"].kernel, tiny["conv1_1"].kernel)
    assert "WARNING" not in capsys.readouterr().err


def test_prepare_with_a_missing_explicit_file_does_not_fall_back(images, tmp_path):
    images.weights = "elsewhere.mat"
    with pytest.raises(WeightsError, match=r"^weights file not found: elsewhere.mat;"):
        prepare(images)


def test_require_pretrained_on_the_command_line(images, tmp_path):
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "xdg"))
    env.pop("NST_VGG_MODEL", None)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "nst_course",
            "run",
            "--content",
            "content.png",
            "--style",
            "style.png",
            "--width",
            "48",
            "--height",
            "40",
            "--iterations",
            "1",
            "--output-dir",
            "out",
            "--require-pretrained",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(tmp_path),
        timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        "nst-course: error: no VGG weights found (searched $NST_VGG_MODEL (unset), "
        "pretrained-model/imagenet-vgg-verydeep-19.mat, %s); get them with `nst-course weights "
        "download` or pass a path"
        % (tmp_path / "xdg" / "nst-course" / "imagenet-vgg-verydeep-19.mat")
    )
    assert not os.path.exists(tmp_path / "out" / "generated_image.jpg")
