"""``nst-course batch``: many content x style jobs on Dask, from one laptop to a cluster.

    nst-course batch MANIFEST.csv [--output-dir DIR] [run options as defaults]
    nst-course batch --content FILE|DIR[,...] --style FILE|DIR[,...] [--output-dir DIR] [...]
    ... [--workers N] [--threads-per-worker N] [--scheduler tcp://HOST:PORT] [--skip-invalid]

Every ``nst-course run`` option (but --content, --style, --output-dir, --resume,
--checkpoint-every, --quiet) is also a batch option: the default for every job, and a manifest
column. Both are built from :class:`~nst_course.run.options.RunOptions`' fields, so new run
options come for free.

Exit status: 0 when every job is done (now or by an earlier run), 1 when some failed or were
left out as invalid (the summary names them), 2 for usage errors (including a manifest with
invalid rows, refused before any work unless --skip-invalid), 130 on Ctrl-C (finished jobs
are kept; run the same command again to do the rest).
"""

import argparse
import os
import sys
import time

from .._progress import Reporter
from .._values import CommaOrSpaceList, positive_int
from ..errors import OptionError
from ..run.checks import check_output_dir
from ..run.options import RunOptions, argument, flag_of
from ..run.progress import format_duration
from ..run.safety import Interrupted
from .engine import Job, JobResult, run_jobs
from .manifest import describe_row_error, job_fields, manifest_jobs, pair_jobs, run_defaults
from .report import contact_sheet, write_results

DEFAULT_OUT = "batch-output"


def add_parser(subparsers, formatter_class, parser_class=None):
    """Add ``batch`` to ``subparsers``: its own options and every job option of ``run``."""
    p = subparsers.add_parser(
        "batch",
        help="many content x style jobs at once, on Dask",
        formatter_class=formatter_class,
        description="Run many jobs of `nst-course run` on an embedded Dask cluster of this "
        "machine's cores, or on an existing one (--scheduler). Each job's files go to "
        "DIR/<id>/ (--output-dir DIR), a line per job to DIR/results.csv, all results to "
        "DIR/contact_sheet.png.",
    )
    _add_jobs(p)
    _add_cluster(p)
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    g = p.add_argument_group("run options (the default for every job; also manifest columns)")
    for f in job_fields():  # only what the user gives overrides run's default
        g.add_argument(flag_of(f.name), **argument(f, default=argparse.SUPPRESS))
    p.set_defaults(handler=cmd_batch)
    return p


def _add_jobs(p):
    """Where the jobs come from and where their results go."""
    p.add_argument(
        "manifest",
        nargs="?",
        default=None,
        metavar="MANIFEST.csv",
        help="CSV with a header: content,style[,id][,<any run option>...]; paths "
        "relative to its folder",
    )
    p.add_argument(
        "--content",
        action=CommaOrSpaceList,
        nargs="+",
        metavar="FILE|DIR[,...]",
        help="content images (files or folders), comma-separated as in every command (the "
        "space-separated form, --content a.jpg b.jpg, works too): with --style, every pair "
        "is a job",
    )
    p.add_argument(
        "--style",
        action=CommaOrSpaceList,
        nargs="+",
        metavar="FILE|DIR[,...]",
        help="style images (files or folders), comma-separated like --content",
    )
    p.add_argument(
        "--output-dir",
        "--out",
        dest="out",
        default=DEFAULT_OUT,
        metavar="DIR",
        help="where the results go (--out, its older name, works too)",
    )
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="leave out invalid manifest rows (recorded as skipped) instead of refusing",
    )
    p.add_argument(
        "--rerun",
        action="store_true",
        help="run every job again, even those complete from an earlier batch",
    )


def _add_cluster(p):
    """The Dask cluster the jobs run on."""
    p.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        metavar="N",
        help="worker processes of the embedded cluster (default: the measured split: docs, "
        "Workshops and clusters)",
    )
    p.add_argument(
        "--threads-per-worker",
        type=positive_int,
        default=None,
        metavar="N",
        help="threads of each embedded worker (and TensorFlow's pool size)",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="tcp://HOST:PORT",
        help="use an existing Dask cluster instead of an embedded one",
    )


def _jobs(args, out):
    """(jobs, errors, batch options) from the command line (see :mod:`.manifest`)."""
    options = run_defaults()
    options.update({name: getattr(args, name) for name in options if hasattr(args, name)})
    if args.manifest and (args.content or args.style):
        raise OptionError("give a manifest or --content/--style, not both")
    if args.manifest:
        return manifest_jobs(args.manifest, options, out)
    if not (args.content and args.style):
        raise OptionError("give a MANIFEST.csv, or --content and --style (files or folders)")
    return pair_jobs(args.content, args.style, options, out)


