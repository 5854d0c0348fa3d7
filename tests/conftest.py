"""Shared fixtures: a fresh default graph per test and small VGG weight files of the real layouts."""

import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Tests never read or write the real per-user weights cache, nor find a user's real weights:
# a private cache folder for the whole run (subprocesses inherit it), no $NST_VGG_MODEL.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="nst-course-tests-cache-")
os.environ.pop("NST_VGG_MODEL", None)

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

import nst_course._tf  # noqa: E402,F401  (switches TF to graph mode before any test runs)
from nst_course.weights.synthetic import tiny_weights, write_matconvnet  # noqa: E402

tf1 = tf.compat.v1


@pytest.fixture(autouse=True)
def fresh_graph():
    """Every test starts and ends with an empty default graph and no default session."""
    tf1.reset_default_graph()
    yield
    sess = tf1.get_default_session()
    while sess is not None:  # an InteractiveSession a test left open
        sess.close()
        sess = tf1.get_default_session()
    tf1.reset_default_graph()


@pytest.fixture(scope="session")
def tiny():
    """Tiny-channel VGG-19 weights (all 43 layers) with a fixed seed."""
    return tiny_weights(seed=0)


@pytest.fixture(scope="session")
def tiny_mat(tmp_path_factory, tiny):
    """A tiny VGG-19 .mat in MatConvNet's current layout."""
    path = tmp_path_factory.mktemp("weights") / "tiny-vgg19.mat"
    return str(write_matconvnet(str(path), tiny, layout="current"))


@pytest.fixture(scope="session")
def tiny_mat_older(tmp_path_factory, tiny):
    """The same weights in MatConvNet's older layout."""
    path = tmp_path_factory.mktemp("weights") / "tiny-vgg19-older.mat"
    return str(write_matconvnet(str(path), tiny, layout="older"))


def random_image(height, width, seed=0):
    """An 8-bit RGB image with structure (gradients + noise), shape (height, width, 3)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack(
        [
            x * 255.0 / max(width - 1, 1),
            y * 255.0 / max(height - 1, 1),
            np.full((height, width), 128.0),
        ],
        axis=-1,
    )
    return np.clip(base + rng.normal(0, 30, base.shape), 0, 255).astype(np.uint8)


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cli_env():
    """Environment for running ``python -m nst_course`` in a subprocess from the checkout."""
    env = dict(os.environ)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the command itself must keep TensorFlow quiet
    env.pop("NST_VGG_MODEL", None)
    env.pop("TF_ONEDNN_ASSUME_FROZEN_WEIGHTS", None)  # the command decides (nst_course.run.onednn)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


NOTEBOOK_KERNEL = "nst-course-tests"


@pytest.fixture(scope="session")
def jupyter_path(tmp_path_factory):
    """A JUPYTER_PATH with one kernel spec, NOTEBOOK_KERNEL, running this interpreter."""
    import json
    import sys

    jupyter = tmp_path_factory.mktemp("jupyter")
    spec = jupyter / "kernels" / NOTEBOOK_KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "nst-course tests",
                "language": "python",
            }
        )
    )
    return str(jupyter)


def execute_notebook(nb, cwd, jupyter, env=None, allow_errors=False, timeout=300):
    """Execute ``nb`` in place with nbclient on the tests' kernel, in directory ``cwd``, with
    ``env`` added to the environment (the kernel inherits it; restored afterwards). The
    checkout comes first on the kernel's PYTHONPATH; TensorFlow's C++ log is off and plots
    are inline. Returns ``nb``."""
    import nbclient

    env = {
        "JUPYTER_PATH": str(jupyter),
        "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        **(env or {}),
    }
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        nbclient.NotebookClient(
            nb,
            kernel_name=NOTEBOOK_KERNEL,
            timeout=timeout,
            allow_errors=allow_errors,
            resources={"metadata": {"path": str(cwd)}},
        ).execute()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return nb
