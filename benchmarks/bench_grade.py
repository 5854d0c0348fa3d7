"""How fast ``nst-course grade`` grades a class on this machine: submissions per minute on 1
and on 2 workers of the embedded Dask cluster, and the grader's own time per submission.

    python benchmarks/bench_grade.py [--students 8] [--json results.json]

A class of ``--students`` correct submissions (the tests' samples) is graded twice with
``--force``, once per worker count, in a temporary folder. Reported per run: the wall time
(from the command's start, the cluster's start included), submissions per minute, and per
submission the task's time, the time inside the student's functions (the checks' probes,
as the child measured them) and the difference: the grader's overhead (starting the sandbox
child, importing TensorFlow there, the warm-up, judging in the parent). One run each: on a
shared machine the ratio moves by tens of percent from run to run.
"""

import argparse
import io
import json
import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def make_class(folder, students):
    from tests import grade_samples as samples

    os.makedirs(folder, exist_ok=True)
    for index in range(students):
        name = "student%02d" % index
        if index % 2:
            data, ext = samples.notebook(), ".ipynb"
        else:
            data, ext = samples.python_file(), ".py"
        with open(os.path.join(folder, name + ext), "wb") as handle:
            handle.write(data)


def run(folder, out, workers):
    from nst_course.grading.runner import GradeOptions, grade

    stdout = io.StringIO()
    started = time.monotonic()
    status = grade(
        GradeOptions(submissions=[folder], out=out, workers=workers, force=True, json=True),
        stdout=stdout,
        stderr=io.StringIO(),
    )
    wall = time.monotonic() - started
    document = json.loads(stdout.getvalue())
    subs = document["submissions"]
    task = sum(s["seconds"] for s in subs) / len(subs)
    inside = sum(row["seconds"] for s in subs for row in s["functions"]) / len(subs)
    return {
        "workers": workers,
        "status": status,
        "students": len(subs),
        "wall_s": round(wall, 1),
        "per_minute": round(60.0 * len(subs) / wall, 2),
        "task_s": round(task, 2),
        "student_code_s": round(inside, 2),
        "overhead_s": round(task - inside, 2),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument("--json", default=None, help="also write the results to this file")
    args = parser.parse_args()
    base = tempfile.mkdtemp(prefix="bench-grade-")
    try:
        folder = os.path.join(base, "class")
        make_class(folder, args.students)
        results = [run(folder, os.path.join(base, "grades"), workers) for workers in (1, 2)]
    finally:
        shutil.rmtree(base, ignore_errors=True)
    for r in results:
        print(
            "%d worker(s): %d submissions in %.1f s = %.2f / minute; per submission %.2f s, of which "
            "%.2f s in the student's functions and %.2f s the grader's own"
            % (
                r["workers"],
                r["students"],
                r["wall_s"],
                r["per_minute"],
                r["task_s"],
                r["student_code_s"],
                r["overhead_s"],
            )
        )
    ratio = results[1]["per_minute"] / results[0]["per_minute"]
    print("2 workers / 1 worker: %.2fx (one run each)" % ratio)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(
                {"runs": results, "ratio_2_over_1": round(ratio, 2), "cores": os.cpu_count()},
                handle,
                indent=2,
            )


if __name__ == "__main__":
    main()
