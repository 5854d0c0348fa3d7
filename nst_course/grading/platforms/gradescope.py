"""Gradescope: the autograder zip (``nst-course grade --gradescope-bundle OUT.zip``) and the
``results.json`` of one submission (``nst-course grade SUBMISSION --format gradescope``).

Gradescope builds a Docker image from the zip on its Ubuntu base image, running ``setup.sh``
once as root; then, per submission, it puts the student's upload in ``/autograder/submission/``,
runs ``run_autograder`` (copied to ``/autograder/run_autograder``; the zip's files are in
``/autograder/source/``) and reads ``/autograder/results/results.json``. The zip made here holds:

- ``nst_course-<version>-py3-none-any.whl``: this package, built from the checkout it runs
  from (or packed again from an installation made from the wheel);
- ``setup.sh``: installs bubblewrap (the sandbox) and a virtual environment with the wheel and
  its dependencies, skipping what is already there;
- ``run_autograder``: ``nst-course grade /autograder/submission --format gradescope`` (the same
  sandbox and checks as ``nst-course grade``, with the limits the bundle was made with), its
  document written to ``results.json`` in one rename.

``results.json`` (Gradescope's documented format): ``score`` (the total), ``output`` (a line
for the student), ``execution_time``, ``stdout_visibility`` (``hidden``: the grader's own
notes are for the teacher), and ``tests``: one per graded function, in the notebook's order,
with ``name``, ``number``, ``score``, ``max_score``, ``status`` (``passed`` when it earned all
its points), ``output`` (the hint) and ``visibility`` (``--visibility``).
"""

import importlib.util
import os
import shlex
import subprocess
import sys
import tempfile
import zipfile

from ...errors import OutputError
from ...files import atomic_write
from .results import grade_results, stage

#: When students see the tests (Gradescope's four values).
VISIBILITIES = ("visible", "after_published", "after_due_date", "hidden")

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, on its Ubuntu base image, when it builds the autograder.
# Made by `nst-course grade --gradescope-bundle` (nst-course {version}).
# Each step is skipped when what it installs is already there, so the same script can be
# tried on a machine that has them. NST_AUTOGRADER_VENV: where the virtual environment goes;
# NST_AUTOGRADER_PIP_OPTIONS: extra options for pip (e.g. --index-url of a local mirror).
set -euo pipefail
SOURCE="$(cd "$(dirname "$0")" && pwd)"
VENV="${{NST_AUTOGRADER_VENV:-/autograder/nst-venv}}"
need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)   # the grader's sandbox
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if [ ! -x "$VENV/bin/python" ] && ! python3 -c "import ensurepip" >/dev/null 2>&1; then
    need+=(python3-venv)
