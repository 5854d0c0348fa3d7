"""Options beyond the course that change the start or the look: --init, --preserve-colors."""

import os

import imageio.v2 as imageio
import numpy as np
import pytest

from nst_course.errors import NSTError
from nst_course.images import reshape_and_normalize_image
from nst_course.loading import load_image
from nst_course.run import graph as run_graph
from nst_course.run import runner
from tests.conftest import random_image
from tests.fixtures.option_runs import (
    H,
    W,
    make_opts,
    read_costs,
)

# --------------------------------------------------------------------------- --init


def test_init_choices_give_the_start_image(tmp_path, tiny_mat, pictures):
    prepared = run_graph.prepare(make_opts(tmp_path, tiny_mat, pictures))
    content = reshape_and_normalize_image(load_image(pictures["content"], W, H))
    style = reshape_and_normalize_image(load_image(pictures["style_a"], W, H))
    other = random_image(2 * H, 2 * W, seed=11)
    imageio.imwrite(tmp_path / "start.png", other)

    def start(init):
        return run_graph.initial_image(make_opts(tmp_path, tiny_mat, pictures, init=init), prepared)

    np.testing.assert_array_equal(start("content"), content)
    np.testing.assert_array_equal(start("style"), style)
    np.testing.assert_array_equal(
        start(str(tmp_path / "start.png")),
        reshape_and_normalize_image(load_image(str(tmp_path / "start.png"), W, H)),
    )
    noise = start("noise")  # the course's: 0.6 U(-20, 20) + 0.4 content, seeded
    rng = np.random.default_rng(3)
    np.testing.assert_allclose(
        noise, rng.uniform(-20, 20, (1, H, W, 3)).astype(np.float32) * 0.6 + content * 0.4
    )
    with pytest.raises(NSTError, match="--init nothing.png: not noise, content, style"):
        start(str(tmp_path / "nothing.png").replace(str(tmp_path) + os.sep, ""))


def test_init_content_starts_the_run_at_the_content_image(tmp_path, tiny_mat, pictures):
    opts = make_opts(tmp_path, tiny_mat, pictures, init="content", iterations=1)
    runner.run(opts)
    first = read_costs(os.path.join(opts.output_dir, "costs.csv"))[0]
    assert 0 < first[2] < 5.0  # one Adam step (2 per pixel at most) away from content cost 0


# --------------------------------------------------------------------------- --preserve-colors


def test_preserve_colors_keeps_the_content_chroma():
    from PIL import Image

    from nst_course.run.colors import preserve_colors, rgb_to_ycbcr, ycbcr_to_rgb

    rng = np.random.default_rng(0)
    content = rng.integers(60, 196, (10, 12, 3)).astype(np.uint8)
    generated = rng.integers(0, 256, (10, 12, 3)).astype(np.uint8)
    out = preserve_colors(content, generated)
    assert out.dtype == np.uint8 and out.shape == content.shape
    # Checked with Pillow's own (JPEG) YCbCr conversion, not ours.
    ycc = lambda x: np.asarray(Image.fromarray(x).convert("YCbCr"), dtype=float)  # noqa: E731
    ok = (out > 0).all(axis=-1) & (out < 255).all(axis=-1)  # pixels where nothing was clipped
    assert ok.mean() > 0.5
    np.testing.assert_allclose(ycc(out)[..., 1:][ok], ycc(content)[..., 1:][ok], atol=2)
    np.testing.assert_allclose(ycc(out)[..., 0][ok], ycc(generated)[..., 0][ok], atol=2)
    rgb = rng.uniform(0, 255, (50, 3))
    np.testing.assert_allclose(ycbcr_to_rgb(rgb_to_ycbcr(rgb)), rgb, atol=1e-3)


def test_preserve_colors_applies_to_the_saved_images(tmp_path, tiny_mat, pictures):
    from nst_course.run.colors import preserve_colors

    plain = make_opts(tmp_path, tiny_mat, pictures, save_every=3, iterations=4)
    kept = make_opts(
        tmp_path, tiny_mat, pictures, save_every=3, iterations=4, out="kept", preserve_colors=True
    )
    result_plain = runner.run(plain)
    result_kept = runner.run(kept)
    content = load_image(pictures["content"], W, H)
    np.testing.assert_array_equal(result_kept, preserve_colors(content, result_plain))
    saved_plain = imageio.imread(os.path.join(plain.output_dir, "3.png"))
    saved_kept = imageio.imread(os.path.join(kept.output_dir, "3.png"))
    np.testing.assert_array_equal(saved_kept, preserve_colors(content, saved_plain))
    assert not np.array_equal(saved_kept, saved_plain)
