"""How fast ``nst-course grade`` grades a class on this machine, each submission in its own
sandbox: the extra wall time per additional correct submission against a bare
``python -c "import tensorflow"``, and submissions per minute on 1 and 2 workers.

    python benchmarks/bench_grade.py [--students 9] [--json results.json]

All in one run, interleaved, each a fresh command as a teacher runs it (``--force``, in a
temporary folder): a bare TensorFlow import; a class of 1 and a class of ``--students``
correct submissions (the tests' samples) with ``--workers 1``; the same class with
``--workers 2``. Reported: the extra time per additional submission,
``(class of N - class of 1) / (N - 1)``, as a ratio of the bare import (the goal: at most
0.5, TensorFlow's import paid once per worker, not once per student), submissions per minute
for 1 and 2 workers, and the load average at the start and the end (a shared machine moves
these numbers by tens of percent).
"""

import argparse
import json
import os
import shutil
import subprocess
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


def load():
    return os.getloadavg()[0]


def timed(command):
    env = dict(os.environ, PYTHONPATH=ROOT)
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit("failed: %s\n%s" % (" ".join(command), result.stderr[-2000:]))
    return seconds, result.stdout


def grade(folder, out, workers):
    seconds, stdout = timed(
        [sys.executable, "-m", "nst_course", "grade", folder, "--out", out, "--force"]
        + ["--workers", str(workers), "--json", "--timeout", "120"]
    )
    document = json.loads(stdout)
    results = document.get("submissions") or [document]
    full = all(r["total"] == r["max_total"] for r in results)
    return seconds, full


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=9)
    parser.add_argument("--json", default=None, help="also write the results to this file")
    args = parser.parse_args()
    base = tempfile.mkdtemp(prefix="bench-grade-")
    try:
        one, many = os.path.join(base, "one"), os.path.join(base, "many")
        make_class(one, 1)
        make_class(many, args.students)
        load_start = load()
        tf_s, _ = timed([sys.executable, "-c", "import tensorflow"])
        one_s, one_ok = grade(one, os.path.join(base, "g1"), 1)
        many_s, many_ok = grade(many, os.path.join(base, "g9"), 1)
        two_s, two_ok = grade(many, os.path.join(base, "g9b"), 2)
        tf2_s, _ = timed([sys.executable, "-c", "import tensorflow"])
        load_end = load()
    finally:
        shutil.rmtree(base, ignore_errors=True)
    tf_mean = (tf_s + tf2_s) / 2
    extra = (many_s - one_s) / (args.students - 1)
    result = {
        "cores": os.cpu_count(),
        "load_average_start": round(load_start, 2),
        "load_average_end": round(load_end, 2),
        "import_tensorflow_s": [round(tf_s, 2), round(tf2_s, 2)],
        "class_of_1_s": round(one_s, 2),
        "class_of_%d_s" % args.students: round(many_s, 2),
        "extra_per_submission_s": round(extra, 2),
        "ratio_to_import_tensorflow": round(extra / tf_mean, 3),
        "per_minute_1_worker": round(60 * args.students / many_s, 2),
        "per_minute_2_workers": round(60 * args.students / two_s, 2),
        "all_full_marks": one_ok and many_ok and two_ok,
    }
    print(
        "bare import tensorflow: %.2f s and %.2f s; class of 1: %.1f s, class of %d: %.1f s "
        "(1 worker)" % (tf_s, tf2_s, one_s, args.students, many_s)
    )
    print(
        "extra per additional submission: %.2f s = %.2fx a bare TensorFlow import (goal <= 0.5x)"
        % (extra, result["ratio_to_import_tensorflow"])
    )
    print(
        "submissions per minute: %.2f with 1 worker, %.2f with 2 workers (class of %d)"
        % (result["per_minute_1_worker"], result["per_minute_2_workers"], args.students)
    )
    print("load average: %.2f at the start, %.2f at the end" % (load_start, load_end))
    if not result["all_full_marks"]:
        print("WARNING: a correct submission did not get full marks")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(result, handle, indent=2)


if __name__ == "__main__":
    main()
