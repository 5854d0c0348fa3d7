"""Ctrl-C and SIGTERM during `nst-course run`: the current image (and, with checkpoints, the
resumable state) is saved, one line says where, the exit status is 130 / 143 and nothing
that was there before is lost. Real signals sent to a real running process."""

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading

import imageio.v2 as imageio
import numpy as np
import pytest
from PIL import Image

from tests.conftest import random_image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIDE = 48
MANY = 100000  # iterations: far more than the test waits for


def _env():
    env = dict(os.environ)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    env.pop("NST_VGG_MODEL", None)
    env.pop("TF_ONEDNN_ASSUME_FROZEN_WEIGHTS", None)  # the command decides (nst_course.run.onednn)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.fixture(scope="module")
def pictures(tmp_path_factory):
    from nst_course.weights.synthetic import tiny_weights, write_matconvnet

    d = tmp_path_factory.mktemp("interrupt-inputs")
    Image.fromarray(random_image(SIDE, SIDE, seed=1)).save(d / "content.png")
    Image.fromarray(random_image(SIDE, SIDE, seed=2)).save(d / "style.png")
    weights = write_matconvnet(str(d / "tiny.mat"), tiny_weights(seed=0))
    return {
        "content": str(d / "content.png"),
        "style": str(d / "style.png"),
        "weights": str(weights),
    }


class Running:
    """``python -m nst_course ARGS`` in the background, its stdout read line by line."""

    def __init__(self, *args):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "nst_course"] + [str(a) for a in args],
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines = queue.Queue()
        self.stdout = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.stdout.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, text, timeout=240):
        """Block until a stdout line contains ``text``."""
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                self.proc.kill()
                pytest.fail("no line with %r within %d s" % (text, timeout))
            if line is None:
                pytest.fail(
                    "the run ended before printing %r: %s" % (text, self.proc.stderr.read())
                )
            if text in line:
                return line

    def stop_at(self, text, signum=signal.SIGINT):
        """Send ``signum`` once a stdout line contains ``text``; (status, stderr)."""
        self.wait_for(text)
        self.proc.send_signal(signum)
        return self.finish()

    def finish(self, timeout=120):
        """Wait for the exit; (status, stderr)."""
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            pytest.fail("the run did not stop within %d s of the signal" % timeout)
        self.reader.join(timeout=30)
        return status, self.proc.stderr.read()


def run_args(pictures, out, *extra):
    return [
        "run",
        "--weights",
        pictures["weights"],
        "--content",
        pictures["content"],
        "--style",
        pictures["style"],
        "--width",
        SIDE,
        "--height",
        SIDE,
        "--iterations",
        MANY,
        "--print-every",
        4,
        "--save-every",
        4,
        "--seed",
        3,
        "--output-dir",
        out,
    ] + list(extra)


def earlier_files(out):
    """Files from before the run, which must survive it untouched."""
    out.mkdir()
    (out / "notes.txt").write_text("the teacher's notes\n")
    (out / "my_picture.png").write_bytes(b"not even a real png")
    return {"notes.txt": b"the teacher's notes\n", "my_picture.png": b"not even a real png"}


def check_untouched(out, before):
    for name, data in before.items():
        assert (out / name).read_bytes() == data, name
    assert not [n for n in os.listdir(out) if n.startswith(".")]  # no temporary files left


def test_ctrl_c_saves_the_current_image_and_exits_130(pictures, tmp_path):
    out = tmp_path / "out"
    before = earlier_files(out)
    run = Running(*run_args(pictures, out))
    status, stderr = run.stop_at("Iteration 8 :")
    assert status == 130, stderr
    saved = os.path.join(str(out), "interrupted.png")
    match = re.fullmatch(
        r"nst-course: interrupted by SIGINT after (\d+) of %d iterations; "
        r"the current image is saved as %s\n" % (MANY, re.escape(saved)),
        stderr,
    )
    assert match, stderr
    assert int(match.group(1)) >= 9
    image = imageio.imread(saved)
    assert image.shape == (SIDE, SIDE, 3) and image.std() > 5
    for i in (0, 4, 8):  # the images saved before the interruption are whole
        assert imageio.imread(out / ("%d.png" % i)).shape == (SIDE, SIDE, 3)
    assert not (out / "generated_image.jpg").exists()  # the run did not finish
    check_untouched(out, before)
    assert "Traceback" not in stderr


