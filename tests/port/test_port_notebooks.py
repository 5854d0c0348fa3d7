"""Learners' notebooks in the course's v2, v3 and v3a forms, ported with ``nst-course port`` and
executed unchanged with nbclient: the published Expected Output, model_nn's files, and an
unfinished graded function that fails its own test cell.

Each notebook runs in a folder of its own with the tiny test weights where the course's
notebook looks (``pretrained-model/imagenet-vgg-verydeep-19.mat``) and 400x300 images, on an
IPython kernel of this very Python registered in a temporary Jupyter data directory.
"""

import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tests.conftest import cli_env, execute_notebook, random_image
from tests.fixtures.course_notebooks import course_notebook, write_notebook

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

PUBLISHED_GA = [
    [6.42230511, -4.42912197, -2.09668207],
    [-4.42912197, 19.46583748, 19.56387138],
    [-2.09668207, 19.56387138, 20.6864624],
]


@pytest.fixture(scope="module")
def kernel_env(jupyter_path):
    return jupyter_path


def learner_folder(base, tiny_mat, version, images="own", **options):
    """A folder like a learner's: the notebook, the weights in pretrained-model/, the images."""
    base.mkdir(parents=True, exist_ok=True)
    (base / "pretrained-model").mkdir()
    shutil.copyfile(tiny_mat, base / "pretrained-model" / "imagenet-vgg-verydeep-19.mat")
    if images == "own":
        (base / "images").mkdir()
        for name, (h, w) in {
            "louvre.jpg": (450, 600),
            "monet_800600.jpg": (600, 800),
            "louvre_small.jpg": (300, 400),
            "monet.jpg": (300, 400),
        }.items():
            Image.fromarray(random_image(h, w, seed=len(name))).save(base / "images" / name)
    return write_notebook(base / "nst.ipynb", course_notebook(version, **options))


def port_and_run(folder, env, *port_args):
    done = subprocess.run(
        [sys.executable, "-m", "nst_course", "port", "nst.ipynb", *port_args],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=folder,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "MISSING" not in done.stdout, done.stdout
    nb = nbformat.read(str(folder / "nst_ported.ipynb"), as_version=4)
    nbformat.validate(nb)
    execute_notebook(nb, folder, env, allow_errors=True)
    return nb, done.stdout


def shown(cell):
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif output.get("output_type") in ("execute_result", "display_data"):
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def errors(nb):
    """{index of the code cell in the ported notebook: 'Name: value'} of the cells that failed."""
    return {
        k: "%s: %s" % (o["ename"], o["evalue"])
        for k, cell in enumerate(nb.cells)
        for o in cell.get("outputs", [])
        if o.get("output_type") == "error"
    }


def cell_with(nb, text):
    return next(
        k for k, cell in enumerate(nb.cells) if cell.cell_type == "code" and text in cell.source
    )


def assert_published(nb, *lines):
    """The course's Expected Output, printed exactly as published (GA to float32 rounding)."""
    everything = "\n".join(shown(cell) for cell in nb.cells if cell.cell_type == "code")
    for line in lines:
        assert line in everything, everything[:3000]
    match = re.search(r"GA = \n?(\[\[.*?\]\])", everything, re.S)
    assert match, everything[:3000]
    GA = [[float(x) for x in row.split()] for row in re.findall(r"\[([^\[\]]+)\]", match.group(1))]
    np.testing.assert_allclose(GA, PUBLISHED_GA, rtol=1e-6)


def test_v3a_notebook_ported_prints_the_expected_output_and_trains(tmp_path, tiny_mat, kernel_env):
    """The course's v3a form with the course's own model_nn call (200 iterations, 300x400)."""
    learner_folder(tmp_path, tiny_mat, "v3a", images="demo")
    nb, report = port_and_run(tmp_path, kernel_env, "--images", "demo")
    assert errors(nb) == {}
    assert_published(nb, "J_content = 6.76559", "J_style_layer = 9.19028", "J = 35.34667875478276")
    model = shown(nb.cells[cell_with(nb, "pp.pprint(model)")])
    assert (
        "'input': <tf.Variable 'input:0' shape=(1, 300, 400, 3) dtype=float32_ref>" in model
    )  # TF1's
    assert "'conv4_2': <tf.Tensor 'conv4_2:0' shape=(1, 38, 50, 8) dtype=float32>" in model
    training = shown(nb.cells[cell_with(nb, "model_nn(sess, generated_image)")])
    for i in range(0, 200, 20):
        assert "Iteration %d :" % i in training
    costs = [float(x) for x in re.findall(r"total cost = (\S+)", training)]
    assert len(costs) == 10 and costs[-1] < costs[0]  # Adam lowers J
    files = sorted(os.listdir(tmp_path / "output"))
    assert files == sorted(["%d.png" % i for i in range(0, 200, 20)] + ["generated_image.jpg"])
    with Image.open(tmp_path / "output" / "generated_image.jpg") as image:
        assert image.size == (400, 300) and image.mode == "RGB"


def test_v2_notebook_with_tf1_dimensions_and_images_from_a_folder(tmp_path, tiny_mat, kernel_env):
    """v2 form: print(model), `a_G.get_shape()[1].value` (TF1 Dimensions), images via --images."""
    own = tmp_path / "course-images"
    learner_folder(own, tiny_mat, "v2")  # only its images/ is used
    folder = tmp_path / "learner"
    learner_folder(folder, tiny_mat, "v2", images=None, iterations=21)
    nb, report = port_and_run(folder, kernel_env, "--images", str(own / "images"))
    assert "ok image images/louvre_small.jpg: copied from" in report
    assert errors(nb) == {}
    assert_published(nb, "J_content = 6.76559", "J_style_layer = 9.19028", "J = 35.34667875478276")
    assert "Iteration 20 :" in shown(nb.cells[cell_with(nb, "model_nn(sess, generated_image,")])
    assert sorted(os.listdir(folder / "output")) == ["0.png", "20.png", "generated_image.jpg"]


def test_an_unfinished_graded_function_fails_its_own_test_cell(tmp_path, tiny_mat, kernel_env):
    """v3 form, compute_layer_style_cost left as released: our solution is never used."""
    learner_folder(tmp_path, tiny_mat, "v3", unfinished="compute_layer_style_cost")
    nb, report = port_and_run(tmp_path, kernel_env)
    assert "warning: compute_layer_style_cost" in report
    failed = errors(nb)
    test_cell = cell_with(nb, "J_style_layer = compute_layer_style_cost(a_S, a_G)\n    print")
    assert failed.get(test_cell, "").startswith("TypeError: cannot unpack non-iterable NoneType")
    assert "J_style_layer =" not in shown(nb.cells[test_cell])
    assert_published(nb, "J_content = 6.76559", "J = 35.34667875478276")
    assert not (tmp_path / "output" / "generated_image.jpg").exists()
