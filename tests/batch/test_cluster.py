"""The Dask seam (nst_course.batch.cluster) on a real LocalCluster of worker processes."""

import os

from nst_course.batch.cluster import TaskFailed, connect, run_tasks, worker_environment


def square_or_fail(payload):
    if payload == 3:
        raise ValueError("three is not allowed")
    return payload * payload, os.getpid(), os.environ.get("TF_NUM_INTRAOP_THREADS")


def test_every_task_once_and_a_failure_stays_alone():
    with connect(workers=2, threads_per_worker=1) as client:
        results = dict(run_tasks(client, square_or_fail, {"k%d" % i: i for i in range(6)}))
    assert sorted(results) == ["k%d" % i for i in range(6)]
    assert isinstance(results["k3"], TaskFailed) and results["k3"].message == "three is not allowed"
    done = {k: v for k, v in results.items() if k != "k3"}
    assert {k: v[0] for k, v in done.items()} == {"k0": 0, "k1": 1, "k2": 4, "k4": 16, "k5": 25}
    assert all(v[1] != os.getpid() for v in done.values())  # ran in worker processes
    assert {v[2] for v in done.values()} == {"1"}  # TensorFlow's pool sized to the worker


def test_a_users_setting_wins(monkeypatch):
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    env = worker_environment(2)
    assert env["TF_ENABLE_ONEDNN_OPTS"] == "0" and env["TF_NUM_INTRAOP_THREADS"] == "2"
