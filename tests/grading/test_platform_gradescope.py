"""The Gradescope autograder, run as Gradescope runs it.

``nst-course grade --gradescope-bundle`` builds the zip; the zip is laid out as Gradescope's
container has it (``/autograder/source`` = the zip's files, ``/autograder/run_autograder``,
``/autograder/submission``, ``/autograder/results``) in a temporary tree that bubblewrap
binds at ``/autograder`` inside a private mount namespace, over a view of the real root (so
nothing is created at the real ``/autograder``). ``setup.sh`` runs there as root; then
``run_autograder`` for a correct, a buggy and a hostile submission, and ``results.json`` is
validated against a JSON Schema written from Gradescope's documentation.

Kept to CI's budget: ``setup.sh`` finds bubblewrap and a virtual environment already there
(it skips what is present, as on a rebuilt image) and installs the bundle's wheel with
``--no-deps --no-index``; the environment sees the test environment's dependencies (TensorFlow
and the rest) through a ``.pth`` line, so the package the autograder runs is the wheel's, and
nothing is downloaded.
"""

import io
import json
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import zipfile

import pytest

from nst_course.grading.points import POINTS, TOTAL
from tests.conftest import ROOT, cli_env
from tests.fixtures import grade_samples as samples

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema comes with nbformat (test deps)")

SCHEMA = os.path.join(ROOT, "tests", "fixtures", "gradescope-results.schema.json")
BWRAP = shutil.which("bwrap")
CONTAINER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

needs_container = pytest.mark.skipif(
    os.geteuid() != 0 or BWRAP is None,
    reason="emulating Gradescope's /autograder needs root and bubblewrap (a private mount "
    "namespace with a temporary tree bound at /autograder)",
)

FORGE = """def compute_content_cost(a_C, a_G):
    seen = []
    for path in ('/autograder/results/results.json', '/autograder/source/run_autograder'):
        try:
            with open(path, 'w') as handle:
                handle.write('{"score": 100.0}')
            seen.append('WROTE ' + path)
        except OSError as exc:
            seen.append('%s %s' % (type(exc).__name__, path))
    raise RuntimeError('FORGE ' + '; '.join(seen))
"""

BOAST = """def total_cost(J_content, J_style, alpha = 10, beta = 40):
    import json, sys
    print('All tests passed')
    print(json.dumps({'function': 'total_cost', 'observations': {}}))
    sys.stdout.flush()
    return 0.0
"""


def nst(*args, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "nst_course"] + [str(a) for a in args],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=timeout,
    )


