"""The report files (costs.png, summary.png, progress.gif) and the progress display."""

import io
import os
import time
from types import SimpleNamespace

import imageio.v2 as imageio
import numpy as np
import pytest

from nst_course.run import outputs
from nst_course.run.progress import Progress, format_duration
from tests.conftest import random_image

ROWS = [(0, 5.0e9, 7877.67, 1.26e8), (20, 9.4e8, 15187.1, 2.36e7), (40, 4.0e8, 16000.0, 1.0e7)]


def opts(tmp_path, **kw):
    values = dict(
        output_dir=str(tmp_path),
        alpha=10.0,
        beta=40.0,
        iterations=60,
        learning_rate=2.0,
        noise_ratio=0.6,
        optimizer="adam",
        seed=None,
        save_every=20,
    )
    values.update(kw)
    return SimpleNamespace(**values)


def test_costs_png_is_a_deterministic_png_without_version_metadata(tmp_path):
    a = outputs.plot_costs(ROWS, str(tmp_path / "a" / "costs.png"))
    b = outputs.plot_costs(ROWS, str(tmp_path / "b" / "costs.png"))
    data = open(a, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data == open(b, "rb").read()
    assert b"matplotlib" not in data and b"Software" not in data
    assert imageio.imread(a).shape[:2] == (400, 640)
    assert sorted(os.listdir(tmp_path / "a")) == ["costs.png"]  # no temporary file left
    umask = os.umask(0o022)
    os.umask(umask)
    assert os.stat(a).st_mode & 0o777 == 0o666 & ~umask  # as open() makes it, not mkstemp's 0600


def test_costs_png_copes_with_zero_costs_and_a_single_row(tmp_path):
    outputs.plot_costs([(0, 10.0, 0.0, 0.25)], str(tmp_path / "costs.png"))
    assert imageio.imread(tmp_path / "costs.png").shape[:2] == (400, 640)


def test_summary_shows_all_panels_and_the_caption_names_the_weights(tmp_path):
    content, style, result = (
        random_image(30, 40, 1),
        random_image(30, 40, 2),
        random_image(30, 40, 3),
    )
    path = outputs.summary_image(
        content,
        [style],
        result,
        str(tmp_path / "summary.png"),
        caption="alpha = 10, beta = 40\nVGG weights: x.mat",
    )
    image = imageio.imread(path)
    assert image.shape[1] == 1200 and image.shape[0] > 300
    two_styles = outputs.summary_image(content, [style, style], result, str(tmp_path / "s2.png"))
    assert imageio.imread(two_styles).shape[1] == 1600
    caption = outputs.caption_for(opts(tmp_path, seed=3), SimpleNamespace(source="random(seed=0)"))
    assert caption == (
        "alpha = 10, beta = 40, 60 iterations, Adam, learning rate 2, noise ratio 0.6\n"
        "VGG weights: random (untrained VGG-19), seed 3"
    )
    assert (
        outputs.weights_label("/some/where/imagenet-vgg-verydeep-19.mat")
        == "imagenet-vgg-verydeep-19.mat"
    )
    assert "L-BFGS" in outputs.caption_for(opts(tmp_path, optimizer="lbfgs"))


def test_frames_in_numeric_order_and_only_this_runs(tmp_path):
    for i in (0, 20, 40, 100, 200, 5):
        imageio.imwrite(tmp_path / ("%d.png" % i), random_image(8, 10, i))
    (tmp_path / "notes.png.txt").write_text("x")
    found = [os.path.basename(p) for p in outputs.frame_paths(str(tmp_path))]
    assert found == ["0.png", "5.png", "20.png", "40.png", "100.png", "200.png"]
    found = [os.path.basename(p) for p in outputs.frame_paths(str(tmp_path), 120, 20)]
    assert found == ["0.png", "20.png", "40.png", "100.png"]


def test_progress_gif_holds_the_frames_in_order_then_the_final_image(tmp_path):
    frames = [np.full((16, 20, 3), v, np.uint8) for v in (0, 100, 200)]
    paths = []
    for i, frame in enumerate(frames):
        paths.append(str(tmp_path / ("%d.png" % (i * 20))))
        imageio.imwrite(paths[-1], frame)
    final = np.full((16, 20, 3), 250, np.uint8)
    gif = outputs.progress_gif(paths, str(tmp_path / "progress.gif"), final=final)
    read = imageio.mimread(gif)
    assert [int(f[..., :3].mean()) for f in read] == [0, 100, 200, 250]
    again = outputs.progress_gif(paths, str(tmp_path / "again.gif"), final=final)
    assert open(gif, "rb").read() == open(again, "rb").read()
    with pytest.raises(ValueError):
        outputs.progress_gif([], str(tmp_path / "empty.gif"))


def test_progress_gif_of_a_single_picture(tmp_path):
    """A run with --save-every 0 has only the final image: a one-frame (still) GIF."""
    final = random_image(12, 16, seed=3)
    path = str(tmp_path / "progress.gif")
    outputs.progress_gif([], path, final=final)
    frames = imageio.mimread(path)
    assert len(frames) == 1 and frames[0].shape[:2] == (12, 16)


def test_write_reports_writes_the_three_files(tmp_path):
    image = random_image(24, 32, 0)
    imageio.imwrite(tmp_path / "0.png", image)
    result = random_image(24, 32, 1)
    written = outputs.write_reports(
        opts(tmp_path, iterations=10, save_every=20),
        image,
        [image],
        result,
        ROWS,
        weights=SimpleNamespace(source="random(seed=0)"),
    )
    assert [os.path.basename(p) for p in written] == ["costs.png", "summary.png", "progress.gif"]
    assert len(imageio.mimread(tmp_path / "progress.gif")) == 2


# --------------------------------------------------------------------------- progress


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_format_duration():
    assert [format_duration(s) for s in (0, 59.4, 75.2, 3725)] == [
        "0:00",
        "0:59",
        "1:15",
        "1:02:05",
    ]


def test_plain_lines_every_n_iterations_with_rate_and_time_left():
    clock, out = Clock(), io.StringIO()
    progress = Progress(10, stream=out, every=5, clock=clock)
    assert progress.tty is False
    progress.start()
    for done in range(1, 11):
        clock.now += 2.0
        progress.update(done)
    progress.close()
    assert out.getvalue().splitlines() == [
        "progress: 5/10 iterations, 2.00 s/iteration, 0:10 left",
        "progress: 10/10 iterations, 2.00 s/iteration, 0:20 in all",
    ]


def test_bar_on_a_terminal_is_tqdm_redrawn_and_cleared_for_other_lines():
    out = Terminal()
    progress = Progress(4, stream=out)
    assert progress.tty is True
    progress.start()
    time.sleep(0.15)  # tqdm redraws at most every 0.1 s
    progress.update(1)
    text = out.getvalue()
    assert "\r" in text and "nst-course run:" in text and "1/4" in text  # tqdm's redrawn line
    before = len(out.getvalue())
    progress.clear()
    assert out.getvalue()[before:].startswith("\r") and "1/4" not in out.getvalue()[before:]
    for done in (2, 3, 4):
        progress.update(done)
    progress.close()
    text = out.getvalue()
    assert text.endswith("\n") and "100%" in text and "4/4" in text
    assert "progress:" not in text  # no plain log lines on a terminal


def test_disabled_progress_writes_nothing():
    out = Terminal()
    progress = Progress(3, stream=out, enabled=False)
    progress.start()
    for done in (1, 2, 3):
        progress.update(done)
    progress.clear()
    progress.close()
    assert out.getvalue() == ""


def test_a_resumed_run_counts_only_its_own_iterations_for_the_rate():
    clock, out = Clock(), io.StringIO()
    progress = Progress(100, stream=out, every=10, clock=clock)
    progress.start(done=80)  # resumed at iteration 80
    for done in range(81, 91):
        clock.now += 0.5
        progress.update(done)
    assert out.getvalue() == "progress: 90/100 iterations, 0.50 s/iteration, 0:05 left\n"
