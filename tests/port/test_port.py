"""``nst-course port`` without running a notebook: the rewriting rules, what is kept, the
report, --in-place and its backup, idempotence, missing weights and images, the scipy.misc
stand-ins. (tests/port/test_port_notebooks.py executes ported notebooks.)"""

import ast
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from nst_course.port import porting, scipy_misc
from nst_course.port.rewrite import SETUP_SOURCE, rewrite_line
from tests.conftest import ROOT, cli_env, random_image
from tests.fixtures.course_notebooks import as_script, course_notebook, write_notebook


def port_cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "nst_course", "port", *map(str, args)],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=cwd,
        timeout=120,
    )


# --------------------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    "old, new",
    [
        ("from nst_utils import *\n", "from nst_course.port.nst_utils import *\n"),
        (
            "from nst_utils import CONFIG, save_image",
            "from nst_course.port.nst_utils import CONFIG, save_image",
        ),
        ("import nst_utils", "import nst_course.port.nst_utils as nst_utils"),
        ("import tensorflow as tf\n", "import tensorflow.compat.v1 as tf\n"),
        ("import tensorflow as tf  # TF 1.2", "import tensorflow.compat.v1 as tf  # TF 1.2"),
        ("import tensorflow", "import tensorflow.compat.v1 as tensorflow"),
        ("import scipy.misc", "from nst_course.port import scipy_misc"),
        ("import scipy.misc as sm", "import nst_course.port.scipy_misc as sm"),
        (
            "from scipy.misc import imread, imresize",
            "from nst_course.port.scipy_misc import imread, imresize",
        ),
        ("from scipy import misc", "from nst_course.port import scipy_misc as misc"),
        (
            '    img = scipy.misc.imresize(scipy.misc.imread("a.jpg"), (300, 400))  # scipy.misc.imread',
            '    img = scipy_misc.imresize(scipy_misc.imread("a.jpg"), (300, 400))  # scipy.misc.imread',
        ),
    ],
)
def test_each_rule_changes_only_what_it_names(old, new):
    assert rewrite_line(old)[0] == new
    assert rewrite_line(new) == (new, [])  # a ported line is never changed again


@pytest.mark.parametrize(
    "line",
    [
        "# import tensorflow as tf",
        "import tensorflow.compat.v1 as tf",
        "import scipy.io",
        "x = 'scipy.misc is gone'",
        "model = load_vgg_model(CONFIG.VGG_MODEL)",
        "%matplotlib inline",
        "get_ipython().run_line_magic('matplotlib', 'inline')",  # only .py exports: see below
    ],
)
def test_other_lines_stay_as_they_are(line):
    assert rewrite_line(line) == (line, [])


def test_a_script_loses_the_matplotlib_magic_only():
    line = "get_ipython().run_line_magic('matplotlib', 'inline')\n"
    assert rewrite_line(line, script=True)[0] == "# " + line


# --------------------------------------------------------------------------- the notebook


def test_the_port_keeps_markdown_outputs_and_metadata_and_adds_one_cell():
    nb = course_notebook("v3a")
    new, result = porting.port_notebook(json.loads(json.dumps(nb)))
    assert len(new["cells"]) == len(nb["cells"]) + 1
    setup = new["cells"][1]  # before the first code cell, after the title
    assert "".join(setup["source"]) == SETUP_SOURCE and setup["outputs"] == []
    assert new["metadata"] == nb["metadata"]
    old_cells = nb["cells"]
    kept = [c for k, c in enumerate(new["cells"]) if k != 1]
    changed_lines = 0
    for old, cell in zip(old_cells, kept):
        assert {k: v for k, v in cell.items() if k != "source"} == {
            k: v for k, v in old.items() if k != "source"
        }
        assert len(cell["source"]) == len(old["source"])
        changed_lines += sum(a != b for a, b in zip(old["source"], cell["source"]))
    # imports: scipy.misc, nst_utils, tensorflow; four scipy.misc.imread calls
    assert changed_lines == 7 == len(result.changes)
    assert {(c.cell, c.line) for c in result.changes} == {
        (2, 4),
        (2, 8),
        (2, 10),
        (4, 1),
        (8, 1),
        (18, 1),
        (19, 1),
    }
    # the learner's saved output is still there
    assert any(
        o.get("text") == ["J_content = 6.76559\n"] for c in kept for o in c.get("outputs", [])
    )
    again, second = porting.port_notebook(json.loads(json.dumps(new)))
    assert second.already_ported and not second.changes and second.setup_added is None
    assert porting.dump_notebook(again) == porting.dump_notebook(new)


