"""The wheel works outside the clone (issue 23, point 4).

``pip wheel .`` builds the wheel; it is installed (``--no-deps``) into a fresh virtual
environment made here, and its commands run from an empty directory: ``nst-course run
--iterations 2`` finds the demo pair shipped in the wheel, and ``nst-course notebooks DIR``
writes the three notebooks with the pictures they read.

What is real and what is borrowed: the wheel, its install and the files it brings are real
(nothing of the clone is on the fresh environment's path: the test checks where ``nst_course``
is imported from). The dependencies (TensorFlow, Dask, ...) are not installed again, which
takes a minute from the package mirror: a ``.pth`` file appends this environment's
site-packages to the fresh one's path, after its own, and ``pip check`` there confirms the
wheel's declared requirements are met by what it sees. A ``.pth`` line adds a folder without
running the ``.pth`` files inside it, so this environment's editable install of nst-course is
not active there.
"""

import os
import subprocess
import sys
import sysconfig
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _clean_environment():
    """This environment without the variables that would put other code on a Python path."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("NST_", "PYTHON", "VIRTUAL_ENV"))
    }


def _run(args, cwd, env=None, timeout=300):
    env = _clean_environment() if env is None else env
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, "%s\n%s\n%s" % (args, done.stdout[-3000:], done.stderr[-3000:])
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            ROOT,
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
        ],
        cwd=str(out),
    )
    (path,) = [p for p in out.iterdir() if p.suffix == ".whl"]
    return path


@pytest.fixture(scope="module")
def fresh(tmp_path_factory, wheel):
    """(python, bin folder, environment) of a fresh venv holding only the wheel."""
    venv = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=str(venv))
    python = venv / "bin" / "python"
    purelib = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        cwd=str(venv),
    ).stdout.strip()
    with open(os.path.join(purelib, "zz_outer_dependencies.pth"), "w") as fh:
        fh.write(sysconfig.get_path("purelib") + "\n")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        cwd=str(venv),
    )
    env = _clean_environment()
    home = tmp_path_factory.mktemp("home")  # no weights in a user cache: the untrained network
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / "cache"))
    env["PATH"] = str(venv / "bin") + os.pathsep + env.get("PATH", "")
    return python, venv / "bin", env


def test_the_wheel_holds_the_demo_images_and_the_notebooks_once(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for name in ("tubingen.jpg", "monet.jpg", "SOURCES.md"):
        assert "nst_course/share/images/" + name in names
    for name in (
        "Art_Generation_with_Neural_Style_Transfer.ipynb",
        "Demos.ipynb",
        "student/Art_Generation_with_Neural_Style_Transfer.ipynb",
    ):
        assert "nst_course/share/notebooks/" + name in names
    assert not [n for n in names if "/examples/" in n or "source/nst_assignment" in n]
    # the repository keeps one copy: the wheel's come from images/ and notebooks/
    assert not os.path.exists(os.path.join(ROOT, "nst_course", "share"))


def test_the_fresh_environment_uses_the_wheel_and_its_requirements_hold(fresh, tmp_path):
    python, _, env = fresh
    where = _run(
        [str(python), "-c", "import nst_course; print(nst_course.__file__)"],
        cwd=str(tmp_path),
        env=env,
    ).stdout.strip()
    assert where.startswith(str(python.parent.parent)) and not where.startswith(ROOT), where
    _run([str(python), "-m", "pip", "check"], cwd=str(tmp_path), env=env)


def test_run_finds_the_demo_pair_from_an_empty_directory(fresh, tmp_path):
    _, bin_dir, env = fresh
    done = _run(
        [str(bin_dir / "nst-course"), "run", "--iterations", "2"], cwd=str(tmp_path), env=env
    )
    assert "UNTRAINED" in done.stderr  # no weights anywhere: the command line's warning
    files = set(os.listdir(tmp_path / "output"))
    assert {"generated_image.jpg", "summary.png", "costs.csv", "0.png"} <= files, files
    assert os.listdir(tmp_path) == ["output"]


def test_notebooks_writes_the_notebooks_with_their_pictures(fresh, tmp_path):
    python, bin_dir, env = fresh
    done = _run([str(bin_dir / "nst-course"), "notebooks", "class"], cwd=str(tmp_path), env=env)
    assert "jupyter lab class" in done.stdout
    folder = tmp_path / "class"
    assert {
        "Art_Generation_with_Neural_Style_Transfer.ipynb",
        "Art_Generation_with_Neural_Style_Transfer_solved.ipynb",
        "Demos.ipynb",
        "images",
    } == set(os.listdir(folder))
    assert {"tubingen.jpg", "monet.jpg", "SOURCES.md"} <= set(os.listdir(folder / "images"))
    # the notebooks' set-up, run where Jupyter runs it (the notebook's folder), reads them there
    probe = (
        "from nst_course.notebook import setup\n"
        "nb = setup(quiet=True)\n"
        "print(nb.image_path('tubingen.jpg'))\n"
        "print(nb.load_image('monet.jpg').shape)\n"
    )
    shown = _run([str(python), "-c", probe], cwd=str(folder), env=env).stdout.split("\n")
    assert shown[0] == str(folder / "images" / "tubingen.jpg")
    assert shown[1] == "(300, 400, 3)"
    again = _run([str(bin_dir / "nst-course"), "notebooks", "class"], cwd=str(tmp_path), env=env)
    assert "0 file(s) written" in again.stdout  # existing files are kept