def in_container(tree, command, env=None, timeout=600):
    """Run ``command`` as root with ``tree`` at /autograder: every top-level folder of the real
    root bound at its place, /autograder added in bubblewrap's own root (a tmpfs)."""
    args = [BWRAP, "--die-with-parent", "--cap-add", "ALL"]
    for name in sorted(os.listdir("/")):
        path = "/" + name
        if name in ("proc", "dev", "autograder"):
            continue
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--dev-bind", path, path]
    args += ["--proc", "/proc", "--dev-bind", "/dev", "/dev", "--bind", str(tree), "/autograder"]
    args += ["--chdir", "/autograder"]
    base = {
        "PATH": CONTAINER_PATH,
        "HOME": "/root",
        "LANG": "C.UTF-8",
        "XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"],  # the tests' private cache
    }
    return subprocess.run(
        args + command,
        env=dict(base, **(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    path = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    done = nst(
        "grade",
        "--gradescope-bundle",
        path,
        "--timeout",
        "60",
        "--seed",
        "5",
        "--visibility",
        "after_published",
    )
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture(scope="module")
def container(bundle, tmp_path_factory):
    """/autograder as Gradescope builds it, then setup.sh run there; yields the tree."""
    tree = tmp_path_factory.mktemp("autograder")
    for sub in ("source", "submission", "results"):
        (tree / sub).mkdir()
    with zipfile.ZipFile(bundle) as archive:
        for info in archive.infolist():
            target = tree / "source" / info.filename
            target.write_bytes(archive.read(info))
            target.chmod((info.external_attr >> 16) & 0o777 or 0o644)
    shutil.copy2(tree / "source" / "run_autograder", tree / "run_autograder")
    for folder in [tree] + [tree / sub for sub in ("source", "submission", "results")]:
        folder.chmod(0o755)
    # the environment setup.sh will find and keep: the test environment's dependencies only
    venv = tree / "nst-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    site = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with open(os.path.join(site, "test-dependencies.pth"), "w") as handle:
        handle.write(sysconfig.get_paths()["purelib"] + "\n")
    setup = in_container(
        tree,
        ["bash", "/autograder/source/setup.sh"],
        env={"NST_AUTOGRADER_PIP_OPTIONS": "--no-deps --no-index"},
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert "autograder installed" in setup.stdout
    return tree


def autograde(tree, name, data):
    for old in (tree / "submission").iterdir():
        old.unlink()
    (tree / "submission" / name).write_bytes(data)
    results = tree / "results" / "results.json"
    if results.exists():
        results.unlink()
    done = in_container(tree, ["/autograder/run_autograder"])
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads(results.read_text())
    with open(SCHEMA) as handle:
        jsonschema.validate(document, json.load(handle))
    return document, {t["name"]: t for t in document["tests"]}, done


def test_the_bundle_holds_what_gradescope_runs(bundle):
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
        run = archive.read("run_autograder").decode()
    assert names[:2] == ["setup.sh", "run_autograder"]
    assert [n for n in names if n.endswith(".whl")] == [
        "nst_course-%s-py3-none-any.whl" % _version()
    ]
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    assert "--format gradescope" in run and "--visibility after_published" in run
    assert "--timeout 60" in run and "--seed 5" in run


def _version():
    import nst_course

    return nst_course.__version__


@needs_container
def test_setup_installs_the_wheel_not_the_checkout(container):
    where = in_container(
        container,
        ["/autograder/nst-venv/bin/python", "-c", "import nst_course; print(nst_course.__file__)"],
    )
    assert where.returncode == 0, where.stderr
    assert where.stdout.startswith("/autograder/nst-venv/lib/"), where.stdout


@needs_container
def test_a_correct_submission_gets_every_point(container):
    document, tests, _ = autograde(container, "Art_Generation.ipynb", samples.notebook())
    assert document["score"] == TOTAL
    assert [t["name"] for t in document["tests"]] == list(POINTS)
    for name, points in POINTS.items():
        assert tests[name]["score"] == tests[name]["max_score"] == points
        assert tests[name]["status"] == "passed"
        assert tests[name]["visibility"] == "after_published"
    assert document["stdout_visibility"] == "hidden"


@needs_container
def test_a_buggy_submission_loses_that_function_with_its_hint(container):
    data = samples.notebook({"compute_layer_style_cost": samples.LAYER_STYLE_NO_TRANSPOSE})
    document, tests, _ = autograde(container, "Art_Generation.ipynb", data)
    assert document["score"] == TOTAL - POINTS["compute_layer_style_cost"]
    row = tests["compute_layer_style_cost"]
    assert row["score"] == 0 and row["status"] == "failed"
    assert "THEN transposing" in row["output"]
    assert tests["gram_matrix"]["status"] == "passed"


@needs_container
def test_a_hostile_submission_cannot_forge_its_results(container):
    data = samples.python_file({"compute_content_cost": FORGE, "total_cost": BOAST})
    before = (container / "source" / "run_autograder").read_bytes()
    document, tests, done = autograde(container, "solution.py", data)
    forged = tests["compute_content_cost"]
    assert forged["score"] == 0 and "FORGE" in forged["output"]
    assert "WROTE" not in forged["output"]  # neither results.json nor the autograder itself
    assert tests["total_cost"]["score"] == 0  # "All tests passed" on stdout changes nothing
    assert document["score"] == TOTAL - POINTS["compute_content_cost"] - POINTS["total_cost"]
    assert (container / "source" / "run_autograder").read_bytes() == before


@needs_container
def test_an_upload_without_a_notebook_says_what_to_upload(container):
    document, tests, _ = autograde(container, "notes.txt", b"my answers are in my head")
    assert document["score"] == 0 and set(tests) == set(POINTS)
    assert "no notebook (.ipynb) or Python file (.py)" in document["output"]


@pytest.mark.skipif(
    os.geteuid() == 0 and BWRAP is not None,
    reason="run_autograder runs this very command in the container tests above",
)
def test_format_gradescope_prints_the_document_of_one_submission(tmp_path):
    path = tmp_path / "ann.py"
    path.write_bytes(samples.python_file({"total_cost": samples.TOTAL_SWAPPED}))
    done = nst("grade", path, "--format", "gradescope", "--out", tmp_path / "grades", "--seed", "1")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    with open(SCHEMA) as handle:
        jsonschema.validate(document, json.load(handle))
    tests = {t["name"]: t for t in document["tests"]}
    assert document["score"] == TOTAL - POINTS["total_cost"]
    assert "alpha weighs the content cost" in tests["total_cost"]["output"]
    assert all(t["visibility"] == "visible" for t in document["tests"])  # the default


def test_bad_bundle_paths_are_one_line_and_leave_nothing(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    folder = tmp_path / "folder"
    folder.mkdir()
    for args, words in [
        (("--gradescope-bundle", blocker / "autograder.zip"), "cannot write the bundle"),
        (("--gradescope-bundle", folder), "is a folder"),
        (("--gradescope-bundle", tmp_path / "x.zip", tmp_path), "takes no SUBMISSION"),
        (
            ("--gradescope-bundle", tmp_path / "x.zip", "--nbgrader", tmp_path, "a"),
            "cannot be used",
        ),
    ]:
        done = nst("grade", *args)
        lines = done.stderr.strip().splitlines()
        assert done.returncode != 0 and len(lines) == 1, done.stderr
        assert lines[0].startswith("nst-course: error:") and words in lines[0], done.stderr
    assert sorted(os.listdir(tmp_path)) == ["a-file", "folder"] and not os.listdir(folder)


def test_the_document_of_a_result():
    """From the grader's result: a test per function, passed only with all its points; the
    grader's notes are not in what students see."""
    from nst_course.grading.platforms.gradescope import results_document

    rows = [
        {
            "function": name,
            "points": 0.0 if name == "gram_matrix" else float(p),
            "max_points": float(p),
            "status": "passed",
            "hint": "All tests passed",
        }
        for name, p in POINTS.items()
    ]
    rows[1]["hint"] = "gram_matrix: G = A A^T"
    result = {
        "functions": rows,
        "total": TOTAL - 1.0,
        "max_total": float(TOTAL),
        "notes": ["the grader is not root"],
        "seconds": 3.4,
    }
    document = results_document(result)
    with open(SCHEMA) as handle:
        jsonschema.validate(document, json.load(handle))
    tests = {t["name"]: t for t in document["tests"]}
    assert tests["gram_matrix"]["status"] == "failed" and "A A^T" in tests["gram_matrix"]["output"]
    assert tests["model_nn"]["status"] == "passed" and document["score"] == TOTAL - 1
    assert all(t["visibility"] == "visible" for t in document["tests"])  # the default
    assert "not root" not in json.dumps(document) and document["execution_time"] == 3


def test_a_bundle_from_an_installed_wheel_packs_the_same_wheel(bundle, tmp_path):
    """A teacher who installed nst-course from its wheel (no clone): the bundle's wheel is
    that wheel again, packed from the installed files (same files, same bytes, same RECORD)."""
    with zipfile.ZipFile(bundle) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".whl")]
        original = tmp_path / name
        original.write_bytes(archive.read(name))
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target",
         str(target), str(original)],
        check=True, timeout=300,
    )  # fmt: skip
    env = dict(cli_env(), PYTHONPATH=str(target))  # the installed copy, not the checkout
    where = subprocess.run(
        [sys.executable, "-c", "import nst_course; print(nst_course.__file__)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert where.stdout.startswith(str(target)), where.stdout + where.stderr
    again = tmp_path / "again.zip"
    done = subprocess.run(
        [sys.executable, "-m", "nst_course", "grade", "--gradescope-bundle", str(again)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(again) as archive:
        repacked = zipfile.ZipFile(io.BytesIO(archive.read(name)))
    first = zipfile.ZipFile(original)
    assert sorted(repacked.namelist()) == sorted(first.namelist())
    for member in first.namelist():
        if member.endswith("/RECORD"):
            assert set(repacked.read(member).split()) == set(first.read(member).split())
        else:
            assert repacked.read(member) == first.read(member), member