def test_the_course_versions_and_unfinished_functions_are_recognised():
    cells = porting.code_cells(course_notebook("v3a"))
    assert porting.course_form(cells) == "v3a"
    assert porting.course_form(porting.code_cells(course_notebook("v2"))) == "v2/v3"
    graded = porting.graded_functions(cells)
    assert [name for name, _, _ in graded] == [
        "compute_content_cost",
        "gram_matrix",
        "compute_layer_style_cost",
        "total_cost",
    ]
    assert not any(unfinished for _, _, unfinished in graded)
    left = porting.graded_functions(
        porting.code_cells(course_notebook("v3", unfinished="gram_matrix"))
    )
    assert [name for name, _, unfinished in left if unfinished] == ["gram_matrix"]


def test_our_nst_utils_offers_the_course_helpers_and_no_graded_function():
    path = os.path.join(ROOT, "nst_course", "port", "nst_utils.py")
    tree = ast.parse(open(path, encoding="utf-8").read())
    exported = next(
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "__all__"
    )
    assert {
        "CONFIG",
        "load_vgg_model",
        "generate_noise_image",
        "reshape_and_normalize_image",
        "save_image",
        "np",
        "tf",
        "imshow",
        "plt",
        "scipy",
        "Image",
        "os",
        "sys",
    } == set(exported)
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    graded = {
        "compute_content_cost",
        "gram_matrix",
        "compute_layer_style_cost",
        "compute_style_cost",
        "total_cost",
        "model_nn",
    }
    assert not graded & (defined | set(exported))
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert not graded & imported


# --------------------------------------------------------------------------- the command


@pytest.fixture
def course_dir(tmp_path, tiny_mat):
    """A learner's folder: the completed v3a notebook and the weights where it looks."""
    os.makedirs(tmp_path / "pretrained-model")
    with (
        open(tiny_mat, "rb") as src,
        open(tmp_path / "pretrained-model" / "imagenet-vgg-verydeep-19.mat", "wb") as dst,
    ):
        dst.write(src.read())
    write_notebook(tmp_path / "nst.ipynb", course_notebook("v3a"))
    return tmp_path


def test_port_writes_the_notebook_and_reports_each_change(course_dir):
    done = port_cli("nst.ipynb", "--images", "demo", cwd=course_dir)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = done.stdout
    assert "nst.ipynb -> nst_ported.ipynb" in out
    assert "the course's v3a form" in out
    assert "new cell before cell 2" in out
    assert "cell 2, line 10: TensorFlow 1 API" in out
    assert "      - import tensorflow as tf\n      + import tensorflow.compat.v1 as tf" in out
    assert (
        "cell 18, line 1" in out
        and "- content_image = scipy.misc.imread(\"images/louvre_small.jpg\")" in out
    )
    assert "7 line(s) changed in 5 cell(s), set-up cell added" in out
    assert "ok weights: pretrained-model/imagenet-vgg-verydeep-19.mat (next to the notebook)" in out
    ported = json.load(open(course_dir / "nst_ported.ipynb", encoding="utf-8"))
    assert "".join(ported["cells"][1]["source"]) == SETUP_SOURCE
    # the demo images under the course's names, the network's two at the course's size
    sizes = {
        name: Image.open(course_dir / "images" / name).size
        for name in ("louvre.jpg", "louvre_small.jpg", "monet.jpg", "monet_800600.jpg")
    }
    assert sizes == {
        "louvre.jpg": (400, 300),
        "louvre_small.jpg": (400, 300),
        "monet.jpg": (400, 300),
        "monet_800600.jpg": (800, 600),
    }
    assert (course_dir / "images" / "DEMO_IMAGES_SOURCES.md").is_file()
    # porting the ported notebook changes nothing
    again = port_cli("nst_ported.ipynb", "-o", "twice.ipynb", cwd=course_dir)
    assert again.returncode == 0 and "already ported: nothing to change" in again.stdout
    assert (course_dir / "twice.ipynb").read_bytes() == (
        course_dir / "nst_ported.ipynb"
    ).read_bytes()


