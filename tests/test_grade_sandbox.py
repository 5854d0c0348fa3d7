"""The grader's sandbox against hostile submissions: each harm is contained, costs the
function that did it its points with a one-line reason, and nothing else.

Each test grades one submission with :func:`grade_submission` (the task a Dask worker runs),
so the real zygote in bubblewrap, a fresh sandbox per function (namespaces, cgroup, box
user, tmpfs) and the limits are all used.
Bounded: at most 200 forks against a limit of 64 processes, a 6 GB allocation against a
0.6 GB limit, a 200 MB file against an 8 MB limit, an endless loop against 10 s.
"""

import os
import socket

import pytest

from nst_course.grading.extract import Submission
from nst_course.grading.grader import grade_submission
from nst_course.grading.points import POINTS
from nst_course.grading.sandbox import GB, MB, machine

from . import grade_samples as samples
from .grading.sandboxed import box_processes

pytestmark = pytest.mark.skipif(
    machine().problem is not None,
    reason="no sandbox on this machine: %s" % machine().problem,
)


def grade(data, tmp_path, graded=None, **limits):
    submission = Submission("student", str(tmp_path / "student.py"), [("student.py", data)])
    payload = {
        "student": "student",
        "files": submission.files,
        "sha256": submission.sha256,
        "seed": 7,
        "limits": limits,
        "graded": graded,
    }
    result = grade_submission(payload)
    return {row["function"]: row for row in result["functions"]}, result


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

    rows, result = grade(
        samples.contained(port, str(other), str(gradebook), str(secret)), tmp_path, timeout=60
    )

    content, gram = rows["compute_content_cost"], rows["gram_matrix"]
    assert content["points"] == 0
    assert "NET-BLOCKED" in content["hint"], content
    with pytest.raises(BlockingIOError):
        listener.accept()  # nothing ever connected
    assert other.read_text() == "SECRET_OF_ANOTHER_STUDENT = 1\n"  # it deleted its own copy only
    # none of the class's, the output's or root's files exist in its world
    assert gram["points"] == 0, gram
    for label in ("other", "gradebook", "secret"):
        assert "%s:FileNotFoundError" % label in gram["hint"], gram
    forks = rows["compute_layer_style_cost"]
    assert forks["points"] == 0 and "FORKS 200" not in forks["hint"], forks
    assert "then BlockingIOError" in forks["hint"] or "can't start new thread" in forks["hint"]
    # killing its parent and every process it may signal harmed nobody: it even passes
    assert rows["total_cost"]["status"] == "passed", rows["total_cost"]
    assert rows["total_cost"]["points"] == POINTS["total_cost"]
    assert rows["model_nn"]["points"] == 0 and "SystemExit: 3" in rows["model_nn"]["hint"]
    assert not box_processes()  # nothing the submission forked outlives its grading
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
    # the hidden import finds the given code only: no gram_matrix in it
    assert rows["gram_matrix"]["points"] == 0
    assert "has no attribute 'gram_matrix'" in rows["gram_matrix"]["hint"], rows["gram_matrix"]
    assert rows["compute_layer_style_cost"]["points"] == 0
    assert "compute_layer_style_cost" in rows["compute_layer_style_cost"]["hint"]
    # "All tests passed" and a forged result line on stdout change nothing: it returns 0.0
    assert rows["total_cost"]["status"] == "failed" and rows["total_cost"]["points"] == 0
    # its model_nn is the course's own code, written by the student: full points, on the
    # supervisor's graph, with the supervisor's own evidence
    assert rows["model_nn"]["status"] == "passed", rows["model_nn"]
