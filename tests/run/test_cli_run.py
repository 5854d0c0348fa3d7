"""`nst-course run` end to end: real subprocesses, tiny weights, small images, real files."""

import csv
import os
import pty
import re
import subprocess
import sys
import threading

import imageio.v2 as imageio
import numpy as np
import pytest
from PIL import Image

from nst_course.weights.synthetic import tiny_weights, write_matconvnet
from tests.conftest import ROOT, cli_env, random_image

WIDTH, HEIGHT, ITERATIONS, PRINT_EVERY, SAVE_EVERY = 40, 32, 6, 2, 3
SAVED = [i for i in range(ITERATIONS) if i % SAVE_EVERY == 0]  # 0.png, 3.png
REPORTS = ["generated_image.jpg", "costs.csv", "costs.png", "summary.png", "progress.gif"]
CHATTER = (
    "absl::InitializeLog",
    "oneDNN custom operations",
    "cudart_stub",
    "cuda drivers",
    "is deprecated",
    "I0000",
    "W0000",
)


def nst(*args, **kwargs):
    """Run ``python -m nst_course ARGS`` and return the CompletedProcess (text)."""
    return subprocess.run(
        [sys.executable, "-m", "nst_course"] + list(args),
        cwd=ROOT,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )


def nst_on_terminal(*args):
    """Run ``python -m nst_course ARGS`` with stdout on a pseudo-terminal; (rc, stdout, stderr)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nst_course"] + list(args),
        cwd=ROOT,
        env=cli_env(),
        stdout=slave,
        stderr=subprocess.PIPE,
    )
    os.close(slave)
    chunks = []

    def read():
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the terminal's other end is closed
                break
            if not data:
                break
            chunks.append(data)

    reader = threading.Thread(target=read)
    reader.start()
    _, err = proc.communicate(timeout=300)
    reader.join(timeout=30)
    os.close(master)
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace"), err.decode()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """Tiny weights, an RGBA content image and a palette style image of other sizes."""
    d = tmp_path_factory.mktemp("inputs")
    weights = str(write_matconvnet(str(d / "tiny-vgg19.mat"), tiny_weights(seed=0)))
    rgba = np.dstack([random_image(50, 70, seed=1), np.full((50, 70), 200, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(d / "content.png")
    Image.fromarray(random_image(45, 36, seed=2)).convert("P").save(d / "style.png")
    return {"weights": weights, "content": str(d / "content.png"), "style": str(d / "style.png")}


def run_args(inputs, out, *extra):
    return [
        "run",
        "--weights",
        inputs["weights"],
        "--content",
        inputs["content"],
        "--style",
        inputs["style"],
        "--width",
        str(WIDTH),
        "--height",
        str(HEIGHT),
        "--iterations",
        str(ITERATIONS),
        "--print-every",
        str(PRINT_EVERY),
        "--save-every",
        str(SAVE_EVERY),
        "--seed",
        "7",
        "--output-dir",
        str(out),
    ] + list(extra)


@pytest.fixture(scope="module")
def first_run(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("run1") / "out"
    proc = nst(*run_args(inputs, out))
    return proc, out


@pytest.fixture(scope="module")
def second_run(inputs, tmp_path_factory):
    """The same command with the same seed, this time on a terminal."""
    out = tmp_path_factory.mktemp("run2") / "out"
    rc, stdout, stderr = nst_on_terminal(*run_args(inputs, out))
    return rc, stdout, stderr, out


def printed_costs(stdout):
    """[(i, total, content, style)] from the course's cost lines."""
    pattern = re.compile(
        r"Iteration (\d+) :\ntotal cost = (\S+)\ncontent cost = (\S+)\n"
        r"style cost = (\S+)\n"
    )
    return [
        (int(m.group(1)),) + tuple(float(x) for x in m.groups()[1:])
        for m in pattern.finditer(stdout.replace("\r\n", "\n"))
    ]


def test_run_exits_0_and_keeps_tensorflow_quiet(first_run):
    proc, _ = first_run
    assert proc.returncode == 0, proc.stderr
    for text in CHATTER:
        assert text not in proc.stderr and text not in proc.stdout, text
    assert proc.stderr.strip() == ""


def test_every_output_file_with_the_right_pixel_size(first_run):
    proc, out = first_run
    assert proc.returncode == 0, proc.stderr
    names = sorted(os.listdir(out))
    assert names == sorted(REPORTS + ["%d.png" % i for i in SAVED])
    for name in ["generated_image.jpg"] + ["%d.png" % i for i in SAVED]:
        image = imageio.imread(out / name)
        assert image.shape == (HEIGHT, WIDTH, 3), name
    frames = imageio.mimread(out / "progress.gif")
    assert len(frames) == len(SAVED) + 1  # the saved frames, then the final image
    assert all(frame.shape[:2] == (HEIGHT, WIDTH) for frame in frames)
    assert np.abs(frames[0][..., :3].astype(int) - imageio.imread(out / "0.png")).mean() < 12
    costs_png = imageio.imread(out / "costs.png")
    assert costs_png.shape[:2] == (400, 640)
    summary = imageio.imread(out / "summary.png")
    assert summary.shape[1] == 3 * 400 and 300 < summary.shape[0] < 500
    # no temporary files left behind by the atomic writes
    assert not [n for n in names if n.startswith(".")]


