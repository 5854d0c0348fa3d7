"""``nst-course batch`` on real Dask clusters (an embedded LocalCluster; a `dask scheduler` and
two `dask worker` processes on 127.0.0.1), with tiny weights, 32x40 images and 2 iterations."""

import csv
import os
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import imageio.v2 as imageio
import pytest

from nst_course.batch import Job, run_jobs
from nst_course.batch.cluster import worker_environment
from nst_course.batch.engine import MARKER
from nst_course.batch.report import read_results
from tests.conftest import cli_env, random_image

W, H = 40, 32
#: What `nst-course run --iterations 2 --save-every 1` writes.
RUN_FILES = {
    "0.png",
    "1.png",
    "costs.csv",
    "costs.png",
    "generated_image.jpg",
    "progress.gif",
    "summary.png",
}
COMMON = [
    "--width",
    str(W),
    "--height",
    str(H),
    "--iterations",
    "2",
    "--save-every",
    "1",
    "--print-every",
    "1",
]


def batch_env(threads=1):
    env = cli_env()
    env.update(worker_environment(threads))
    return env


def nst(*args, timeout=600, env=None):
    return subprocess.run(
        [sys.executable, "-m", "nst_course", *map(str, args)],
        env=env or cli_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def pictures(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pictures")
    for k, name in enumerate(("a", "b", "s", "t")):
        imageio.imwrite(folder / ("%s.png" % name), random_image(H, W, seed=k))
    return folder


def write_manifest(path, rows, header="content,style,seed,id"):
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def last_costs(directory):
    with open(os.path.join(directory, "costs.csv")) as fh:
        return [float(x) for x in list(csv.reader(fh))[-1][1:4]]


def test_manifest_on_the_default_cluster_then_resume(pictures, tiny_mat, tmp_path):
    manifest = write_manifest(
        pictures / "six.csv",
        [
            "a.png,s.png,0,",
            "b.png,s.png,1,",
            "a.png,t.png,2,",
            "b.png,t.png,3,",
            "a.png,missing.png,4,",
            '"b.png","s.png,t.png",5,blend',
        ],
    )
    out = tmp_path / "out"
    first = nst("batch", manifest, "--out", out, "--weights", tiny_mat, *COMMON)
    assert first.returncode == 1, first.stderr
    assert "Traceback" not in first.stderr
    assert "nst-course: a_missing failed: file or directory not found" in first.stderr
    rows = read_results(out / "results.csv")
    assert [r["id"] for r in rows] == ["a_s", "b_s", "a_t", "b_t", "a_missing", "blend"]
    assert [r["status"] for r in rows] == ["done"] * 4 + ["failed", "done"]
    assert rows[4]["error"].startswith("file or directory not found: ") and rows[4][
        "error"
    ].endswith("missing.png; check the path")
    assert rows[5]["style"] == "%s,%s" % (pictures / "s.png", pictures / "t.png")
    for row in rows[:4] + rows[5:]:
        folder = out / row["id"]
        assert {n for n in os.listdir(folder) if not n.startswith(".")} == RUN_FILES
        assert [float(row[k]) for k in ("total", "content_cost", "style_cost")] == last_costs(
            folder
        )
    assert not (out / "a_missing" / MARKER).exists()
    # the contact sheet: 2 contents + a header row, 4 styles (s, t, missing, s+t) + a header
    # column, cells of 1.8 x (1.8 + 0.25) inches at 100 dpi
    sheet = imageio.imread(out / "contact_sheet.png")
    assert sheet.shape[:2] == (round(3 * (1.8 + 0.25) * 100), round(5 * 1.8 * 100))

    # a job's files are those of a seeded `nst-course run` of the same row, byte for byte
    # (in the environment of the default cluster's workers)
    from nst_course.batch.cluster import default_split

    single = tmp_path / "single"
    run = nst(
        "run",
        "--content",
        pictures / "b.png",
        "--style",
        pictures / "s.png",
        "--seed",
        1,
        "--weights",
        tiny_mat,
        "--output-dir",
        single,
        "--quiet",
        *COMMON,
        env=batch_env(default_split()[1]),
    )
    assert run.returncode == 0, run.stderr
    assert set(os.listdir(single)) == RUN_FILES
    for name in sorted(RUN_FILES):
        assert (single / name).read_bytes() == (out / "b_s" / name).read_bytes(), name

    # resume: everything complete is skipped, nothing rewritten; the missing image fails again
    stamps = {p: p.stat().st_mtime_ns for p in out.glob("*/*")}
    again = nst("batch", manifest, "--out", out, "--weights", tiny_mat, *COMMON)
    assert again.returncode == 1, again.stderr
    assert [r["status"] for r in read_results(out / "results.csv")] == ["skipped"] * 4 + [
        "failed",
        "skipped",
    ]
    assert "4 done" not in again.stdout and "5 skipped, 1 failed" in again.stdout
    assert {p: p.stat().st_mtime_ns for p in out.glob("*/*")} == stamps


def test_bad_rows_are_refused_before_any_work(pictures, tmp_path):
    manifest = write_manifest(
        pictures / "bad.csv", ["a.png,s.png,abc,", "a.png,s.png,1,ok", "b.png,s.png,2,ok"]
    )
    out = tmp_path / "out"
    result = nst("batch", manifest, "--out", out, "--width", 20, *COMMON[2:])
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "nst-course: error: bad.csv line 2: argument --seed: 'abc' is not a whole number",
        "nst-course: error: bad.csv line 3 (id ok): --width 20 is too small: the network needs "
        "at least 32 pixels per side (it halves the image five times)",
        "nst-course: error: bad.csv line 4 (id ok): id 'ok' is used by an earlier row",
        "nst-course: error: 3 invalid rows (above); nothing was run: fix them or pass --skip-invalid",
    ]
    assert not out.exists()
    # --skip-invalid: the rows are left out (here all of them) and recorded; exit status 1
    result = nst("batch", manifest, "--out", out, "--width", 20, "--skip-invalid", *COMMON[2:])
    assert result.returncode == 1, result.stderr
    rows = read_results(out / "results.csv")
    assert [(r["id"], r["status"]) for r in rows] == [
        ("invalid-1", "skipped"),
        ("ok", "skipped"),
        ("invalid-3", "skipped"),
    ]
    assert (
        rows[0]["error"] == "invalid (bad.csv line 2): argument --seed: 'abc' is not a whole number"
    )
    unknown = write_manifest(pictures / "unknown.csv", ["a.png,s.png,3"], "content,style,colour")
    result = nst("batch", unknown, "--out", out)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("nst-course: error: %s: unknown column 'colour'; " % unknown)
    assert "style-blend-weights" in result.stderr  # the run options, from the run parser


def test_a_column_per_run_option(pictures, tiny_mat):
    """Every run option (a RunOptions field) is a manifest column, checked like `run`."""
    from nst_course.batch.manifest import manifest_jobs, run_defaults

    manifest = write_manifest(
        pictures / "columns.csv",
        ["a.png,s.png,lbfgs,0.5,yes,conv1_1:1", "a.png,\"s.png,t.png\",,,no,"],
        "content,style,optimizer,tv-weight,preserve_colors,style-layers",
    )
    jobs, errors = manifest_jobs(str(manifest), run_defaults(), "out")
    assert errors == []
    first, second = (job.options for job in jobs)
    assert (first.optimizer, first.tv_weight, first.preserve_colors, first.style_layers) == (
        "lbfgs",
        0.5,
        True,
        [("conv1_1", 1.0)],
    )
    assert (second.optimizer, second.tv_weight, second.preserve_colors, second.iterations) == (
        "adam",
        0.0,
        False,
        200,
    )
    assert second.style == [str(pictures / "s.png"), str(pictures / "t.png")]
    assert [job.id for job in jobs] == ["a_s", "a_s+t"]


def _start(args, env):
    return subprocess.Popen(
        args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )


def _stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def test_an_existing_cluster_with_a_worker_killed_mid_batch(pictures, tiny_mat, tmp_path):
    """`dask scheduler` + two `dask worker` processes; one is killed after the first result:
    every job ends done exactly once, the weights are loaded once per worker process, and the
    surviving worker's memory stays flat over its jobs (each job's graph is freed)."""
    dask = os.path.join(os.path.dirname(sys.executable), "dask")
    env = batch_env()
    address_file = tmp_path / "scheduler.json"
    procs = [
        _start(
            [
                dask,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                address_file,
            ],
            env,
        )
    ]
    try:
        deadline = time.time() + 120
        while not address_file.exists() and time.time() < deadline:
            time.sleep(0.2)
        import json

        time.sleep(0.5)
        address = json.loads(address_file.read_text())["address"]
        for _ in range(2):
            procs.append(
                _start(
                    [
                        dask,
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--no-nanny",
                        "--host",
                        "127.0.0.1",
                        "--no-dashboard",
                    ],
                    env,
                )
            )
        options = dict(
            width=W,
            height=H,
            iterations=2,
            save_every=1,
            print_every=1,
            weights=tiny_mat,
            alpha=10.0,
            beta=40.0,
            learning_rate=2.0,
            noise_ratio=0.6,
            init="noise",
            require_pretrained=False,
            max_pixels=10**6,
        )
        jobs = [
            Job(
                "job%02d" % k,
                SimpleNamespace(
                    content=str(pictures / "a.png"),
                    style=[str(pictures / "s.png")],
                    seed=k,
                    **options,
                ),
            )
            for k in range(20)
        ]
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=180)
            pids = {proc.pid for proc in procs[1:]}  # --no-nanny: the worker itself
            results, killed = [], None
            for result in run_jobs(jobs, str(tmp_path / "out"), client=client):
                results.append(result)
                if killed is None:  # the other worker is in the middle of a job now
                    killed = (pids - {result.worker["pid"]}).pop()
                    os.kill(killed, signal.SIGKILL)
        assert sorted(r.id for r in results) == sorted(j.id for j in jobs)  # each exactly once
        assert {r.status for r in results} == {"done"}, [r.error for r in results]
        for job in jobs:
            assert {
                n for n in os.listdir(tmp_path / "out" / job.id) if not n.startswith(".")
            } == RUN_FILES
        assert {r.worker["loads"] for r in results} == {1}
        survivor = [r.worker["rss"] for r in results if r.worker["pid"] != killed]
        assert len(survivor) >= 15
        growth = max(survivor[4:]) - survivor[4]
        assert growth < 20 * 2**20, "worker memory grew by %.1f MB" % (growth / 2**20)
    finally:
        for proc in reversed(procs):
            _stop(proc)


def test_ctrl_c_keeps_finished_jobs(pictures, tiny_mat, tmp_path):
    manifest = write_manifest(
        pictures / "four.csv",
        ["a.png,s.png,0,", "b.png,s.png,1,", "a.png,t.png,2,", "b.png,t.png,3,"],
    )
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nst_course",
            "batch",
            str(manifest),
            "--out",
            str(out),
            "--weights",
            tiny_mat,
            "--workers",
            "1",
            # long enough that jobs are still pending when the first one's marker appears,
            # even on an idle machine (at 40 a fast machine could finish all four first)
            "--iterations",
            "200",
            *COMMON[:4],
        ],
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.time() + 300
        while not list(out.glob("*/" + MARKER)) and time.time() < deadline and proc.poll() is None:
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1].startswith("nst-course: batch interrupted: ")
    assert "Traceback" not in stderr
    statuses = [r["status"] for r in read_results(out / "results.csv")]
    assert statuses.count("done") >= 1 and "pending" in statuses
    for row in read_results(out / "results.csv"):
        if row["status"] == "done":
            assert (out / row["id"] / MARKER).exists()
