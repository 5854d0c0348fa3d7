"""The grader's sandbox against hostile submissions: each harm is contained, costs the
function that did it its points with a one-line reason, and nothing else.

Each test grades one submission with :func:`grade_submission` (the task a Dask worker runs),
so the real child process, ``unshare``, the drop to uid 65534 and the limits are all used.
Bounded: at most 200 forks against a limit of 64 processes, a 6 GB allocation against a
0.6 GB limit, a 200 MB file against an 8 MB limit, an endless loop against 10 s.
"""

import os
import socket
import sys
import time

import psutil
import pytest

import nst_course
from nst_course.grading.extract import Submission
from nst_course.grading.grader import grade_submission
from nst_course.grading.points import POINTS
from nst_course.grading.sandbox import GB, MB, isolation

from . import grade_samples as samples

#: Hidden from every child here, as CI's checkout (with its virtualenv inside) is unreadable to
#: uid 65534: the child must need nothing from the installation once its privileges are gone.
INSTALLATION = [sys.prefix, os.path.dirname(os.path.dirname(os.path.abspath(nst_course.__file__)))]


def grade(data, tmp_path, hide=(), **limits):
    submission = Submission("student", str(tmp_path / "student.py"), [("student.py", data)])
    payload = {
        "student": "student",
        "files": submission.files,
        "sha256": submission.sha256,
        "seed": 7,
        "hide": list(hide) + INSTALLATION,
        "user": None,
        "limits": limits,
    }
    result = grade_submission(payload)
    return {row["function"]: row for row in result["functions"]}, result


def child_processes():
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if "nst_course.grading.child" in " ".join(process.info["cmdline"] or []):
            found.append(process)
    return found


@pytest.fixture
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.setblocking(False)
    yield server
    server.close()


def test_harm_that_leaves_the_child_running_is_contained(tmp_path, listener):
    """Deleting its folder, a socket, reading others' files, 200 forks, killing its parent and
    all it can, sys.exit: each only costs the function that did it."""
    course = tmp_path / "class"
    course.mkdir()
    other = course / "other.py"
    other.write_text("SECRET_OF_ANOTHER_STUDENT = 1\n")
    out = tmp_path / "grades"
    out.mkdir()
    gradebook = out / "gradebook.db"
    gradebook.write_bytes(b"SQLite format 3\0")
    teacher = tmp_path / "teacher"
    teacher.mkdir()
    secret = teacher / "answers.txt"
    secret.write_text("the teacher's answers")
    os.chmod(secret, 0o600)
    port = listener.getsockname()[1]
    before = set(p.pid for p in child_processes())

    rows, result = grade(
        samples.contained(port, str(other), str(gradebook), str(secret)),
        tmp_path,
        hide=[str(course), str(out)],
        timeout=60,
    )

    iso = isolation()
    content, gram = rows["compute_content_cost"], rows["gram_matrix"]
    assert content["points"] == 0
    if any(part.endswith("unshare") for part in iso.prefix):
        assert "NET-BLOCKED" in content["hint"], content
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing ever connected
    else:  # this machine allows no network namespace: the feedback says so
        assert any("no network namespace" in note for note in result["notes"])
    assert other.read_text() == "SECRET_OF_ANOTHER_STUDENT = 1\n"  # it deleted its own copy only
    assert gram["points"] == 0 and "other:" in gram["hint"] and "gradebook:" in gram["hint"]
    if iso.own_mounts:  # the class's folder and the output are hidden from it
        assert "READ:" not in gram["hint"], gram
    if isolation().user is not None:  # dropped to uid 65534: root's private file is out of reach
        assert "secret:PermissionError" in gram["hint"], gram
    forks = rows["compute_layer_style_cost"]
    assert forks["points"] == 0 and "FORKS 200" not in forks["hint"], forks
    if isolation().user is not None:  # RLIMIT_NPROC stopped it (a fork, or the next thread)
        assert (
            "then BlockingIOError" in forks["hint"] or "can't start new thread" in forks["hint"]
        ), forks
    # killing its parent and every process it may signal harmed nobody: it even passes
    assert rows["total_cost"]["status"] == "passed"
    assert rows["total_cost"]["points"] == POINTS["total_cost"]
    assert rows["model_nn"]["points"] == 0 and "SystemExit: 3" in rows["model_nn"]["hint"]
    # nothing the submission forked outlives its grading
    deadline = time.monotonic() + 10
    while set(p.pid for p in child_processes()) - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not set(p.pid for p in child_processes()) - before
    assert result["total"] == POINTS["total_cost"]


def test_harm_that_ends_the_child_costs_only_that_function(tmp_path):
    """os._exit, an endless loop, 6 GB of memory, a 200 MB file: each function that did it
    gets 0 and the reason; a new child grades the functions after it."""
    rows, result = grade(samples.crashing(), tmp_path, timeout=10, memory=0.6 * GB, fsize=8 * MB)

    assert rows["compute_content_cost"]["status"] == "limit"
    assert "ran longer than the time limit of 10 s" in rows["compute_content_cost"]["hint"]
    assert rows["gram_matrix"]["status"] == "crashed"
    assert "exit status 3" in rows["gram_matrix"]["hint"]
    assert rows["compute_layer_style_cost"]["status"] == "limit"
    assert "memory limit of 0.6 GB" in rows["compute_layer_style_cost"]["hint"]
    assert rows["model_nn"]["points"] == 0
    assert "file larger than the limit" in rows["model_nn"]["hint"], rows["model_nn"]
    assert rows["total_cost"]["status"] == "passed"
    assert result["total"] == POINTS["total_cost"]


def test_the_solution_of_the_package_scores_nothing_and_boasting_is_no_result(tmp_path):
    rows, _ = grade(samples.cheating(), tmp_path, timeout=60)

    assert rows["compute_content_cost"]["status"] == "ours"
    assert "nst_course" in rows["compute_content_cost"]["hint"]
    assert rows["gram_matrix"]["status"] == "ours"  # found at run time: the hidden import
    assert "calls nst_course's own gram_matrix" in rows["gram_matrix"]["hint"]
    assert rows["compute_layer_style_cost"]["status"] == "ours"
    assert "is nst_course's own" in rows["compute_layer_style_cost"]["hint"]
    # "All tests passed" and a forged result line on stdout change nothing: it returns 0.0
    assert rows["total_cost"]["status"] == "failed" and rows["total_cost"]["points"] == 0
    assert all(
        rows[name]["points"] == 0
        for name in (
            "compute_content_cost",
            "gram_matrix",
            "compute_layer_style_cost",
            "total_cost",
        )
    )
    # its model_nn is the course's own code, written by the student: full points, run with the
    # installation hidden (the child imported everything it needs before the drop)
    assert rows["model_nn"]["status"] == "passed", rows["model_nn"]
