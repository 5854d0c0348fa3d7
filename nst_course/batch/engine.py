"""Many main jobs on Dask: :func:`run_jobs` sends each :class:`Job` to a worker and writes its
files into ``OUT/<id>/`` as results come back.

The Python API behind ``nst-course batch`` (and the figures' panels)::

    from nst_course.batch import Job, run_jobs
    from nst_course.run.options import RunOptions

    jobs = [Job("a", RunOptions(content="a.jpg", style=["monet.jpg"], iterations=50, seed=0))]
    for result in run_jobs(jobs, "out"):       # in completion order, each job once
        print(result.id, result.status, result.seconds, result.costs, result.error)

Image bytes travel with the tasks and the files come back as bytes (:mod:`.job`); the client
writes them atomically (:mod:`nst_course.files`), then a small ``.nst-batch.json`` that marks
the job complete. A job whose marker matches (same options, same input bytes) and whose files
are all there is *skipped* on the next run, without starting a cluster for it.
"""

import dataclasses
import hashlib
import json
import os
import time
from dataclasses import dataclass, field

from ..errors import describe
from ..files import write_bytes, write_text
from ..run.checks import input_images
from ..run.options import default_of
from ..run.options import fields as option_fields
from .cluster import TaskFailed, connect, run_tasks
from .job import run_job

#: The file that marks a job's outputs complete (written last, inside OUT/<id>/).
MARKER = ".nst-batch.json"
#: Options the batch sets itself for every job (nst_course.batch.job.run_job).
BATCH_SETS = ("output_dir", "quiet", "resume", "checkpoint_every")
#: Options that do not change a job's result (not part of its fingerprint).
_NOT_RESULT = ("output_dir", "quiet", "print_every")
#: Options added after batches first recorded fingerprints: part of a job's fingerprint only
#: when set, so the jobs those batches finished (at the option's default) are still skipped.
_ADDED_LATER = {
    f.name: default_of(f) for f in option_fields() if f.name in ("stop_below", "precision")
}


@dataclass
class Job:
    """One main job: an ``id`` (its folder under OUT) and its :class:`RunOptions` (the images
    are the client's paths). ``label`` (content, style) names its place in a contact sheet."""

    id: str
    options: object  # RunOptions, or an object with its attributes (see option_values)
    label: tuple | None = None


@dataclass
class JobResult:
    """What became of a job. ``status``: ``'done'``, ``'failed'`` or ``'skipped'`` (complete
    from an earlier run, or an invalid row left out); ``costs``: (total, content, style) of
    the saved image (the run's last iteration); ``error``: the one-line reason of a failure."""

    id: str
    status: str
    seconds: float | None = None
    costs: tuple | None = None
    error: str | None = None
    output_dir: str | None = None
    job: Job | None = None
    worker: dict = field(default_factory=dict)  # pid, rss, loads of the worker that ran it
    warning: str = ""


def option_values(options):
    """A job's options as a dict: a :class:`RunOptions` or any object with the same attributes,
    without the options the batch sets itself on the worker (:data:`BATCH_SETS`), so a job's
    fingerprint depends on what it computes only."""
    if dataclasses.is_dataclass(options):
        values = {f.name: getattr(options, f.name) for f in dataclasses.fields(options)}
    else:
        values = dict(vars(options))
    return {k: v for k, v in values.items() if k not in BATCH_SETS}


def _payload(job):
    """The task's payload: options with the images renamed to in0.ext, in1.ext... and their
    bytes (an unreadable file raises OSError here, on the client)."""
    values = option_values(job.options)
    inputs, names = {}, {}
    for path in input_images(job.options):  # content, style(s), an --init image file
        if path not in names:
            name = "in%d%s" % (len(names), os.path.splitext(path)[1].lower())
            with open(path, "rb") as fh:
                inputs[name] = fh.read()
            names[path] = name
    values["content"] = names[job.options.content]
    values["style"] = [names[p] for p in job.options.style]
    if values["init"] in names:
        values["init"] = names[values["init"]]
    return {"id": job.id, "options": values, "inputs": inputs}


def fingerprint(payload):
    """A digest of what decides a job's files: its options and its input images' bytes."""
    digest = hashlib.sha256()
    options = {
        k: v
        for k, v in payload["options"].items()
        if k not in _NOT_RESULT and not (k in _ADDED_LATER and v == _ADDED_LATER[k])
    }
    digest.update(json.dumps(options, sort_keys=True, default=repr).encode())
    for name in sorted(payload["inputs"]):
        digest.update(name.encode() + b"\0" + hashlib.sha256(payload["inputs"][name]).digest())
    return digest.hexdigest()