fi
if [ ${{#need[@]}} -gt 0 ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${{need[@]}}"
fi
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
# shellcheck disable=SC2086  # the options are words
"$VENV/bin/python" -m pip install -q ${{NST_AUTOGRADER_PIP_OPTIONS:-}} "$SOURCE/{wheel}"
"$VENV/bin/python" -m nst_course grade --help >/dev/null  # it installed and imports
# the sandbox needs namespaces: say so now, in the build log, if this machine refuses them
if ! bwrap --ro-bind / / --unshare-all --die-with-parent true >/dev/null 2>&1; then
    echo "WARNING: bubblewrap cannot make a sandbox here (namespaces refused); the grader" \
         "will refuse to grade unless the bundle is made with --no-sandbox" >&2
fi
echo "nst-course {version} autograder installed in $VENV"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this once per submission, as root, in /autograder.
# Made by `nst-course grade --gradescope-bundle` (nst-course {version}): grades
# /autograder/submission/ in nst-course's sandbox and writes /autograder/results/results.json
# (in one rename: a grader that fails leaves none, and Gradescope reports the failure).
set -euo pipefail
VENV="${{NST_AUTOGRADER_VENV:-/autograder/nst-venv}}"
mkdir -p /autograder/results
rm -f /autograder/results/results.json  # only ours is ever read: none if the grading fails
work="$(mktemp -d)"
trap 'rm -rf "$work" /autograder/results/.results.json.partial' EXIT
"$VENV/bin/python" -m nst_course grade /autograder/submission --format gradescope \
    --output-dir "$work/grades" {options} > /autograder/results/.results.json.partial
mv /autograder/results/.results.json.partial /autograder/results/results.json
echo "results written to /autograder/results/results.json"
"""


def results_document(result: dict, visibility: str = "visible") -> dict:
    """Gradescope's ``results.json`` for one student's result (the grader's dict): a test per
    graded function with its points and its hint, visible to the student as ``visibility``
    says; the grader's notes go to stdout (hidden from students: they are for the teacher)."""
    from ... import __version__

    tests = []
    for number, row in enumerate(result["functions"], 1):
        passed = row["points"] >= row["max_points"]
        tests.append(
            {
                "name": row["function"],
                "number": str(number),
                "score": row["points"],
                "max_score": row["max_points"],
                "status": "passed" if passed else "failed",
                "output": row["hint"] or ("All tests passed." if passed else "(no hint)"),
                "visibility": visibility,
            }
        )
    output = (
        "nst-course %s: %g / %g. Each graded function earns all its points when its "
        "checks pass, else 0 with a hint." % (__version__, result["total"], result["max_total"])
    )
    if result.get("problem"):  # the whole submission (e.g. no graded function found)
        output = "%s\n%s" % (result["problem"], output)
    return {
        "score": result["total"],
        "execution_time": int(round(result.get("seconds") or 0)),
        "output": output,
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def no_submission_document(reason: str, visibility: str = "visible") -> dict:
    """The document for an upload with nothing to grade: 0 points and the reason, so the
    student sees what to upload (rather than Gradescope's "the autograder failed")."""
    from ..points import POINTS

    return {
        "score": 0.0,
        "output": "%s. Upload the assignment's notebook (.ipynb) or a Python file (.py) with "
        "the graded functions." % reason,
        "stdout_visibility": "hidden",
        "tests": [
            {
                "name": name,
                "number": str(number),
                "score": 0.0,
                "max_score": float(points),
                "status": "failed",
                "output": "%s: not found (nothing to grade in the upload)" % name,
                "visibility": visibility,
            }
            for number, (name, points) in enumerate(POINTS.items(), 1)
        ],
    }


def grade_one(options, path: str, visibility: str = "visible", stderr=None) -> dict:
    """Grade ONE submission (a notebook, a Python file, or a folder holding one student's
    files, as Gradescope's ``/autograder/submission/``) and return its ``results.json``."""
    from ..extract import SubmissionError

    with tempfile.TemporaryDirectory(prefix="nst-gradescope-") as work:
        class_dir = os.path.join(work, "class")
        os.makedirs(class_dir)
        if os.path.isdir(path):
            try:
                stage(path, "submission", class_dir)
            except SubmissionError as exc:
                return no_submission_document(str(exc).split(":")[0], visibility)
            submission = class_dir  # a folder with one sub-folder: one student
        else:
            submission = path  # one file: the grader reads it as it is
        graded = grade_results(options, [submission], stderr)
    result = graded.results[0]
    for note in result.get("notes", []):  # for the teacher: Gradescope's stdout, not students
        print("note: %s" % note, file=stderr or sys.stderr)
    return results_document(result, visibility)


# --------------------------------------------------------------------------- the bundle


def _source_checkout():
    """The folder of the checkout this package runs from (holding setup.cfg), or None."""
    import nst_course

    root = os.path.dirname(os.path.dirname(os.path.abspath(nst_course.__file__)))
    found = all(os.path.isfile(os.path.join(root, n)) for n in ("setup.cfg", "pyproject.toml"))
    return root if found else None


def build_wheel(folder: str) -> str:
    """This package's wheel, written into ``folder``; returns its path.

    From a source checkout: built by pip (without an isolated build environment when
    setuptools and wheel are importable here: offline and quicker; else pip fetches them from
    its index as usual). From an installation made from a wheel: that wheel packed again from
    the installed files its RECORD lists (see :func:`repack_installed`)."""
    root = _source_checkout()
    if root is None:
        return repack_installed(folder)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", folder, root]
    if importlib.util.find_spec("setuptools") and importlib.util.find_spec("wheel"):
        command.insert(5, "--no-build-isolation")
    done = subprocess.run(command, capture_output=True, text=True)
    wheels = [n for n in os.listdir(folder) if n.endswith(".whl")]
    if done.returncode != 0 or len(wheels) != 1:
        last = (done.stderr.strip().splitlines() or ["no wheel was made"])[-1]
        raise OutputError("could not build the package's wheel for the bundle: %s" % last)
    return os.path.join(folder, wheels[0])


#: Files of an installed ``.dist-info`` that the installer wrote, not the wheel.
_INSTALLER_FILES = ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")


def repack_installed(folder: str) -> str:
    """The wheel of the installed nst-course, packed again from the files its RECORD lists
    (a wheel is those files and its ``.dist-info``; RECORD is written anew with each file's
    sha256 and size, as the wheel format says). Byte code, console scripts and the files the
    installer added are left out."""
    import base64
    import hashlib
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution("nst-course")
    except PackageNotFoundError:
        dist = None
    listed = (dist.files or []) if dist is not None else []
    files = [
        f
        for f in listed
        if f.parts[0] != ".." and "__pycache__" not in f.parts and f.suffix != ".pyc"
    ]
    info = [f.parts[0] for f in files if f.parts[0].endswith(".dist-info")]
    if dist is None or not info or not any(f.parts[0] == "nst_course" for f in files):
        raise OutputError(
            "--gradescope-bundle needs this package's wheel: run it from a clone of nst-course "
            "or from an installation made from its wheel"
        )
    info_dir = info[0]
    name = "%s-%s-py3-none-any.whl" % (dist.metadata["Name"].replace("-", "_"), dist.version)
    path = os.path.join(folder, name)
    record = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        for entry in files:
            member = "/".join(entry.parts)
            if entry.parts[0] == info_dir and entry.name in _INSTALLER_FILES:
                continue
            with open(entry.locate(), "rb") as handle:
                data = handle.read()
            wheel.writestr(member, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append("%s,sha256=%s,%d" % (member, digest.decode(), len(data)))
        record.append("%s/RECORD,," % info_dir)
        wheel.writestr("%s/RECORD" % info_dir, "\n".join(record) + "\n")
    return path


def _run_options(options, visibility):
    """The grading options baked into run_autograder (those of this command line)."""
    words = ["--visibility", visibility, "--timeout", "%g" % options.timeout]
    words += ["--memory", "%g" % options.memory]
    if options.seed is not None:
        words += ["--seed", str(options.seed)]
    if getattr(options, "user", None) is not None:
        words += ["--user", shlex.quote(options.user)]
    if getattr(options, "no_sandbox", False):  # the teacher's explicit choice, kept
        words += ["--no-sandbox"]
    return " ".join(words)


def build_bundle(options, path: str, visibility: str = "visible") -> str:
    """Write the autograder zip to ``path`` (atomically: a zip that cannot be written leaves
    nothing). Returns ``path``."""
    from ... import __version__

    if os.path.isdir(path):
        raise OutputError(
            "--gradescope-bundle %s is a folder; give a file name such as autograder.zip" % path
        )
    with tempfile.TemporaryDirectory(prefix="nst-bundle-") as work:
        wheel = build_wheel(work)
        name = os.path.basename(wheel)
        texts = {
            "setup.sh": SETUP_SH.format(version=__version__, wheel=name),
            "run_autograder": RUN_AUTOGRADER.format(
                version=__version__, options=_run_options(options, visibility)
            ),
        }

        def write(tmp):
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as bundle:
                for member, text in texts.items():
                    info = zipfile.ZipInfo(member, date_time=(2020, 1, 1, 0, 0, 0))
                    info.external_attr = 0o100755 << 16  # executable: Gradescope runs them
                    info.compress_type = zipfile.ZIP_DEFLATED
                    bundle.writestr(info, text)
                bundle.write(wheel, name)

        try:
            return atomic_write(path, write)
        except OSError as exc:
            raise OutputError(
                "cannot write the bundle %s (%s); choose another path" % (path, exc.strerror or exc)
            ) from None