class JobsProgress:
    """Jobs done / failed / running, jobs per minute and time left, on the package's one
    progress reporter (:class:`nst_course._progress.Reporter`): a bar on a terminal (or a
    notebook widget), else one plain line per finished job."""

    def __init__(self, total, enabled=True, stream=None):
        self.total = total
        self.counts = {"done": 0, "failed": 0, "skipped": 0}
        self.slots = 1
        self.started = None
        self.ran = 0  # jobs finished by workers in this batch (for the rate)
        self.report = Reporter(
            total,
            "nst-course batch",
            stream=stream,
            enabled=enabled,
            unit="job",
            line="[{done}/{total}] {postfix}",
        )

    def start(self, client):
        self.started = time.monotonic()
        try:
            self.slots = max(1, sum(client.nthreads().values()))
        except Exception:  # noqa: BLE001 - only the "running" figure depends on it
            self.slots = 1

    def counts_text(self):
        """``'3 done, 0 failed, 1 skipped, 2 running, 1.5 jobs/min, 1:20 left'``."""
        left = self.total - sum(self.counts.values())
        running = min(left, self.slots) if self.started is not None else 0
        text = "%d done, %d failed, %d skipped, %d running" % (
            self.counts["done"],
            self.counts["failed"],
            self.counts["skipped"],
            running,
        )
        if self.started is not None and self.ran:
            rate = self.ran / max(1e-9, time.monotonic() - self.started) * 60
            text += ", %.1f jobs/min, %s left" % (rate, format_duration(left / rate * 60))
        return text

    def finished(self, result):
        self.counts[result.status] = self.counts.get(result.status, 0) + 1
        if result.status != "skipped" and result.seconds is not None:
            self.ran += 1
        text = self.counts_text()
        if self.report.plain:  # a log: the job's own line, then the counts
            line = "%s %s" % (result.id, result.status)
            if result.seconds is not None and result.status != "skipped":
                line += " in %.1f s" % result.seconds
            if result.costs:  # the saved image's (costs.csv's last row)
                line += ", total cost %.4g" % result.costs[0]
            text = "%s (%s)" % (line, text)
        self.report.advance(1, text)

    def close(self):
        self.report.close()


def _say(args, *lines, stream=None):
    if not args.quiet:
        for line in lines:
            print(line, file=stream or sys.stdout, flush=True)


def cmd_batch(args):
    """Run the batch; returns the exit status (0 all done, 1 some failed or left out)."""
    out = args.out
    check_output_dir(out, ("results.csv", "contact_sheet.png"))
    jobs, errors = _jobs(args, out)
    if errors and not args.skip_invalid:
        _refuse(errors)
    all_jobs, results = list(jobs), {}
    for k, (where, ident, message) in enumerate(errors):  # --skip-invalid: recorded as skipped
        if not ident or ident in results or any(job.id == ident for job in jobs):
            ident = "invalid-%d" % (k + 1)
        stub = Job(ident, RunOptions(content="", style=[]))
        all_jobs.append(stub)
        results[ident] = JobResult(
            ident, "skipped", error="invalid (%s): %s" % (where, message), job=stub
        )
    if not all_jobs:
        raise OptionError("no jobs: the manifest has no rows")
    os.makedirs(out, exist_ok=True)
    started = time.monotonic()
    _run_all(args, jobs, all_jobs, results)
    contact_sheet(os.path.join(out, "contact_sheet.png"), out, jobs, results)
    return _summary(args, all_jobs, results, out, time.monotonic() - started)


def _refuse(errors):
    """Invalid rows without --skip-invalid: one line each, nothing run."""
    lines = [describe_row_error(e) for e in errors]
    if len(lines) == 1:
        raise OptionError(lines[0] + " (nothing was run; fix it or pass --skip-invalid)")
    for line in lines:
        print("nst-course: error: %s" % line, file=sys.stderr, flush=True)
    raise OptionError(
        "%d invalid rows (above); nothing was run: fix them or pass --skip-invalid" % len(lines)
    )


def _run_all(args, jobs, all_jobs, results):
    """Run ``jobs``, results.csv rewritten as each finishes; Ctrl-C keeps what is finished."""
    out = args.out
    results_csv = os.path.join(out, "results.csv")
    progress = JobsProgress(len(jobs), enabled=not args.quiet)
    warned = False
    write_results(results_csv, all_jobs, results)
    try:
        for result in run_jobs(
            jobs,
            out,
            scheduler=args.scheduler,
            workers=args.workers,
            threads_per_worker=args.threads_per_worker,
            resume=not args.rerun,
            on_start=progress.start,
        ):
            results[result.id] = result
            write_results(results_csv, all_jobs, results)
            if result.warning and not warned:
                warned = True
                print(result.warning, file=sys.stderr, flush=True)
            progress.finished(result)
    except KeyboardInterrupt as exc:
        progress.close()
        write_results(results_csv, all_jobs, results)
        kept = sum(1 for r in results.values() if r.status in ("done", "skipped") and not r.error)
        raise Interrupted(
            getattr(exc, "signum", 2),
            "batch interrupted: %d finished job%s kept in %s (see results.csv); "
            "run the same command again to do the rest" % (kept, "" if kept == 1 else "s", out),
        ) from None
    progress.close()


def _summary(args, jobs, results, out, seconds):
    counts = {}
    for job in jobs:
        status = results[job.id].status if job.id in results else "pending"
        if status == "skipped" and results[job.id].error:
            status = "invalid"
        counts[status] = counts.get(status, 0) + 1
    order = ("done", "skipped", "failed", "invalid")
    _say(
        args,
        "batch: %s in %.1f s; results in %s (results.csv, contact_sheet.png)"
        % (", ".join("%d %s" % (counts[k], k) for k in order if counts.get(k)), seconds, out),
    )
    bad = [results[j.id] for j in jobs if results[j.id].status == "failed" or results[j.id].error]
    for result in bad:
        print(
            "nst-course: %s %s: %s"
            % (result.id, "invalid" if result.status == "skipped" else "failed", result.error),
            file=sys.stderr,
            flush=True,
        )
    return 1 if bad else 0
