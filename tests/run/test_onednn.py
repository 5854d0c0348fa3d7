"""oneDNN on by default in every process of ours that trains (nst_course.run.onednn), and
right, not only fast: the fast-graph equivalence tests and the published outputs pass with
oneDNN forced on and forced off (each in a fresh process, as TensorFlow reads the switch once,
when it is imported)."""

import os
import subprocess
import sys

import pytest

from nst_course.batch.cluster import worker_environment
from nst_course.run import onednn
from tests.conftest import ROOT, cli_env

ONEDNN, FROZEN = onednn.ONEDNN_VAR, onednn.FROZEN_WEIGHTS_VAR


def test_the_rule_for_a_training_process():
    assert onednn.training_environment({}) == {ONEDNN: "1", FROZEN: "1"}
    # a user's own setting always wins, whatever it says
    assert onednn.training_environment({ONEDNN: "0"}) == {ONEDNN: "0", FROZEN: "1"}
    assert onednn.training_environment({ONEDNN: "false", FROZEN: "0"}) == {
        ONEDNN: "false",
        FROZEN: "0",
    }
    assert onednn.training_environment({"OTHER": "x"}) == {ONEDNN: "1", FROZEN: "1"}


def test_the_workers_follow_the_same_rule(monkeypatch):
    monkeypatch.delenv(ONEDNN, raising=False)
    monkeypatch.delenv(FROZEN, raising=False)
    env = worker_environment(1)
    assert env[ONEDNN] == "1" and env[FROZEN] == "1"
    monkeypatch.setenv(ONEDNN, "0")
    env = worker_environment(1)
    assert env[ONEDNN] == "0" and env[FROZEN] == "1"
    assert {k: env[k] for k in (ONEDNN, FROZEN)} == onednn.training_environment()


def test_left_alone_once_tensorflow_is_loaded(monkeypatch):
    import tensorflow  # noqa: F401 - loaded here, as in any test process

    monkeypatch.delenv(ONEDNN, raising=False)
    assert onednn.enable_onednn() is None and ONEDNN not in os.environ
    assert onednn.onednn_in_use() in (True, False)  # TensorFlow's own answer


# The main job in a fresh process: main() of the command line, then what TensorFlow says.
MAIN_JOB = """
import os, sys
from nst_course.cli import main
from nst_course.run.onednn import onednn_in_use
status = main(sys.argv[1:])
print("status", status, "var", os.environ.get("TF_ENABLE_ONEDNN_OPTS"), "onednn", onednn_in_use())
"""


@pytest.mark.parametrize("preset, want", [(None, "var 1 onednn True"), ("0", "var 0 onednn False")])
def test_the_main_job_turns_onednn_on_unless_the_user_set_it(tiny_mat, tmp_path, preset, want):
    import imageio.v2 as imageio

    from tests.conftest import random_image

    imageio.imwrite(tmp_path / "c.png", random_image(32, 40, seed=1))
    imageio.imwrite(tmp_path / "s.png", random_image(32, 40, seed=2))
    env = cli_env()
    env.pop(ONEDNN, None)
    if preset is not None:
        env[ONEDNN] = preset
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            MAIN_JOB,
            "run",
            "--content",
            str(tmp_path / "c.png"),
            "--style",
            str(tmp_path / "s.png"),
            "--output-dir",
            str(tmp_path / "out"),
            "--iterations",
            "2",
            "--width",
            "40",
            "--height",
            "32",
            "--weights",
            tiny_mat,
            "--quiet",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.stdout.strip().splitlines()[-1] == "status 0 " + want, proc.stderr
    assert (tmp_path / "out" / "generated_image.jpg").is_file()


# Runs test files with pytest in this (fresh) process, then reports whether oneDNN was on.
PYTEST_THEN_REPORT = """
import sys, pytest
status = pytest.main(["-q", "-p", "no:cacheprovider"] + sys.argv[1:])
from nst_course.run.onednn import onednn_in_use
print("onednn", onednn_in_use())
sys.exit(int(status))
"""


@pytest.mark.parametrize("setting, want", [("1", "onednn True"), ("0", "onednn False")])
def test_equivalence_and_published_outputs_with_onednn_forced(setting, want):
    """tests/run/test_fast_graph.py (the main job's costs, cost lines and images against the
    course's plain graph, rtol 2e-4) and tests/course/test_published_outputs.py, in a process where
    TensorFlow runs with oneDNN as set and the frozen-weights mode on, as in ``nst-course run``
    (so the main job's graph holds its weights in variables, as the command's does; the
    command itself in a subprocess of its own is left out here: the same graph, and 6 s more)."""
    env = cli_env()
    env.update({ONEDNN: setting, FROZEN: "1"})
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            PYTEST_THEN_REPORT,
            "tests/run/test_fast_graph.py",
            "tests/course/test_published_outputs.py",
            "-k",
            "not command_line",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == want
    assert " passed" in proc.stdout and "skipped" not in proc.stdout


def test_the_notebook_turns_onednn_on_before_tensorflow():
    """The notebook trains too (model_nn): its first code cell calls the notebooks' set-up,
    which asks for oneDNN, before anything imports TensorFlow (README, "Speed on each CPU
    kind")."""
    import inspect
    import json

    from nst_course.notebook import session

    assert "enable_onednn()" in inspect.getsource(session.setup)
    for name in (
        "Art_Generation_with_Neural_Style_Transfer.ipynb",
        "student/Art_Generation_with_Neural_Style_Transfer.ipynb",
        "Demos.ipynb",
    ):
        path = os.path.join(ROOT, "notebooks", name)
        with open(path, encoding="utf-8") as fh:
            cells = [c for c in json.load(fh)["cells"] if c["cell_type"] == "code"]
        source = "".join(cells[0]["source"]).splitlines()
        lines = [line.split("#")[0].strip() for line in source]  # code, not comments
        enable = next(i for i, line in enumerate(lines) if "= setup(" in line)
        tensorflow_lines = [
            i
            for i, line in enumerate(lines)
            if "tensorflow" in line.lower()
            or (line.startswith("from nst_course") and "notebook" not in line)
        ]
        assert tensorflow_lines and enable < min(tensorflow_lines), name