def completed(directory):
    """The marker of a complete job in ``directory`` (a dict), or None."""
    try:
        with open(os.path.join(directory, MARKER), encoding="utf-8") as fh:
            marker = json.load(fh)
    except (OSError, ValueError):
        return None
    files = marker.get("files", [])
    if not files or not all(os.path.isfile(os.path.join(directory, f)) for f in files):
        return None
    return marker


def write_job_files(directory, files, marker=None):
    """Write ``{name: bytes}`` into ``directory`` atomically, then the marker (if given)."""
    os.makedirs(directory, exist_ok=True)
    for name, data in files.items():
        write_bytes(os.path.join(directory, name), data)
    if marker is not None:
        write_text(os.path.join(directory, MARKER), json.dumps(marker, indent=1, sort_keys=True))


def _failed(job, out, message, seconds=None):
    return JobResult(
        job.id,
        "failed",
        seconds=seconds,
        error=message,
        output_dir=os.path.join(out, job.id),
        job=job,
    )


def run_jobs(
    jobs,
    out,
    scheduler=None,
    workers=None,
    threads_per_worker=None,
    client=None,
    resume=True,
    on_start=None,
):
    """Run ``jobs`` (a list of :class:`Job`, unique ids) on Dask; yield a :class:`JobResult`
    for each, in completion order, after its files are in ``out/<id>/``.

    ``client``: an existing :class:`distributed.Client` to use; otherwise one from
    :func:`.cluster.connect` (``scheduler`` address, or an embedded LocalCluster of
    ``workers`` x ``threads_per_worker``), started only if some job has work to do and closed
    at the end. ``resume``: skip jobs whose outputs are complete (see :func:`completed`).
    ``on_start(client)`` is called once the cluster is up (e.g. to size a progress display).
    Stopping the generator (or Ctrl-C) cancels the jobs not finished; finished ones stay.
    """
    ids = [job.id for job in jobs]
    if len(set(ids)) != len(ids):
        raise ValueError("job ids must be unique")
    payloads, by_id = {}, {job.id: job for job in jobs}
    for job in jobs:
        payload, result = _prepare(job, out, resume)
        if result is not None:
            yield result
        else:
            payloads[job.id] = payload
    if not payloads:
        return
    context = (
        connect(scheduler=scheduler, workers=workers, threads_per_worker=threads_per_worker)
        if client is None
        else _given(client)
    )
    with context as dask_client:
        if on_start is not None:
            on_start(dask_client)
        fingerprints = {key: p.pop("fingerprint") for key, p in payloads.items()}
        for key, outcome in run_tasks(dask_client, run_job, payloads):
            yield _received(by_id[key], out, outcome, fingerprints[key])


def _prepare(job, out, resume):
    """(the job's payload, None) to run it, or (None, its result): skipped as complete from
    an earlier run, or failed (an image that cannot be read)."""
    directory = os.path.join(out, job.id)
    try:
        payload = _payload(job)
    except OSError as exc:  # a missing/unreadable image: this job fails, the others go on
        return None, _failed(job, out, describe(exc))
    payload["fingerprint"] = fingerprint(payload)
    marker = completed(directory) if resume else None
    if marker is not None and marker.get("fingerprint") == payload["fingerprint"]:
        costs = tuple(marker["costs"]) if marker.get("costs") else None
        skipped = JobResult(
            job.id, "skipped", marker.get("seconds"), costs, output_dir=directory, job=job
        )
        return None, skipped
    return payload, None


def _received(job, out, outcome, fingerprint_):
    """The :class:`JobResult` of a finished task, its files written into ``out/<id>/``."""
    directory = os.path.join(out, job.id)
    if isinstance(outcome, TaskFailed):  # the task itself broke (not the run)
        return _failed(job, out, outcome.message)
    files = outcome["files"]
    try:
        marker = None
        if outcome["error"] is None:
            marker = {
                "fingerprint": fingerprint_,
                "files": sorted(files),
                "seconds": outcome["seconds"],
                "costs": outcome["costs"],
                "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
            }
        elif os.path.exists(os.path.join(directory, MARKER)):
            os.unlink(os.path.join(directory, MARKER))  # no longer complete
        write_job_files(directory, files, marker)
    except OSError as exc:
        return _failed(job, out, describe(exc), outcome["seconds"])
    return JobResult(
        job.id,
        "done" if outcome["error"] is None else "failed",
        seconds=outcome["seconds"],
        costs=outcome["costs"],
        error=outcome["error"],
        output_dir=directory,
        job=job,
        worker={k: outcome.get(k) for k in ("pid", "rss", "loads")},
        warning=outcome.get("warning") or "",
    )


class _given:
    """A context manager that lends an existing client (and leaves it open)."""

    def __init__(self, client):
        self.client = client

    def __enter__(self):
        return self.client

    def __exit__(self, *exc):
        return False
