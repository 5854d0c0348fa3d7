"""One batch job on a worker: bytes in, the main job, bytes out.

A job's payload (built by the client, :mod:`.engine`) is a plain dict::

    {"id": "tubingen_monet",
     "options": {...RunOptions fields...},   # content/style/init name files of "inputs"
     "inputs": {"content.jpg": b"...", ...}}

:func:`run_job` writes the inputs into a temporary directory of its own, runs the main job
(:func:`nst_course.run.runner.run`, quiet) with its output directory there, and returns every
file the run wrote as bytes, so the worker needs no filesystem shared with the client. Each
job builds its graph in a fresh ``tf.Graph`` (as ``run`` does) that is freed when it ends.

The VGG weights are resolved on the worker (``--weights``, else the lookup order:
``$NST_VGG_MODEL``, the course's place, the user cache) and loaded **once per worker
process**: :func:`worker_weights` keeps the last set in this module, and each job gets a
shallow copy (the run drops the copy's arrays, not the kept ones).
"""

import copy
import csv
import gc
import os
import shutil
import tempfile
import threading
import time

from ..errors import describe
from ..run.options import RunOptions
from ..weights import find_weights, weights_for_run

#: The weights this worker process loaded: {"key": ..., "weights": VGGWeights, "warning": str}.
_KEPT: dict = {}
_LOCK = threading.Lock()
#: How many times this process loaded weights (reported with each result; tests read it).
LOADS = [0]


def _stamp(found):
    """What identifies a weights source: the path's size and modification time (or the name)."""
    if found is None or found == "random":
        return None
    try:
        st = os.stat(found)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def worker_weights(source, require_pretrained=False):
    """(weights, warning text) for a job: loaded on the first job, then kept for the next.

    ``source`` is the job's ``weights`` option (a path, ``'random'`` or None for the lookup
    order). The untrained-network warning is returned (the client shows it once), not printed
    on the worker.
    """
    found = find_weights(source)
    key = (found, _stamp(found), bool(require_pretrained))
    with _LOCK:
        if _KEPT.get("key") != key:
            _KEPT.clear()  # one set at a time: a worker's memory holds one network
            warnings = []
            weights = weights_for_run(
                source, require_pretrained=require_pretrained, warn=warnings.append
            )
            LOADS[0] += 1
            _KEPT.update(key=key, weights=weights, warning="\n".join(warnings))
        weights, warning = _KEPT["weights"], _KEPT["warning"]
    job_copy = copy.copy(weights)
    job_copy.layers = [copy.copy(layer) for layer in weights.layers]
    return job_copy, warning


def _rss():
    """This process's resident memory in bytes (0 where it cannot be read)."""
    try:
        import psutil

        return psutil.Process().memory_info().rss
    except Exception:  # noqa: BLE001 - a measurement, never a reason to fail a job
        return 0


def _last_costs(path):
    """(total, content, style) of the last row of costs.csv, or None."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except OSError:
        return None
    if len(rows) < 2:
        return None
    return tuple(float(x) for x in rows[-1][1:4])


def _collect(directory):
    """{file name: bytes} of the files a run wrote (its output directory is flat)."""
    files = {}
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if os.path.isfile(path) and not name.startswith("."):
            with open(path, "rb") as fh:
                files[name] = fh.read()
    return files


def _local_options(payload, workdir, fields):
    """The job's options with its input files written into ``workdir/in`` (and named there),
    its output directory ``workdir/out``, quiet."""
    inputs = os.path.join(workdir, "in")
    os.makedirs(inputs)
    for name, data in payload.get("inputs", {}).items():
        with open(os.path.join(inputs, os.path.basename(name)), "wb") as fh:
            fh.write(data)
    options = {k: v for k, v in payload["options"].items() if k in fields}

    def local(name):
        return os.path.join(inputs, os.path.basename(name))

    options["content"] = local(options["content"])
    options["style"] = [local(s) for s in options["style"]]
    if options.get("init") not in (None, "noise", "content", "style"):
        options["init"] = local(options["init"])
    options.update(output_dir=os.path.join(workdir, "out"), quiet=True, resume=None)
    return options


def run_job(payload):
    """Run one job (see the module's docstring); returns a dict of plain values::

        {"id", "error": None or one line, "seconds", "costs": (total, content, style) or None,
         "files": {name: bytes}, "warning": str, "pid", "rss", "loads"}

    A failure of the run (an unreadable image, a NaN cost, bad weights) is returned as its
    one-line ``error`` with whatever files the run had written, never raised: the batch
    records it and goes on.
    """
    started = time.time()
    from ..run.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()
    from ..run.runner import run

    workdir = tempfile.mkdtemp(prefix="nst-course-job-")
    try:
        options = _local_options(payload, workdir, RunOptions.__dataclass_fields__)
        error, warning = None, ""
        try:
            weights, warning = worker_weights(
                options.get("weights"), options.get("require_pretrained", False)
            )
            options["weights"] = weights
            run(RunOptions(**options))
        except Exception as exc:  # noqa: BLE001 - a job's failure is data for the batch
            error = describe(exc)
        out = options["output_dir"]
        files = _collect(out) if os.path.isdir(out) else {}
        costs = _last_costs(os.path.join(out, "costs.csv"))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    # The job's graph is now garbage, but in reference cycles (a graph and its handles):
    # collect them now, or a worker that makes few Python objects per job keeps many graphs.
    gc.collect()
    return {
        "id": payload["id"],
        "error": error,
        "seconds": time.time() - started,
        "costs": costs,
        "files": files,
        "warning": warning,
        "pid": os.getpid(),
        "rss": _rss(),
        "loads": LOADS[0],
    }