def test_ctrl_c_keeps_the_cost_line_of_every_finished_iteration(pictures, tmp_path):
    """A cost line waits for the next step's forward pass (nst_course.run.stage.CostLines); an
    interruption writes the one still waiting, so costs.csv has every finished iteration."""
    import csv

    out = tmp_path / "out"
    args = run_args(pictures, out) + ["--print-every", 1, "--save-every", 0]
    run = Running(*args)
    status, stderr = run.stop_at("Iteration 5 :")
    assert status == 130, stderr
    done = int(re.search(r"after (\d+) of", stderr).group(1))
    with open(out / "costs.csv") as fh:
        rows = list(csv.reader(fh))[1:]
    assert [int(r[0]) for r in rows] == list(range(done))
    printed = [int(m) for m in re.findall(r"^Iteration (\d+) :$", "".join(run.stdout), re.M)]
    assert printed == list(range(done))


def test_sigterm_with_checkpoints_saves_the_state_exits_143_and_resumes(pictures, tmp_path):
    out = tmp_path / "out"
    before = earlier_files(out)
    run = Running(*run_args(pictures, out, "--checkpoint-every", 3))
    status, stderr = run.stop_at("Iteration 8 :", signal.SIGTERM)
    assert status == 143, stderr
    saved = os.path.join(str(out), "interrupted.png")
    match = re.fullmatch(
        r"nst-course: interrupted by SIGTERM after (\d+) of %d iterations; "
        r"the current image is saved as %s; continue with --resume %s\n"
        % (MANY, re.escape(saved), re.escape(str(out))),
        stderr,
    )
    assert match, stderr
    done = int(match.group(1))
    with np.load(out / "checkpoint.npz") as data:
        meta = json.loads(str(data["meta"]))
    assert meta["iteration"] == done  # the state and the message agree
    check_untouched(out, before)
    # continue for two more iterations from the saved state
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "nst_course",
            "run",
            "--resume",
            str(out),
            "--iterations",
            str(done + 2),
            "--quiet",
        ],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert imageio.imread(out / "generated_image.jpg").shape == (SIDE, SIDE, 3)
    check_untouched(out, before)


def test_ctrl_c_during_lbfgs(pictures, tmp_path):
    out = tmp_path / "out"
    before = earlier_files(out)
    run = Running(*run_args(pictures, out, "--optimizer", "lbfgs"))
    status, stderr = run.stop_at("Iteration 4 :")
    assert status == 130, stderr
    assert re.fullmatch(
        r"nst-course: interrupted by SIGINT after \d+ of %d iterations; the "
        r"current image is saved as .*interrupted\.png\n" % MANY,
        stderr,
    ), stderr
    assert imageio.imread(out / "interrupted.png").shape == (SIDE, SIDE, 3)
    check_untouched(out, before)


def test_interrupt_before_the_run_starts_is_one_line(monkeypatch, capsys):
    """In-process: a Ctrl-C while the run is still starting up is one line and status 130."""
    from nst_course import cli
    from nst_course.run import cli as run_cli

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(run_cli, "cmd_run", interrupted)
    monkeypatch.setattr(run_cli, "preflight", lambda args: None)
    monkeypatch.setattr(cli, "_quiet_tensorflow", lambda args=None: None)
    assert cli.main(["run"]) == 130
    assert capsys.readouterr().err == "nst-course: interrupted by SIGINT\n"


def test_deferred_signals_hold_a_signal_until_the_block_ends():
    from nst_course.run import safety

    previous = safety.install_signal_handlers()
    try:
        reached_end_of_block = False
        with pytest.raises(safety.Interrupted) as caught:
            with safety.deferred_signals():
                os.kill(os.getpid(), signal.SIGTERM)
                reached_end_of_block = True
        assert reached_end_of_block
        assert caught.value.exit_status == 143 and caught.value.signal_name == "SIGTERM"
        # a second signal inside the block stops it at once
        with pytest.raises(safety.Interrupted):
            with safety.deferred_signals():
                os.kill(os.getpid(), signal.SIGINT)
                os.kill(os.getpid(), signal.SIGINT)
                pytest.fail("the second signal should have stopped the block")
    finally:
        safety.restore_signal_handlers(previous)