def test_costs_csv_matches_the_printed_cost_lines(first_run):
    proc, out = first_run
    printed = printed_costs(proc.stdout)
    assert [row[0] for row in printed] == list(range(0, ITERATIONS, PRINT_EVERY))
    with open(out / "costs.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["iteration", "total", "content", "style"]
    # the printed iterations, then the saved image's (the last, not a print step here), whose
    # costs the course never prints
    assert [int(r[0]) for r in rows[1:]] == [line[0] for line in printed] + [ITERATIONS - 1]
    assert ITERATIONS - 1 not in [line[0] for line in printed]
    for row, line in zip(rows[1:], printed):
        assert int(row[0]) == line[0]
        # the lines print float32 values; the csv holds the same float32 values exactly
        assert [np.float32(float(x)) for x in row[1:]] == [np.float32(x) for x in line[1:]]


def test_plain_progress_lines_when_stdout_is_not_a_terminal(first_run):
    proc, _ = first_run
    assert "\r" not in proc.stdout
    lines = [line for line in proc.stdout.splitlines() if line.startswith("progress: ")]
    assert lines[-1].startswith("progress: %d/%d iterations, " % (ITERATIONS, ITERATIONS))
    assert all("s/iteration" in line for line in lines)
    assert "progress: 2/6 iterations" in proc.stdout and "left" in proc.stdout


def test_same_seed_same_files_and_a_bar_on_a_terminal(first_run, second_run):
    proc, out1 = first_run
    rc, stdout, stderr, out2 = second_run
    assert proc.returncode == 0 and rc == 0, stderr
    assert sorted(os.listdir(out1)) == sorted(os.listdir(out2))
    for name in os.listdir(out1):
        assert (out1 / name).read_bytes() == (out2 / name).read_bytes(), name
    # the redrawn bar: carriage returns, iterations done, s/iteration, time left
    assert "\r" in stdout and "nst-course run: 100%" in stdout and "6/6" in stdout  # tqdm's bar
    assert ("s/it" in stdout or "it/s" in stdout) and "progress:" not in stdout
    assert printed_costs(stdout) == printed_costs(proc.stdout)
    assert stderr.strip() == ""


def test_quiet_prints_nothing(inputs, tmp_path):
    proc = nst(
        "run",
        "--weights",
        inputs["weights"],
        "--content",
        inputs["content"],
        "--style",
        inputs["style"],
        "--width",
        "32",
        "--height",
        "32",
        "--iterations",
        "1",
        "--output-dir",
        str(tmp_path / "q"),
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""
    assert sorted(os.listdir(tmp_path / "q")) == sorted(REPORTS + ["0.png"])


def test_help_names_every_option_with_its_default():
    proc = nst("run", "--help")
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())
    for option in (
        "--content",
        "--style",
        "--output-dir",
        "--iterations",
        "--width",
        "--height",
        "--alpha",
        "--beta",
        "--learning-rate",
        "--noise-ratio",
        "--seed",
        "--print-every",
        "--save-every",
        "--weights",
        "--require-pretrained",
        "--quiet",
    ):
        assert option in text, option
    for default in (
        "(default: images/tubingen.jpg)",
        "(default: output)",
        "(default: 200)",
        "(default: 400)",
        "(default: 300)",
        "(default: 10.0)",
        "(default: 40.0)",
        "(default: 2.0)",
        "(default: 0.6)",
        "(default: 20)",
    ):
        assert default in text, default
    assert "Lanczos" in text


def test_top_level_help_and_the_console_script():
    proc = nst("--help")
    assert proc.returncode == 0 and "run" in proc.stdout
    script = os.path.join(os.path.dirname(sys.executable), "nst-course")
    if os.path.exists(script):
        proc = subprocess.run([script, "run", "--help"], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0 and "--iterations" in proc.stdout


@pytest.mark.parametrize(
    "args, words",
    [
        (["--iterations", "abc"], "'abc' is not a whole number"),
        (["--iterations", "0"], "must be greater than 0"),
        (["--noise-ratio", "2"], "must be between 0 and 1"),
        (["--alpha", "nan"], "not a finite number"),
        (["--pooling", "median"], "invalid choice"),
    ],
)
def test_a_bad_option_value_is_one_line_and_exit_2(args, words):
    proc = nst("run", *args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("nst-course: error: ") and words in lines[0]
