"""``--low-memory``: the light allocator (nst_course.run.allocators) is set up before
TensorFlow starts, a user's own setting wins, and the numbers are the same to the bit."""

import hashlib
import os
import subprocess
import sys

import pytest

from nst_course.run import allocators
from tests.conftest import ROOT, cli_env, random_image

VAR = allocators.SYSTEM_ALLOCATOR_VAR

# The main job in a fresh process: main() of the command line, then the allocator's variable.
MAIN_JOB = (
    """
import os, sys
from nst_course.cli import main
status = main(sys.argv[1:])
print("status", status, "allocator", os.environ.get(%r))
"""
    % VAR
)


def _run(tmp_path, name, weights, extra=(), env_extra=None):
    import imageio.v2 as imageio

    content, style = tmp_path / "c.png", tmp_path / "s.png"
    if not content.exists():
        imageio.imwrite(content, random_image(48, 64, seed=1))
        imageio.imwrite(style, random_image(48, 64, seed=2))
    env = cli_env()
    for key in (VAR, "MALLOC_MMAP_THRESHOLD_"):
        env.pop(key, None)
    env.update(env_extra or {})
    out = tmp_path / name
    args = ["run", "--content", str(content), "--style", str(style), "--output-dir", str(out)]
    args += ["--iterations", "4", "--print-every", "1", "--save-every", "0", "--seed", "0"]
    args += ["--width", "64", "--height", "48", "--weights", weights, "--quiet", *extra]
    proc = subprocess.run(
        [sys.executable, "-c", MAIN_JOB, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1], out


def _digest(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def test_low_memory_computes_the_same_bits_on_the_light_allocator(tiny_mat, tmp_path):
    said, plain = _run(tmp_path, "plain", tiny_mat)
    assert said == "status 0 allocator None"
    said, light = _run(tmp_path, "light", tiny_mat, ["--low-memory"])
    assert said == "status 0 allocator 1"
    for name in ("costs.csv", "generated_image.jpg"):
        assert _digest(light / name) == _digest(plain / name), name
    with open(light / "costs.csv", encoding="utf-8") as fh:
        assert len(fh.read().splitlines()) == 1 + 4  # a row per iteration: it did train


def test_a_users_own_allocator_setting_wins(tiny_mat, tmp_path):
    said, _ = _run(tmp_path, "out", tiny_mat, ["--low-memory"], {VAR: "0"})
    assert said == "status 0 allocator 0"


def test_nothing_changes_once_tensorflow_is_loaded(monkeypatch):
    import tensorflow  # noqa: F401 - loaded here, as in any test process

    monkeypatch.delenv(VAR, raising=False)
    assert allocators.light_allocator() is False
    assert VAR not in os.environ


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's (Linux)")
def test_the_mallopt_calls_are_accepted_by_glibc():
    # mallopt returns 1 when it took the value: the parameter numbers are glibc's. In a process
    # of its own: the settings would stay with this one.
    code = (
        "from nst_course.run import allocators as a; "
        "print(a._mallopt(a._M_MMAP_THRESHOLD, a.LIGHT_MMAP_THRESHOLD), "
        "a._mallopt(a._M_ARENA_MAX, 2))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.stdout.split() == ["True", "True"], proc.stderr
