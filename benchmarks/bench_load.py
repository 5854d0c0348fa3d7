"""Load time and peak memory of the VGG-19 weights: scipy.io.loadmat vs nst-course's .npz cache.

    python benchmarks/bench_load.py [--repeat N] [--uncompressed] [--json PATH] [--keep-dir DIR]

Writes a true-shape synthetic ``imagenet-vgg-verydeep-19.mat`` into a temporary directory: all
43 layers, fc6/fc7/fc8 included, random float32 weights (575 MB of arrays), zlib-compressed as
MATLAB's -v7 files are, which makes it about 532 MB, like the real 535 MB file (random weights
compress about as little as trained ones). Then it measures, each in a fresh Python process
(so the peak memory is that load's alone):

  import      the imports only (numpy, scipy.io, nst_course.weights): the baseline
  loadmat     ``scipy.io.loadmat(path)``: the course's way, every variable and layer
  read        ``weights.read_matconvnet(path, keep_fc=False)``: only ``layers``, fc dropped
  first       ``load_weights(path, cache=True)`` with an empty cache: read + write the cache
  cached      ``load_weights(path, cache=True)`` again: reads the .npz cache only

Time is the wall time of the call (median of --repeat runs); peak memory is the process's
peak resident set (VmHWM; the largest over the runs). Files come from the page cache after
the first run (warm), which favours neither side much. The temporary directory is deleted at
the end. Prints a table and the same numbers as JSON.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

CHILD = r"""
import json, os, resource, sys, time
mode, path = sys.argv[1], sys.argv[2]
import numpy, scipy.io
from nst_course import weights
t0 = time.perf_counter()
if mode == "write":  # the true-shape file, written here so the parent never holds it
    from nst_course.weights.synthetic import TRUE_CHANNELS, random_vgg_weights, write_matconvnet
    w = random_vgg_weights(channels=TRUE_CHANNELS, seed=0, include_fc=True)
    write_matconvnet(path, w, layout="current", do_compression=sys.argv[3] == "1")
elif mode == "loadmat":
    scipy.io.loadmat(path)
elif mode == "read":
    weights.read_matconvnet(path, keep_fc=False)
elif mode in ("first", "cached"):
    w = weights.load_weights(path, cache=True)
    assert w.meta.get("cache"), "the cache was not used"
seconds = time.perf_counter() - t0


def peak_mb():
    # VmHWM: this process's peak resident set (reset by exec, unlike ru_maxrss on Linux)
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


print(json.dumps({"seconds": seconds, "maxrss_mb": peak_mb()}))
"""

MODES = ("import", "loadmat", "read", "first", "cached")


def measure(mode, path, env, *extra):
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode, path] + list(extra),
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per mode (median time)")
    parser.add_argument("--json", default=None, help="also write the results to this file")
    parser.add_argument(
        "--uncompressed",
        action="store_true",
        help="write the .mat without compression (the real file is compressed)",
    )
    parser.add_argument("--keep-dir", default=None, help="work here instead of a temporary dir")
    args = parser.parse_args(argv)

    work = args.keep_dir or tempfile.mkdtemp(prefix="nst-bench-load-")
    os.makedirs(work, exist_ok=True)
    try:
        path = os.path.join(work, "imagenet-vgg-verydeep-19.mat")
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(work, "xdg"))
        written = measure("write", path, env, "0" if args.uncompressed else "1")
        size = os.path.getsize(path)
        print(
            "wrote %s: %.1f MB in %.1f s (%s)"
            % (
                path,
                size / 1e6,
                written["seconds"],
                "uncompressed" if args.uncompressed else "zlib-compressed, as the real file",
            ),
            file=sys.stderr,
        )
        results = {}
        for mode in MODES:
            runs = []
            for _ in range(args.repeat if mode != "first" else 1):
                if mode == "first":
                    shutil.rmtree(os.path.join(work, "xdg"), ignore_errors=True)
                runs.append(measure(mode, path, env))
            results[mode] = {
                "seconds": statistics.median(r["seconds"] for r in runs),
                "peak_mb": max(r["maxrss_mb"] for r in runs),
                "runs": len(runs),
            }
        from nst_course.weights.cache import cache_path

        old = os.environ.get("XDG_CACHE_HOME")
        os.environ["XDG_CACHE_HOME"] = env["XDG_CACHE_HOME"]
        cache_size = os.path.getsize(cache_path(path))
        if old is None:
            del os.environ["XDG_CACHE_HOME"]
        else:
            os.environ["XDG_CACHE_HOME"] = old
    finally:
        if not args.keep_dir:
            shutil.rmtree(work, ignore_errors=True)

    base = results["import"]["peak_mb"]
    summary = {
        "mat_bytes": size,
        "mat_compressed": not args.uncompressed,
        "cache_bytes": cache_size,
        "results": results,
        "speedup_cached_vs_loadmat": results["loadmat"]["seconds"] / results["cached"]["seconds"],
        "peak_above_imports_mb": {m: results[m]["peak_mb"] - base for m in MODES if m != "import"},
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
    }
    print("%-8s %10s %12s %16s" % ("mode", "time (s)", "peak (MB)", "peak - imports"))
    for mode in MODES:
        r = results[mode]
        print("%-8s %10.3f %12.0f %16.0f" % (mode, r["seconds"], r["peak_mb"], r["peak_mb"] - base))
    print(
        "file %.1f MB, cache %.1f MB; cached load %.1fx faster than loadmat"
        % (size / 1e6, cache_size / 1e6, summary["speedup_cached_vs_loadmat"])
    )
    text = json.dumps(summary, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as fh:
            fh.write(text + "\n")
    return summary


if __name__ == "__main__":
    main()