def test_in_place_keeps_a_backup_and_a_second_run_changes_nothing(course_dir):
    original = (course_dir / "nst.ipynb").read_bytes()
    done = port_cli("nst.ipynb", "--in-place", cwd=course_dir)
    assert done.returncode == 0, done.stderr
    assert "the original is kept as nst.ipynb.bak" in done.stdout
    assert (course_dir / "nst.ipynb.bak").read_bytes() == original
    ported = (course_dir / "nst.ipynb").read_bytes()
    assert ported != original
    again = port_cli("nst.ipynb", "--in-place", cwd=course_dir)
    assert "already ported" in again.stdout
    assert (course_dir / "nst.ipynb").read_bytes() == ported
    assert sorted(os.listdir(course_dir)) == ["nst.ipynb", "nst.ipynb.bak", "pretrained-model"]


def test_missing_weights_and_images_are_reported_with_what_to_do(tmp_path):
    write_notebook(tmp_path / "nst.ipynb", course_notebook("v2"))
    done = port_cli("nst.ipynb", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "MISSING weights: not found" in out and "nst-course weights download" in out
    assert (
        "MISSING images: images/louvre.jpg, images/monet_800600.jpg, "
        "images/louvre_small.jpg, images/monet.jpg"
    ) in out
    assert "--images DIR" in out and "--images demo" in out
    assert "once the missing pieces above are in place" in out


def test_images_from_a_folder_and_wrong_sizes(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    Image.fromarray(random_image(300, 400)).save(folder / "louvre_small.jpg")
    Image.fromarray(random_image(200, 100)).save(folder / "monet.jpg")
    work = tmp_path / "work"
    work.mkdir()
    write_notebook(work / "nst.ipynb", course_notebook("v2"))
    done = port_cli("nst.ipynb", "--images", folder, cwd=work)
    out = done.stdout
    assert "ok image images/louvre_small.jpg: copied from" in out
    assert "MISSING images (not in %s): images/louvre.jpg, images/monet_800600.jpg" % folder in out
    assert "images/monet.jpg is 100x200" in out and "must be 400x300" in out
    assert (work / "images" / "louvre_small.jpg").read_bytes() == (
        folder / "louvre_small.jpg"
    ).read_bytes()


def test_unfinished_graded_functions_are_named_in_the_report(tmp_path):
    write_notebook(tmp_path / "nst.ipynb", course_notebook("v3", unfinished="total_cost"))
    out = port_cli("nst.ipynb", cwd=tmp_path).stdout
    assert "warning: total_cost (cell 16) still has `None`" in out


def test_a_py_export_is_ported_too(tmp_path):
    (tmp_path / "nst.py").write_text(as_script(course_notebook("v3a")), encoding="utf-8")
    done = port_cli("nst.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "nst_ported.py").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[:2] == ["#!/usr/bin/env python", "# coding: utf-8"]
    assert "import nst_course.port.session; nst_course.port.session.start()" in lines[2:8]
    assert "# get_ipython().run_line_magic('matplotlib', 'inline')" in lines
    assert "import tensorflow.compat.v1 as tf" in lines and "from nst_utils import *" not in text
    compile(text, "nst_ported.py", "exec")
    assert "a notebook magic" in done.stdout
    again = port_cli("nst_ported.py", "-o", "again.py", cwd=tmp_path)
    assert "already ported" in again.stdout
    assert (tmp_path / "again.py").read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    "args, status, message",
    [
        (["absent.ipynb"], 1, "notebook not found: absent.ipynb"),
        (["bad.ipynb"], 1, "bad.ipynb is not a Jupyter notebook (invalid JSON at line 1"),
        (["notes.txt"], 1, "neither a notebook (.ipynb) nor a .py export"),
        (
            ["nst.ipynb", "-o", "taken.ipynb"],
            1,
            "taken.ipynb already exists and is not a ported notebook",
        ),
        (["nst.ipynb", "-o", "x.ipynb", "--in-place"], 2, "not allowed with argument"),
        (["nst.ipynb", "--images", "nowhere"], 1, "--images nowhere is not a folder"),
    ],
)
def test_bad_input_is_one_line_and_nothing_is_lost(tmp_path, args, status, message):
    write_notebook(tmp_path / "nst.ipynb", course_notebook("v2"))
    (tmp_path / "bad.ipynb").write_text("{not json", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    (tmp_path / "taken.ipynb").write_text("{}", encoding="utf-8")
    before = {p: (tmp_path / p).read_bytes() for p in os.listdir(tmp_path)}
    done = port_cli(*args, cwd=tmp_path)
    assert done.returncode == status
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert {p: (tmp_path / p).read_bytes() for p in before} == before


# --------------------------------------------------------------------------- scipy.misc stand-ins


def test_imread_gives_what_scipy_misc_gave(tmp_path):
    rgb = random_image(30, 40)
    Image.fromarray(rgb).save(tmp_path / "a.png")
    Image.fromarray(rgb[:, :, 0]).save(tmp_path / "grey.png")
    Image.fromarray(rgb).convert("P").save(tmp_path / "palette.png")
    image = scipy_misc.imread(str(tmp_path / "a.png"))
    assert image.dtype == np.uint8 and image.shape == (30, 40, 3)
    np.testing.assert_array_equal(image, rgb)
    grey = scipy_misc.imread(str(tmp_path / "grey.png"))
    assert grey.dtype == np.uint8 and grey.shape == (30, 40)
    assert scipy_misc.imread(str(tmp_path / "palette.png")).shape == (30, 40, 3)
    flat = scipy_misc.imread(str(tmp_path / "a.png"), flatten=True)
    assert flat.dtype == np.float32 and flat.shape == (30, 40)
    # ITU-R 601-2 luma, Pillow's 'L'/'F' conversion: L = R*299/1000 + G*587/1000 + B*114/1000
    expected = rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114
    np.testing.assert_allclose(flat, expected, atol=1e-3)


def test_imresize_sizes_and_imsave_byte_scaling(tmp_path):
    image = random_image(30, 40)
    assert scipy_misc.imresize(image, (15, 20)).shape == (15, 20, 3)
    assert scipy_misc.imresize(image, 50).shape == (15, 20, 3)  # percent
    assert scipy_misc.imresize(image, 0.5).shape == (15, 20, 3)  # fraction
    assert scipy_misc.imresize(image, (15, 20)).dtype == np.uint8
    # non-uint8 data is scaled min -> 0, max -> 255 before saving, as scipy.misc.imsave did
    floats = np.array([[0.0, 0.25], [0.5, 1.0]])
    scipy_misc.imsave(str(tmp_path / "f.png"), floats)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "f.png")), [[0, 64], [128, 255]])
    np.testing.assert_array_equal(scipy_misc.bytescale(np.array([10.0, 20.0, 30.0])), [0, 128, 255])
    with pytest.raises(AttributeError, match="scipy.misc.face is not provided"):
        scipy_misc.face  # noqa: B018


@pytest.mark.parametrize("minor", [2, 5])
def test_the_ported_notebook_is_valid_nbformat(minor):
    nbformat = pytest.importorskip("nbformat")
    nb = course_notebook("v3a")
    nb["nbformat_minor"] = minor
    if minor >= 5:  # today's Jupyter saves an id on every cell
        for k, cell in enumerate(nb["cells"]):
            cell["id"] = "cell-%d" % k
    new, _ = porting.port_notebook(nb)
    nbformat.validate(nbformat.from_dict(new))
    assert ("id" in new["cells"][1]) == (minor >= 5)


def test_an_import_it_cannot_rewrite_is_reported():
    from nst_course.port.rewrite import port_lines

    lines, result = port_lines(
        [
            "import numpy as np, tensorflow as tf\n",
            "from tensorflow.python.framework import ops\n",
            "import tensorflow as tf\n",
        ],
        cell=3,
    )
    assert lines[0] == "import numpy as np, tensorflow as tf\n"
    assert [(cell, line) for cell, line, _ in result.warnings] == [(3, 1)]
    assert "cannot rewrite" in result.warnings[0][2]
