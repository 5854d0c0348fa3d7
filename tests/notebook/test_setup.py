"""The notebooks' set-up module and ``nst-course notebooks`` (issue 23, points 4 and 5)."""

import os
import subprocess
import sys

import pytest

from nst_course import packaged
from nst_course.errors import ImageError
from nst_course.notebook import Notebook, session
from nst_course.notebook.cli import write_notebooks

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def notebook(dirs):
    return Notebook(64, 48, 2, 1, "output", tuple(dirs), "random")


def test_pictures_come_from_the_variable_alone_when_it_is_set(tmp_path):
    assert session.image_dirs({"NST_NOTEBOOK_IMAGES": str(tmp_path)}) == (str(tmp_path),)


def test_pictures_come_from_images_here_or_above_then_from_the_package(tmp_path):
    (tmp_path / "images").mkdir()
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    dirs = session.image_dirs({}, cwd=str(deep))
    assert dirs[0] == str(tmp_path / "images")
    assert dirs[-1] == packaged.images_dir()


def test_a_missing_picture_says_where_it_looked_and_how_to_fix_it(tmp_path):
    with pytest.raises(ImageError) as caught:
        notebook([str(tmp_path)]).image_path("tubingen.jpg")
    message = str(caught.value)
    assert str(tmp_path) in message
    assert "$NST_NOTEBOOK_IMAGES" in message and "nst-course notebooks DIR" in message


def test_load_image_gives_the_notebook_size():
    image = notebook([packaged.images_dir()]).load_image("monet.jpg")
    assert image.shape == (48, 64, 3) and image.dtype.name == "uint8"


def test_the_untrained_warning_is_the_command_lines_said_for_a_notebook():
    from nst_course.weights.lookup import untrained_warning

    notice = session.untrained_notice().splitlines()
    cli = untrained_warning().splitlines()
    assert len(notice) == len(cli) and notice[:4] == cli[:4] and notice[-1] == cli[-1]
    assert "NST_VGG_MODEL" in notice[-2] and "--require-pretrained" not in "".join(notice)


def test_a_bad_size_variable_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("NST_NOTEBOOK_WIDTH", "wide")
    with pytest.raises(ValueError, match="NST_NOTEBOOK_WIDTH"):
        session._positive("NST_NOTEBOOK_WIDTH", 400)


def test_the_demo_pair_is_found_outside_the_clone(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert packaged.demo_fallback("images/tubingen.jpg") == os.path.join(
        packaged.images_dir(), "tubingen.jpg"
    )
    assert packaged.demo_fallback("images/nothing.jpg") == "images/nothing.jpg"
    assert packaged.demo_fallback("photos/tubingen.jpg") == "photos/tubingen.jpg"
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "tubingen.jpg").write_bytes(b"mine")
    assert packaged.demo_fallback("images/tubingen.jpg") == "images/tubingen.jpg"  # yours wins


def test_notebooks_writes_keeps_and_replaces_on_request(tmp_path):
    done = write_notebooks(str(tmp_path / "nb"))
    assert all(what == "written" for _, what in done)
    names = {os.path.relpath(path, tmp_path / "nb") for path, _ in done}
    assert {
        "Art_Generation_with_Neural_Style_Transfer.ipynb",
        "Art_Generation_with_Neural_Style_Transfer_solved.ipynb",
        "Demos.ipynb",
        os.path.join("images", "tubingen.jpg"),
        os.path.join("images", "SOURCES.md"),
    } <= names
    student = tmp_path / "nb" / "Art_Generation_with_Neural_Style_Transfer.ipynb"
    with open(os.path.join(ROOT, "notebooks", "student", student.name), "rb") as fh:
        assert student.read_bytes() == fh.read()
    student.write_text("my work")
    assert all(what == "kept" for _, what in write_notebooks(str(tmp_path / "nb")))
    assert student.read_text() == "my work"
    write_notebooks(str(tmp_path / "nb"), force=True)
    assert student.read_text() != "my work"


def test_notebooks_into_a_file_is_a_one_line_error(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    done = subprocess.run(
        [sys.executable, "-m", "nst_course", "notebooks", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "nst-course: error: %s is a file, not a folder; give a folder for the notebooks" % target
    ]


def test_a_ported_notebook_without_weights_is_told_the_untrained_line(tmp_path, monkeypatch):
    from nst_course.port import assets

    monkeypatch.delenv("NST_VGG_MODEL", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    found, message = assets.check_weights(assets.COURSE_VGG_MODEL, str(tmp_path))
    assert found is None and "%env NST_VGG_MODEL=random" in message  # the port report
    # the notebook's own error (in a process of its own: nst_utils sets up a TF1 session)
    probe = (
        "from nst_course.port import nst_utils\n"
        "try:\n"
        "    nst_utils.load_vgg_model('pretrained-model/imagenet-vgg-verydeep-19.mat')\n"
        "except nst_utils.WeightsError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=str(tmp_path),
    )
    assert "%env NST_VGG_MODEL=random" in done.stdout, done.stdout + done.stderr[-2000:]
