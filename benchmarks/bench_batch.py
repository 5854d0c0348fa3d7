"""Throughput of ``nst-course batch`` against separate ``nst-course run`` processes.

    python benchmarks/bench_batch.py [--contents 3] [--styles 2] [--size 64] [--iterations 50]
                                     [--rounds 1] [--json PATH]

The same jobs (every pair of ``--contents`` x ``--styles`` synthetic 64x64 images, 50
iterations, ``--weights random``: the true-shape untrained VGG-19, seeded) are run, in each
round, in three ways, one after another in a rotating order, so that the machine's drift
hits them alike:

  separate   one ``nst-course run`` process per job, one after another (today's way)
  batch 2x1  ``nst-course batch`` on an embedded cluster of 2 workers x 1 thread
  batch 1x2  the same with 1 worker x 2 threads

Each is timed from the command's start to its end (cluster start-up, TensorFlow's import and
the weights' load included: what a user waits for). Reported: jobs per minute of each, the
ratios batch / separate and 2x1 / 1x2 of each round, and the load average of the machine
before and after (the machines are shared: quote ratios from one run, with the load).
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


def make_images(folder, count, size, seed):
    import imageio.v2 as imageio
    import numpy as np

    os.makedirs(folder)
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size]
    for k in range(count):
        base = np.stack([x * 255.0 / size, y * 255.0 / size, np.full((size, size), 40.0 * k)], -1)
        pixels = np.clip(base + rng.normal(0, 40, base.shape), 0, 255).astype(np.uint8)
        imageio.imwrite(os.path.join(folder, "%s%d.png" % (os.path.basename(folder), k)), pixels)
    return sorted(os.path.join(folder, n) for n in os.listdir(folder))


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = ROOT + os.pathsep + e.get("PYTHONPATH", "")
    return e


def nst(args):
    return [sys.executable, "-m", "nst_course"] + [str(a) for a in args]


def timed(command):
    start = time.perf_counter()
    result = subprocess.run(command, env=env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(
            "failed (%d): %s\n%s" % (result.returncode, " ".join(command), result.stderr[-2000:])
        )
    return time.perf_counter() - start


def job_options(args):
    return [
        "--width",
        args.size,
        "--height",
        args.size,
        "--iterations",
        args.iterations,
        "--weights",
        "random",
        "--seed",
        0,
    ]


def run_separate(args, contents, styles, out):
    total = 0.0
    for c in contents:
        for s in styles:
            folder = os.path.join(out, "%s_%s" % (os.path.basename(c), os.path.basename(s)))
            total += timed(
                nst(
                    ["run", "--content", c, "--style", s, "--output-dir", folder, "--quiet"]
                    + job_options(args)
                )
            )
    return total


def run_batch(args, contents, styles, out, workers, threads):
    return timed(
        nst(
            [
                "batch",
                "--content",
                *contents,
                "--style",
                *styles,
                "--out",
                out,
                "--workers",
                workers,
                "--threads-per-worker",
                threads,
                "--rerun",
                "--quiet",
            ]
            + job_options(args)
        )
    )


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--contents", type=int, default=3)
    p.add_argument("--styles", type=int, default=2)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--iterations", type=int, default=50)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--json", default=os.path.join(ROOT, "benchmarks", "results", "batch.json"))
    args = p.parse_args(argv)
    work = tempfile.mkdtemp(prefix="bench-batch-")
    try:
        contents = make_images(os.path.join(work, "content"), args.contents, args.size, 0)
        styles = make_images(os.path.join(work, "style"), args.styles, args.size, 1)
        jobs = len(contents) * len(styles)
        ways = {
            "separate": lambda out: run_separate(args, contents, styles, out),
            "batch 2x1": lambda out: run_batch(args, contents, styles, out, 2, 1),
            "batch 1x2": lambda out: run_batch(args, contents, styles, out, 1, 2),
        }
        names = list(ways)
        load_before = os.getloadavg()
        rounds = []
        for r in range(args.rounds):
            order = names[r % len(names) :] + names[: r % len(names)]
            seconds = {}
            for name in order:
                out = os.path.join(work, "out-%d-%s" % (r, name.replace(" ", "")))
                seconds[name] = ways[name](out)
                print(
                    "round %d  %-10s %6.1f s  %5.2f jobs/min  (load %.1f)"
                    % (r + 1, name, seconds[name], jobs / seconds[name] * 60, os.getloadavg()[0]),
                    flush=True,
                )
            rounds.append(
                {
                    "order": order,
                    "seconds": seconds,
                    "jobs_per_minute": {k: jobs / v * 60 for k, v in seconds.items()},
                    "batch_2x1_over_separate": seconds["separate"] / seconds["batch 2x1"],
                    "batch_1x2_over_separate": seconds["separate"] / seconds["batch 1x2"],
                    "2x1_over_1x2": seconds["batch 1x2"] / seconds["batch 2x1"],
                }
            )
        report = {
            "jobs": jobs,
            "size": args.size,
            "iterations": args.iterations,
            "weights": "random (true-shape VGG-19)",
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
            "rounds": rounds,
        }
        for r in rounds:
            print(
                "ratios: batch 2x1 / separate %.2fx, batch 1x2 / separate %.2fx, 2x1 / 1x2 %.2fx"
                % (r["batch_2x1_over_separate"], r["batch_1x2_over_separate"], r["2x1_over_1x2"])
            )
        print(
            "load average before %s, after %s"
            % (
                ", ".join("%.1f" % x for x in load_before),
                ", ".join("%.1f" % x for x in report["load_average_after"]),
            )
        )
        if args.json:
            os.makedirs(os.path.dirname(args.json), exist_ok=True)
            with open(args.json, "w") as fh:
                json.dump(report, fh, indent=1)
        return report
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
