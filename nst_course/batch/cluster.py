"""The one seam to Dask distributed: start or join a cluster, submit tasks, collect results.

Everything of ours that runs many independent tasks (``nst-course batch``, ``nst-course
grade``, the figures' panels) goes through here, so the same code runs on an embedded
:class:`distributed.LocalCluster` of this machine's cores or on an existing cluster
(``--scheduler tcp://HOST:PORT``)::

    with connect(scheduler=None, workers=2, threads_per_worker=1) as client:
        for key, outcome in run_tasks(client, work, {"job-1": payload1, ...}):
            if isinstance(outcome, TaskFailed): ...   # the task raised: outcome.message
            else: ...                                  # the task's return value

Payloads and results travel as picklable values (bytes, dicts of numbers), never as paths, so
workers need no shared filesystem. Results are handled by the caller (the client) as they
arrive; a task whose worker died is re-run by the scheduler on another worker and still comes
back exactly once.

Worker processes of the embedded cluster get :func:`worker_environment`: the variables of every
process of ours that trains (:func:`nst_course.run.onednn.training_environment`: oneDNN on and
its frozen-weights mode, unless the user set them), TensorFlow's and the BLAS thread pools
sized to the worker's threads, and Dask's profiler off (it made a worker's memory grow with
every job). Workers of an existing cluster (``--scheduler``) have the environment their owner
gave them (the README's cluster plan); a task that trains may still call
:func:`nst_course.run.onednn.enable_onednn` before it imports TensorFlow (a no-op in a worker
that has loaded it already).
"""

import contextlib
import logging
import os
import warnings
from dataclasses import dataclass

from ..run.onednn import training_environment

#: The dashboard is off: a grader or a batch needs no web server of its own.
DASHBOARD = None
#: Dask's setting (as an environment variable) that turns a worker's profiler on or off.
PROFILER_VAR = "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED"


@dataclass
class TaskFailed:
    """A task that raised: its exception's type name and one-line message."""

    error_type: str
    message: str

    def __str__(self):
        return self.message or self.error_type


def default_split(cores=None):
    """(workers, threads per worker) for this machine: one worker process with a thread per core.

    Measured for a batch of equal jobs (``benchmarks/bench_batch.py``, 9 jobs of 64x64 and 50
    iterations on 2 cores, see the README): 1 worker x 2 threads finished them 1.9x faster
    than 2 workers x 1 thread, and holds TensorFlow and the weights once instead of twice.
    Callers may override (e.g. ``workers=cores, threads_per_worker=1`` to keep tasks in
    separate processes).
    """
    cores = cores or os.cpu_count() or 1
    return 1, max(1, cores)


def worker_environment(threads_per_worker=1, extra=None):
    """Environment variables for a worker process, set before it imports TensorFlow.

    A user's own setting of any of them wins (taken from this process's environment). The
    oneDNN variables follow the one rule of :func:`nst_course.run.onednn.training_environment`.
    """
    threads = str(max(1, int(threads_per_worker)))
    env = training_environment()
    env.update(
        {
            "TF_NUM_INTRAOP_THREADS": threads,
            "TF_NUM_INTEROP_THREADS": "1",
            "OMP_NUM_THREADS": threads,
            "OPENBLAS_NUM_THREADS": threads,
            "MKL_NUM_THREADS": threads,
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "MALLOC_ARENA_MAX": "2",
            # Dask's statistical profiler (for the dashboard, which we do not run) keeps the
            # stacks it samples: with TensorFlow's deep stacks a worker grew by ~2.5 MB per job.
            PROFILER_VAR: "False",
        }
    )
    env.update(extra or {})
    for name in list(env):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


#: Dask's log level in a quiet batch. Not ERROR: after Ctrl-C a worker's heartbeat can meet the
#: closed scheduler and log its CommClosedError with a traceback, which the user must not see
#: (job failures reach results.csv through the tasks themselves).
QUIET_LEVEL = logging.CRITICAL

#: Dask's loggers, quiet unless asked (their start-up and shut-down chatter is of no use here).
DASK_LOGGERS = (
    "distributed",
    "distributed.nanny",
    "distributed.scheduler",
    "distributed.worker",
    "distributed.core",
    "distributed.http.proxy",
)


@contextlib.contextmanager
def connect(
    scheduler=None, workers=None, threads_per_worker=None, memory_limit="auto", env=None, quiet=True
):
    """A :class:`distributed.Client` for the duration of the ``with`` block.

    ``scheduler`` -- None: start an embedded LocalCluster of worker *processes* on 127.0.0.1
    (``workers`` x ``threads_per_worker``, default :func:`default_split`), closed at the end;
    or the address of an existing scheduler (``tcp://HOST:PORT``), whose workers are used as
    they are (their environment is theirs to set).
    ``env`` -- extra environment variables for the embedded cluster's workers.
    """
    import dask  # here: importing Dask takes a second; only a batch needs it
    from distributed import Client, LocalCluster

    # the scheduler's small HTTP server (health, metrics) takes another port when 8787 is busy
    warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
    if quiet:
        for name in DASK_LOGGERS:
            logging.getLogger(name).setLevel(QUIET_LEVEL)
    if scheduler:
        client = Client(scheduler, timeout="20s")
        try:
            yield client
        finally:
            client.close()
        return
    default_workers, default_threads = default_split()
    workers = workers or default_workers
    threads = threads_per_worker or default_threads
    environment = worker_environment(threads, env)
    profile = environment[PROFILER_VAR].strip().lower() in ("1", "true", "yes")
    with dask.config.set({"distributed.worker.profile.enabled": profile}):  # the nannies pass it on
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=threads,
            processes=True,
            host="127.0.0.1",
            dashboard_address=DASHBOARD,
            memory_limit=memory_limit,
            silence_logs=QUIET_LEVEL if quiet else None,
            env=environment,
        )
    try:
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def run_tasks(client, function, payloads, retries=0, pure=False):
    """Submit ``function(payload)`` for each ``key: payload`` of ``payloads`` (a dict); yield
    ``(key, result)`` as tasks finish, in completion order, each key exactly once.

    A task that raises yields ``(key, TaskFailed(...))`` and the others go on (``retries``:
    how often Dask re-runs a task that raised before giving up; 0 by default, as our tasks
    fail for reasons that a re-run does not change). A worker that dies mid-task makes the
    scheduler re-run its tasks on another worker (Dask's ``allowed-failures``), so its result
    still comes back once. On exit from the generator (the caller stopped, Ctrl-C) the
    unfinished tasks are cancelled.
    """
    from distributed import as_completed

    futures = {}
    for key, payload in payloads.items():
        future = client.submit(
            function,
            payload,
            key="%s-%s" % (getattr(function, "__name__", "task"), key),
            pure=pure,
            retries=retries,
        )
        futures[future] = key
    pending = set(futures)
    try:
        for future in as_completed(list(futures)):
            key = futures[future]
            pending.discard(future)
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - a task's failure is data for the caller
                message = " ".join(str(exc).split()) or type(exc).__name__
                result = TaskFailed(type(exc).__name__, message)
            future.release()
            yield key, result
    finally:
        if pending:
            client.cancel(list(pending), force=True)
