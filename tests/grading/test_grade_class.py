"""``nst-course grade`` on a class: the command line, the gradebook, the CSV, the feedback,
resuming, and Dask (the embedded LocalCluster; an external ``dask scheduler`` with two
``dask worker`` processes on 127.0.0.1, one of them killed in the middle of the run)."""

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from nst_course.grading.points import GRADED, POINTS, TOTAL
from nst_course.grading.sandbox import UIDS
from tests.conftest import cli_env
from tests.fixtures import grade_samples as samples

FULL = dict(POINTS)


def nst_grade(*args, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "nst_course", "grade"] + [str(a) for a in args],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=timeout,
    )


def write_class(folder, students):
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in students.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


def gradebook_rows(out):
    with sqlite3.connect(str(out / "gradebook.db")) as db:
        rows = db.execute(
            "SELECT student, function, points, max_points, status, hint FROM grades"
        ).fetchall()
        totals = dict(db.execute("SELECT student, total FROM submissions"))
    return rows, totals


def points_of(rows, student):
    return {r[1]: r[2] for r in rows if r[0] == student}


def test_usage_errors_are_one_line(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    student = tmp_path / "s.py"
    student.write_bytes(samples.python_file())
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "gradebook.db").write_text("not a database")
    (tmp_path / "notes.txt").write_text("")
    twice = write_class(tmp_path / "twice", {"ann.py": b"", "ann.ipynb": b"{}"})
    for args, status, words in [
        ((), 2, "required"),
        ((tmp_path / "missing.py",), 1, "submission not found"),
        ((tmp_path / "notes.txt",), 1, "not a notebook (.ipynb) or a Python file"),
        ((student, "--memory", "0"), 2, "greater than 0"),
        ((student, "--timeout", "soon"), 2, "not a number"),
        ((student, "--scheduler", "localhost"), 2, "tcp://HOST:PORT"),
        ((empty,), 1, "no submissions"),
        ((twice,), 1, "two submissions for the student 'ann'"),
        ((student, "--out", broken), 1, "cannot use the gradebook"),
    ]:
        result = nst_grade(*args, timeout=120)
        assert result.returncode == status, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert (
            len(lines) == 1 and lines[0].startswith("nst-course: error:") and words in lines[0]
        ), result.stderr
    assert (broken / "gradebook.db").read_text() == "not a database"  # nothing lost


def test_help_prints_the_points_table():
    result = nst_grade("--help", timeout=120)
    assert result.returncode == 0
    for name in GRADED:
        assert "%s  %d" % (name.ljust(max(map(len, GRADED))), POINTS[name]) in result.stdout
    assert "total" in result.stdout


