"""Helpers of the grader's attack tests: grade one submission in the real sandbox, list what
the sandboxes left on the machine."""

import os

import pytest

from nst_course.grading.extract import Submission
from nst_course.grading.grader import grade_submission
from nst_course.grading.sandbox import UIDS, machine

#: Skips a module when this machine cannot make the sandbox (says why).
needs_sandbox = pytest.mark.skipif(
    machine().problem is not None,
    reason="no sandbox on this machine: %s" % machine().problem,
)


def grade(data, graded=None, student="student", **limits):
    """Rows (function -> row) and the result of grading ``data`` (a .py) in the sandbox."""
    submission = Submission(student, student + ".py", [(student + ".py", data)])
    result = grade_submission(
        {
            "student": student,
            "files": submission.files,
            "sha256": submission.sha256,
            "seed": 7,
            "limits": limits,
            "graded": graded,
        }
    )
    return {row["function"]: row for row in result["functions"]}, result


def box_processes():
    """Pids of processes of any sandbox user."""
    found = []
    for name in os.listdir("/proc"):
        try:
            if name.isdigit() and os.stat("/proc/" + name).st_uid in UIDS:
                found.append(int(name))
        except OSError:
            pass
    return found


def our_cgroups():
    """The grader's job cgroups still on the machine."""
    found = []
    for root in ("/sys/fs/cgroup", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids"):
        try:
            found += [os.path.join(root, n) for n in os.listdir(root) if n.startswith("nst-course")]
        except OSError:
            pass
    return found


def sysv_keys():
    """Keys of the SysV shared-memory segments of the machine (the host's IPC namespace)."""
    try:
        with open("/proc/sysvipc/shm") as handle:
            lines = handle.read().splitlines()[1:]
    except OSError:
        return set()
    return {int(line.split()[0]) for line in lines if line.strip()}
