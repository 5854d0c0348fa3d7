"""``nst-course grade``: grade submissions, one sandboxed task each, on Dask; the client alone
writes the gradebook, the CSV and the feedback, as the results arrive.

One submission (and no ``--scheduler``) is graded in this process, without a cluster. A
re-run grades only the submissions whose content changed (``--force``: all). Ctrl-C ends the
in-flight tasks (and so their sandboxes); what finished is in the gradebook.
"""

import collections
import json
import os
import secrets
import shutil
import sys
from dataclasses import asdict, dataclass, field

from .extract import SubmissionError, find_submissions
from .gradebook import Gradebook, write_feedback
from .sandbox import GB, Limits, require_sandbox


@dataclass
class GradeOptions:
    submissions: list = field(default_factory=list)
    out: str = "grades"
    timeout: float = 120.0
    memory: float = 4.0  # GB
    workers: int | None = None
    scheduler: str | None = None
    force: bool = False
    json: bool = False
    seed: int | None = None
    no_sandbox: bool = False


def _payload(submission, options, seed, notes):
    return {
        "student": submission.student,
        "files": submission.files,
        "sha256": submission.sha256,
        "seed": seed,
        "problem": submission.problem,
        "notes": list(notes) + list(submission.notes),
        "confined": not options.no_sandbox,
        "limits": asdict(Limits(timeout=options.timeout, memory=options.memory * GB)),
    }


def _results(payloads, options):
    """Yield (student, result or TaskFailed) as the submissions are graded."""
    from .grader import grade_submission

    if len(payloads) == 1 and not options.scheduler:
        ((student, payload),) = payloads.items()
        yield student, grade_submission(payload)
        return
    import warnings

    from ..batch.cluster import connect, run_tasks

    # the embedded scheduler's dashboard moves to a free port when 8787 is taken: not news
    warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
    workers = options.workers or min(len(payloads), os.cpu_count() or 1)
    with connect(scheduler=options.scheduler, workers=workers, threads_per_worker=1) as client:
        yield from run_tasks(client, grade_submission, payloads)


def grade(options, stdout=None, stderr=None):
    """Grade ``options.submissions``; write under ``options.out``; print the report.
    Returns the exit status: 0 when every submission was graded, 1 when one could not be."""
    from .. import _progress
    from ..run.safety import Interrupted, deferred_signals
    from .points import GRADED

    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    submissions = find_submissions(options.submissions)
    # no sandbox here: one line, nothing runs (on an external cluster each worker checks its own)
    sandbox_notes: tuple = ()
    if not options.scheduler or options.no_sandbox:
        sandbox_notes = require_sandbox(options.no_sandbox)
    if options.no_sandbox:
        print("warning: %s" % sandbox_notes[0], file=stderr, flush=True)
    file_names = {s.student: s.file_name for s in submissions}
    if os.path.exists(options.out) and not os.path.isdir(options.out):
        raise SubmissionError(
            "--out %s is a file, not a folder; choose another --out" % options.out
        )
    seed = options.seed if options.seed is not None else secrets.randbelow(2**31)
    done, failed = [], {}
    with Gradebook(options.out) as book:
        todo = [s for s in submissions if options.force or book.graded_hash(s.student) != s.sha256]
        kept = [s.student for s in submissions if s not in todo]
        payloads = {s.student: _payload(s, options, seed, sandbox_notes) for s in todo}
        single = len(submissions) == 1
        progress = _progress.Reporter(
            len(submissions),
            "grading",
            stream=stderr,
            enabled=not single,
            initial=len(kept),
            unit="submission",
            line="graded {done}/{total}  {postfix}",
        )
        if kept:
            progress.note(
                "%d of %d submissions unchanged since they were graded: kept (--force grades "
                "them again)" % (len(kept), len(submissions))
            )
        with progress:
            try:
                for student, result in _results(payloads, options) if payloads else ():
                    if not isinstance(result, dict):  # a TaskFailed: not recorded, tried again
                        failed[student] = str(result)
                        line = "%s: could not be graded: %s" % (student, result)
                    else:
                        with deferred_signals():
                            book.record(result)
                            write_feedback(options.out, result, file_names.get(student))
                        done.append(student)
                        line = "%s: %s / %s" % (
                            student,
                            _n(result["total"]),
                            _n(result["max_total"]),
                        )
                    progress.advance(1, line)
            except KeyboardInterrupt as exc:
                progress.close()
                book.write_csv(GRADED)
                signum = getattr(exc, "signum", 2)
                raise Interrupted(
                    signum,
                    "interrupted: %d submission(s) graded and kept in %s; run the "
                    "same command again to grade the rest"
                    % (len(kept) + len(done), os.path.join(options.out, "gradebook.db")),
                ) from None
        book.write_csv(GRADED)
        results = [book.result(s.student) for s in submissions if s.student not in failed]
    if single and not failed:
        _print_one(results[0], options, stdout)
    else:
        _print_class(results, failed, kept, options, stdout)
        if not options.json:
            for note in sandbox_notes:
                print("note: %s" % note, file=stdout)
    if single and failed:
        raise SubmissionError(
            "%s could not be graded: %s" % (submissions[0].student, failed[submissions[0].student])
        )
    return 1 if failed else 0


def _n(value):
    return "%g" % value


def _print_one(result, options, stdout):
    if options.json:
        print(json.dumps(result, indent=2), file=stdout)
        return
    if result.get("problem"):  # the whole submission: said once, not once per function
        print("%s: %s" % (result["student"], result["problem"]), file=stdout)
    else:
        for row in result["functions"]:
            print(
                "%s: %s/%s  %s"
                % (row["function"], _n(row["points"]), _n(row["max_points"]), row["hint"]),
                file=stdout,
            )
    print("total: %s/%s" % (_n(result["total"]), _n(result["max_total"])), file=stdout)
    for note in result.get("notes", []):
        print("note: %s" % note, file=stdout)


def summary(results, top=5):
    """Mean points per function and the most frequent hints of failed functions."""
    from .points import GRADED

    means = {}
    for name in GRADED:
        points = [
            row["points"] for r in results for row in r["functions"] if row["function"] == name
        ]
        means[name] = sum(points) / len(points) if points else 0.0
    hints = collections.Counter(
        r["problem"] if r.get("problem") else row["hint"]
        for r in results
        for row in (r["functions"][:1] if r.get("problem") else r["functions"])
        if row["status"] != "passed"
    )
    totals = [r["total"] for r in results]
    return {
        "graded": len(results),
        "mean": means,
        "mean_total": sum(totals) / len(totals) if totals else 0.0,
        "max_total": results[0]["max_total"] if results else 0.0,
        "frequent_hints": [{"hint": h, "count": c} for h, c in hints.most_common(top)],
    }


def _print_class(results, failed, kept, options, stdout):
    from .summary import format_summary

    info = summary(results)
    if options.json:
        print(
            json.dumps(
                {"submissions": results, "failed": failed, "kept": kept, "summary": info}, indent=2
            ),
            file=stdout,
        )
        return
    print(
        "graded %d submission(s)%s%s; results in %s"
        % (
            len(results),
            " (%d unchanged, kept)" % len(kept) if kept else "",
            ", %d could not be graded" % len(failed) if failed else "",
            options.out,
        ),
        file=stdout,
    )
    print(format_summary(results, shutil.get_terminal_size((100, 24)).columns), file=stdout)
    for student, reason in failed.items():
        print("could not grade %s: %s" % (student, reason), file=stdout)