def test_a_class_on_the_embedded_cluster_then_resumed(tmp_path):
    course = write_class(
        tmp_path / "class",
        {
            "alice.ipynb": samples.notebook(),
            "carol.ipynb": samples.notebook(
                {"compute_layer_style_cost": samples.LAYER_STYLE_NO_TRANSPOSE}
            ),
            "dave.py": samples.python_file({"total_cost": samples.TOTAL_SWAPPED}),
            "erin/part1.ipynb": samples.notebook(),
            "frank.py": b"def gram_matrix(A):\n    return tf.matmul(A,\n",
            "mallory.py": MALLORY,  # graded at the same time as the honest ones
        },
    )
    out = tmp_path / "grades"
    result = nst_grade(course, "--out", out, "--workers", "2", "--timeout", "60", "--memory", "1")
    assert result.returncode == 0, result.stderr
    rows, totals = gradebook_rows(out)
    assert len(rows) == 6 * len(GRADED)  # one row per submission x function
    assert totals == {
        "mallory": 0,
        "alice": TOTAL,
        "carol": TOTAL - POINTS["compute_layer_style_cost"],
        "dave": TOTAL - POINTS["total_cost"],
        "erin": TOTAL,
        "frank": 0,
    }
    hints = {(r[0], r[1]): r[5] for r in rows}
    assert "THEN transposing" in hints["carol", "compute_layer_style_cost"]
    assert "alpha weighs the content cost" in hints["dave", "total_cost"]
    assert "not valid Python (line 2" in hints["frank", "gram_matrix"]
    with open(out / "grades.csv", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["student"] + list(GRADED) + ["total"]
    assert {row[0]: row[-1] for row in table[1:]} == {s: "%g" % t for s, t in totals.items()}
    carol = (out / "feedback" / "carol.md").read_text()
    assert "## compute_layer_style_cost: 0 / 2" in carol and "THEN transposing" in carol
    assert "mean total" in result.stdout and "most frequent hints" in result.stdout
    assert "graded 6/6" in result.stderr  # plain progress lines in a pipe

    # the same folder again: nothing changed, nothing graded
    again = nst_grade(course, "--out", out, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "6 unchanged" in again.stdout
    # dave fixes total_cost: only dave is graded, and his rows replaced
    (course / "dave.py").write_bytes(samples.python_file())
    fixed = nst_grade(course, "--out", out, "--json")
    assert fixed.returncode == 0, fixed.stderr
    document = json.loads(fixed.stdout)
    assert sorted(document["kept"]) == ["alice", "carol", "erin", "frank", "mallory"]
    rows, totals = gradebook_rows(out)
    assert len(rows) == 6 * len(GRADED) and totals["dave"] == TOTAL
    assert points_of(rows, "dave") == {name: float(p) for name, p in FULL.items()}


#: A hostile student graded alongside the honest ones: shared memory past --memory, a fork
#: bomb, junk written to every descriptor, killing every process it can, filling /tmp.
MALLORY = samples.python_file(
    {
        "compute_content_cost": """def compute_content_cost(a_C, a_G):
    import mmap
    area = mmap.mmap(-1, 1536 * 2**20, flags=mmap.MAP_SHARED)
    for offset in range(0, len(area), 4096):
        area[offset] = 1
""",
        "gram_matrix": """def gram_matrix(A):
    import time
    for _ in range(200):
        try:
            if os.fork() == 0:
                time.sleep(60)
                os._exit(0)
        except OSError:
            break
    return tf.matmul(A, tf.transpose(A)) * 2
""",
        "compute_layer_style_cost": """def compute_layer_style_cost(a_S, a_G):
    for fd in range(0, 1024):
        try:
            os.write(fd, b'{"function": "compute_layer_style_cost", "observations": {}}\\n')
        except OSError:
            pass
    return tf.constant(0.0)
""",
        "total_cost": """def total_cost(J_content, J_style, alpha = 10, beta = 40):
    import signal
    for target in (os.getppid(), -1, 1):
        try:
            os.kill(target, signal.SIGKILL)
        except OSError:
            pass
    return 0.0
""",
        "model_nn": """def model_nn(sess, input_image, num_iterations = 200):
    with open('/tmp/fill', 'wb') as handle:
        while True:
            handle.write(b'x' * 2**20)
""",
    }
)


def test_one_student_prints_points_and_hints(tmp_path):
    path = tmp_path / "carol.ipynb"
    path.write_bytes(
        samples.notebook({"compute_layer_style_cost": samples.LAYER_STYLE_NO_TRANSPOSE})
    )
    result = nst_grade(path, "--out", tmp_path / "grades", "--timeout", "60")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "gram_matrix: %d/%d" % (POINTS["gram_matrix"], POINTS["gram_matrix"]) in lines[1]
    assert lines[2].startswith("compute_layer_style_cost: 0/2") and "THEN transposing" in lines[2]
    assert "total: %d/%d" % (TOTAL - 2, TOTAL) in result.stdout
    assert result.stderr == ""  # no TensorFlow chatter, no progress bar for one student


# --------------------------------------------------------------------------- external cluster


@pytest.fixture
def external_cluster(tmp_path):
    """A ``dask scheduler`` and two ``dask worker`` processes (no nanny: a killed worker stays
    dead) on 127.0.0.1; yields (address, worker processes)."""
    from nst_course.batch.cluster import worker_environment

    env = dict(cli_env(), **worker_environment(1))
    scheduler_file = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    processes = [
        subprocess.Popen(
            dask
            + [
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(scheduler_file),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    workers = []
    try:
        deadline = time.monotonic() + 120
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        for _ in range(2):
            workers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "distributed.cli.dask_worker",
                        address,
                        "--nthreads",
                        "1",
                        "--no-nanny",
                        "--no-dashboard",
                        "--host",
                        "127.0.0.1",
                        "--memory-limit",
                        "0",
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        processes += workers
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address, workers
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=60)


def test_an_external_scheduler_and_a_worker_killed_mid_run(tmp_path, external_cluster):
    address, workers = external_cluster
    course = write_class(
        tmp_path / "class",
        {
            "ann.py": samples.python_file(),
            "ben.ipynb": samples.notebook({"total_cost": samples.TOTAL_SWAPPED}),
            "cat.py": samples.python_file(),
        },
    )
    out = tmp_path / "grades"
    killed = []

    def kill_a_busy_worker():
        from distributed import Client

        with Client(address, timeout="60s") as client:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and not killed:
                busy = [w for w, tasks in client.processing().items() if tasks]
                if busy:
                    time.sleep(3)  # well into the task: TensorFlow loading, the sandbox started
                    pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                time.sleep(0.2)

    from nst_course.grading.runner import GradeOptions, grade

    killer = threading.Thread(target=kill_a_busy_worker, daemon=True)
    killer.start()
    stdout = io.StringIO()
    status = grade(
        GradeOptions(
            submissions=[str(course)], out=str(out), scheduler=address, json=True, timeout=60
        ),
        stdout=stdout,
        stderr=io.StringIO(),
    )
    killer.join(timeout=10)
    assert killed, "no worker was killed: the test proved nothing"
    assert status == 0
    document = json.loads(stdout.getvalue())
    assert sorted(s["student"] for s in document["submissions"]) == [
        "ann",
        "ben",
        "cat",
    ]  # once each
    rows, totals = gradebook_rows(out)
    assert len(rows) == 3 * len(GRADED)
    assert totals == {"ann": TOTAL, "ben": TOTAL - POINTS["total_cost"], "cat": TOTAL}


def test_ctrl_c_keeps_what_finished_and_the_next_run_resumes(tmp_path):
    import psutil

    course = write_class(
        tmp_path / "class", {"s%d.py" % i: samples.python_file() for i in range(2)}
    )
    out = tmp_path / "grades"
    command = [
        sys.executable,
        "-m",
        "nst_course",
        "grade",
        str(course),
        "--out",
        str(out),
        "--workers",
        "1",
    ]
    process = subprocess.Popen(
        command, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 400
        graded = 0
        while time.monotonic() < deadline and process.poll() is None and graded == 0:
            time.sleep(0.5)
            if (out / "gradebook.db").exists():
                graded = len(gradebook_rows(out)[1])
        assert graded >= 1 and process.poll() is None, "no submission finished first"
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert "interrupted:" in stderr and "run the same command again" in stderr
    rows, totals = gradebook_rows(out)
    assert len(rows) == len(GRADED) and len(totals) == 1  # the first finished, the second stopped

    # this test process's own zygotes (kept warm by the in-process grading tests before this
    # one) are not the interrupted run's: count only sandboxes outside this process's tree
    own = {p.pid for p in psutil.Process().children(recursive=True)}

    def sandboxes():
        return [
            p
            for p in psutil.process_iter(["cmdline", "uids"])
            if p.pid not in own
            and (
                "nst_course.grading.box" in " ".join(p.info["cmdline"] or [])
                or (p.info["uids"] and p.info["uids"].real in UIDS)
            )
        ]

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and sandboxes():
        time.sleep(0.5)
    assert not sandboxes(), "a sandbox outlived the interrupted run"
    resumed = nst_grade(course, "--out", out, "--workers", "1")
    assert resumed.returncode == 0, resumed.stderr
    assert "1 unchanged" in resumed.stdout
    assert gradebook_rows(out)[1] == {"s0": TOTAL, "s1": TOTAL}


def test_no_sandbox_refuses_in_one_line_unless_asked(tmp_path):
    """Without bubblewrap (here: not on PATH) grade runs nothing and says what to install;
    with --no-sandbox it grades, and every output says the code ran unconfined."""
    student = tmp_path / "ann.py"
    student.write_bytes(samples.python_file({"model_nn": "x = 1\n"}))
    env = dict(cli_env(), PATH=str(tmp_path))  # no bwrap to be found
    command = [sys.executable, "-m", "nst_course", "grade", str(student), "--out"]
    refused = subprocess.run(
        command + [str(tmp_path / "refused")], capture_output=True, text=True, env=env, timeout=120
    )
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "bubblewrap" in lines[0] and "--no-sandbox" in lines[0], lines
    assert not (tmp_path / "refused" / "gradebook.db").exists()
    out = tmp_path / "grades"
    ran = subprocess.run(
        command + [str(out), "--no-sandbox", "--timeout", "60"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert ran.returncode == 0, ran.stderr
    assert "UNCONFINED" in ran.stdout and "UNCONFINED" in ran.stderr
    assert "UNCONFINED" in (out / "feedback" / "ann.md").read_text()
    with sqlite3.connect(str(out / "gradebook.db")) as db:
        (notes,) = db.execute("SELECT notes FROM submissions").fetchone()
    assert "UNCONFINED" in notes
    assert "total: %d/%d" % (TOTAL - POINTS["model_nn"], TOTAL) in ran.stdout
