"""Speed of the style-transfer step: ours vs the modern way (TF2, PyTorch) vs the matmul rate.

Run by hand (never a timed test in CI), on a quiet machine, from the repository root:

    python benchmarks/bench_speed.py                     # 300x400, 15 timed steps each
    python benchmarks/bench_speed.py --sizes 300x400,600x800 --cli --lbfgs
    python benchmarks/bench_speed.py --torch-python PATH/TO/python   # a Python with torch
    python benchmarks/bench_speed.py --onednn-off        # also ours and the course's on Eigen

In one sitting it:
  * builds, each in a live process of its own, the project's graph ("ours":
    nst_course.run.graph.build, exactly what ``nst-course run`` trains, in a process set up as
    the command line sets up its own, see ``worker_env``), the plain course graph
    (build_graph) and the same computation written the modern way (tf.function with Keras
    layers, and with plain tf.nn ops: benchmarks/modern_tf2.py; PyTorch eager:
    benchmarks/torch_eager.py, under ``--torch-python``, the ``NST_TORCH_PYTHON`` variable or
    this Python if it has torch, skipped with a note otherwise: torch is a benchmark-only
    dependency), all on the same true-shape VGG-19 weights with random values (speed does not
    depend on them); the peers run as a user would run them (TensorFlow's own oneDNN choice),
    with ``--onednn-off`` also ours and the course's graph with ``TF_ENABLE_ONEDNN_OPTS=0``;
  * after two warm-up steps each, times one Adam step of each in turn, round after round
    (``interleaved``): s/step is the median of --steps steps, and each ratio the median of
    the per-round ratios, ours against the plain graph, the faster TF2 variant and PyTorch;
  * times a large fp32 matmul and reports our step's achieved GFLOP/s as a fraction of it,
    FLOPs counted from the layers actually computed (forward convs, their input gradients,
    the Gram matrices and their gradients);
  * with --cli, runs ``nst-course run`` on the demo pair with a full-size synthetic .mat
    (fc layers included, as large as the real file), again from the conv-layer cache, and
    from the cache with the weights as the course's constants (oneDNN's frozen-weights mode
    off, see nst_course.run.onednn), reporting wall time to the first cost line, total wall time
    and peak resident memory (and its private part: TensorFlow's shared libraries alone are
    ~480 MB of RSS);
  * with --lbfgs, the wall time L-BFGS needs to reach the cost Adam has after 200
    iterations from the same start, as a ratio to Adam's time.
Results go to benchmarks/results/speed.json (and a table on stdout), with the CPU (model,
vector extensions, the machine's load) and, for each version, its library and whether its
convolutions ran on oneDNN (TensorFlow's and PyTorch's own answers).
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from nst_course.run.allocators import light_environment  # noqa: E402
from nst_course.run.onednn import (
    FROZEN_WEIGHTS_VAR,
    ONEDNN_VAR,
    onednn_in_use,  # noqa: E402
    prepare_training_process,
    training_environment,
)

# The environment the user gave: the peers run in it, as a user would run them.
USER_ENV = dict(os.environ)
# This process (the matmul yardstick, --lbfgs) runs as ``nst-course run`` runs: oneDNN on
# unless the user said otherwise, and the frozen-weights mode (nst_course.run.onednn).
prepare_training_process()

from nst_course._tf import tf, tf1  # noqa: E402
from nst_course.images import reshape_and_normalize_image  # noqa: E402
from nst_course.run.graph import Prepared, build  # noqa: E402
from nst_course.run.options import RunOptions  # noqa: E402
from nst_course.weights.synthetic import random_vgg_weights  # noqa: E402


def step_flops(weights, height, width, opts):
    """FLOPs of one Adam step: forward convs + input-gradient convs + Gram matmuls (fwd+bwd,
    one matmul each way: nst_course.run.fastcosts)."""
    used = {opts.content_layer} | {name for name, _ in opts.style_layers}
    names = weights.names()
    last = max(names.index(n) for n in used)
    h, w, total = height, width, 0
    for layer in weights.layers[: last + 1]:
        if layer.type == "conv":
            k, _, cin, cout = layer.kernel.shape
            total += 2 * (2 * h * w * k * k * cin * cout)  # forward + gradient w.r.t. its input
            if layer.name in {n for n, _ in opts.style_layers}:
                total += 2 * (2 * cout * cout * h * w)  # G = F^T F forward, F (dG + dG^T) backward
        elif layer.type == "pool":
            h, w = (h + 1) // 2, (w + 1) // 2
    return total


def _median_step(sess, train_step, repeats):
    for _ in range(2):  # warm-up
        sess.run(train_step)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        sess.run(train_step)
        times.append(time.perf_counter() - t)
    return float(np.median(times)), times


def test_images(height, width):
    rng = np.random.default_rng(0)
    content = reshape_and_normalize_image(rng.uniform(0, 255, (height, width, 3)))
    style = reshape_and_normalize_image(rng.uniform(0, 255, (height, width, 3)))
    return content, style


def serve(kind, height, width):
    """Build one graph in this (fresh) process, then time one step per ``step`` line on stdin.

    kind 'ours': the main job's graph (nst_course.run.graph.build, what ``nst-course run``
    trains); 'course': the plain course graph (``build_graph``: compute_content_cost,
    compute_style_cost, total_cost, Adam). Prints ``ready {json}`` after two warm-up steps,
    then the seconds of each step; ``quit`` ends it.
    """
    from nst_course.training import build_graph

    weights = random_vgg_weights(include_fc=False, seed=0)
    content, style = test_images(height, width)
    opts = RunOptions(width=width, height=height)
    graph = tf.Graph()
    with graph.as_default(), tf1.Session(graph=graph) as sess:
        if kind == "ours":
            train_step = build(
                opts, Prepared(None, None, content, [style], weights), sess
            ).train_step
        else:
            train_step = build_graph(content, style, weights=weights, sess=sess).train_step
        sess.run(tf1.global_variables_initializer())
        for _ in range(2):  # warm-up
            sess.run(train_step)
        info = {
            "step_gflop": step_flops(weights, height, width, opts) / 1e9,
            "version": "tensorflow " + tf.__version__,
            "onednn": onednn_in_use(),
        }
        print("ready " + json.dumps(info), flush=True)
        for line in sys.stdin:
            if line.strip() != "step":
                break
            t = time.perf_counter()
            sess.run(train_step)
            print(time.perf_counter() - t, flush=True)


def worker_env(kind):
    """The environment of a timing process. 'ours' runs as ``nst-course run`` does: oneDNN on
    and its frozen-weights mode (``training_environment``: unless the user set them) and
    glibc's malloc arenas capped at 2 (``nst_course.run.allocators.limit_malloc_arenas``); the others
    as a user would run them (the user's environment; PyTorch's OpenMP threads passive while
    waiting). A kind ending in ``_onednn_off`` runs
    with ``TF_ENABLE_ONEDNN_OPTS=0`` (TensorFlow's convolutions on Eigen), one ending in
    ``_low_memory`` with ``nst-course run --low-memory``'s allocator (nst_course.run.allocators:
    oneDNN's tensors through malloc, a 1 MiB mmap threshold)."""
    env = dict(USER_ENV)
    if graph_of(kind) == "ours":
        env.update(training_environment(USER_ENV))
        env.setdefault("MALLOC_ARENA_MAX", "2")
    if kind.endswith(OFF):
        env[ONEDNN_VAR] = "0"
    if kind.endswith(LIGHT):
        env.update(light_environment())
    if kind == "torch_eager":
        # PyTorch's OpenMP threads spin while they wait; while other kinds take their step
        # (and on a shared machine) that spinning only steals their cores: 48x64 took 4.8 s a
        # step here on a loaded machine with spinning threads, 0.32 s without.
        env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    return env


#: The suffix of a kind timed with oneDNN off.
OFF = "_onednn_off"
#: The suffix of a kind timed with --low-memory's allocator.
LIGHT = "_low_memory"
#: The suffixes of a kind that is one of the graphs run another way.
VARIANTS = (OFF, LIGHT)


def graph_of(kind):
    """The graph a kind times: the kind without its variant suffix."""
    for suffix in VARIANTS:
        if kind.endswith(suffix):
            return kind[: -len(suffix)]
    return kind


def find_torch_python(given=None):
    """A Python that can import torch: ``given`` (--torch-python), else $NST_TORCH_PYTHON, else
    this Python if it has torch; returns (path or None, a note saying why not)."""
    candidates = [given] if given else [USER_ENV.get("NST_TORCH_PYTHON"), sys.executable]
    for python in filter(None, candidates):
        try:
            proc = subprocess.run(
                [python, "-c", "import torch"], capture_output=True, text=True, timeout=120
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            note = "%s: %s" % (python, exc)
            if given:
                return None, note
            continue
        if proc.returncode == 0:
            return python, ""
        if given:
            return None, "%s cannot import torch" % python
    return None, (
        "PyTorch eager skipped: no Python with torch (give one with --torch-python or "
        "NST_TORCH_PYTHON; torch is a benchmark-only dependency)"
    )


def cpu_info():
    """The CPU: vendor, model name, family/model numbers, and the vector extensions that decide
    TensorFlow's and PyTorch's kernels (from /proc/cpuinfo; the platform's names elsewhere)."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if not line.strip():
                    break  # the first processor is enough
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
    except OSError:
        pass
    flags = fields.get("flags", "").split()
    wanted = (
        "sse4_2",
        "avx",
        "avx2",
        "fma",
        "avx_vnni",
        "avx512f",
        "avx512bw",
        "avx512vl",
        "avx512_vnni",
        "avx512_bf16",
        "avx512_fp16",
        "amx_tile",
        "amx_bf16",
        "amx_int8",
    )
    vector = [f for f in wanted if f in flags]
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "vendor": fields.get("vendor_id", platform.machine()),
        "model_name": fields.get("model name", platform.processor()),
        "family": fields.get("cpu family"),
        "model": fields.get("model"),
        "vector_extensions": vector,
        "cpus": os.cpu_count(),
        "load_average_at_start": list(load) if load else None,
    }


class Server:
    """A live timing process (``serve`` here, modern_tf2.py's or torch_eager.py's) that steps
    on request."""

    def __init__(self, kind, height, width, weights_npz, torch_python=None):
        self.kind = kind
        python = sys.executable
        if kind == "torch_eager":
            python = torch_python
            cmd = [
                os.path.join(HERE, "torch_eager.py"),
                weights_npz,
                str(height),
                str(width),
                "0",
                "serve",
            ]
        elif kind.startswith("modern_"):
            cmd = [
                os.path.join(HERE, "modern_tf2.py"),
                weights_npz,
                str(height),
                str(width),
                "0",
                kind[len("modern_") :],
                "serve",
            ]
        else:
            cmd = [os.path.abspath(__file__), "--serve", graph_of(kind), str(height), str(width)]
        self.proc = subprocess.Popen(
            [python] + cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
            env=worker_env(kind),
        )
        line = self.proc.stdout.readline()
        while line and not line.startswith("ready"):
            line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("%s: the timing process failed to start" % kind)
        self.info = json.loads(line[len("ready") :].strip() or "{}")

    def step(self):
        try:
            self.proc.stdin.write("step\n")
            return float(self.proc.stdout.readline())
        except (OSError, ValueError):
            raise RuntimeError(
                "%s: the timing process died (exit status %s; out of memory?)"
                % (self.kind, self.proc.poll())
            ) from None

    def close(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.wait(timeout=60)


def write_weights_npz(weights, path):
    """The conv layers (and the pool positions) for modern_tf2.py."""
    arrays = {"names": np.array([l.name for l in weights.layers if l.type in ("conv", "pool")])}
    for layer in weights.layers:
        if layer.type == "conv":
            arrays[layer.name + "_W"] = layer.kernel
            arrays[layer.name + "_b"] = layer.bias
    np.savez(path, **arrays)


def interleaved(kinds, height, width, steps, weights, torch_python=None):
    """Time ``steps`` steps of each kind, all processes alive, one step at a time in turn.

    Each kind runs in a process of its own (its own runtime: TF1 session or TF2 eager +
    tf.function), built one after the other; then round after round each takes one step
    while the others wait (blocked on a pipe, not computing), the order rotating per round.
    The machine's drift, which makes separate runs of the *same* graph differ by up to 15%
    here, then hits all kinds alike, and the ratio of two kinds' steps within a round is the
    steady measure. Returns {kind: [seconds per round]}, the step's GFLOP and {kind: what
    its process said of itself (version, oneDNN)}.
    """
    with tempfile.TemporaryDirectory() as tmp:
        npz = os.path.join(tmp, "weights.npz")
        write_weights_npz(weights, npz)
        servers = {}
        try:
            for kind in kinds:
                servers[kind] = Server(kind, height, width, npz, torch_python)
            times = {kind: [] for kind in kinds}
            for r in range(steps):
                for kind in kinds[r % len(kinds) :] + kinds[: r % len(kinds)]:
                    times[kind].append(servers[kind].step())
        finally:
            for server in servers.values():
                server.close()
    infos = {
        kind: {k: v for k, v in server.info.items() if k != "step_gflop"}
        for kind, server in servers.items()
    }
    return times, servers["ours"].info["step_gflop"], infos


def matmul_gflops(n=4096, repeats=5):
    """GFLOP/s of an (n, n) x (n, n) fp32 matmul: the machine's yardstick."""
    graph = tf.Graph()
    with graph.as_default():
        rng = np.random.default_rng(0)
        a = tf.constant(rng.standard_normal((n, n), dtype=np.float32))
        b = tf.Variable(rng.standard_normal((n, n), dtype=np.float32))
        c = tf.reduce_sum(tf.matmul(a, b))
        with tf1.Session(graph=graph) as sess:
            sess.run(tf1.global_variables_initializer())
            seconds, _ = _median_step(sess, c, repeats)
    return 2.0 * n**3 / seconds / 1e9


def run_cli(args_list, env, command=None):
    """Run nst-course; return (seconds to the first cost line, total seconds, peak RSS MiB,
    peak private (anonymous) memory MiB). ``command``: another command line to measure the
    same way (e.g. an idle ``import tensorflow``); ``args_list`` is then ignored.

    Memory is sampled every 50 ms from /proc/PID/status (VmHWM, RssAnon): the rusage of a
    child is no good here, as Linux counts the parent's RSS at fork time into the child's
    ru_maxrss, and this process holds the large weights file it wrote.
    """
    import threading

    start = time.perf_counter()
    proc = subprocess.Popen(
        command or [sys.executable, "-m", "nst_course"] + args_list,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    peak = {"VmHWM:": 0, "RssAnon:": 0}

    def sample():
        while proc.poll() is None:
            try:
                with open("/proc/%d/status" % proc.pid) as fh:
                    for line in fh:
                        key = line.split(" ")[0].split("\t")[0]
                        if key in peak:
                            peak[key] = max(peak[key], int(line.split()[1]))
            except (OSError, ValueError, IndexError):
                return
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    first = None
    for line in proc.stdout:
        if first is None and line.startswith("Iteration"):
            first = time.perf_counter() - start
    proc.wait()
    total = time.perf_counter() - start
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError("nst-course failed: %s" % proc.stderr.read())
    return first, total, peak["VmHWM:"] / 1024.0, peak["RssAnon:"] / 1024.0


def lbfgs_report(height, width, adam_iterations=200, max_lbfgs=1000):
    """Wall time for L-BFGS to reach the total cost Adam reaches after ``adam_iterations``
    steps from the same start image (the main job's graph, true-shape random weights); only
    the optimisers' own time is counted, not the cost checks between L-BFGS iterations."""
    from nst_course.images import generate_noise_image

    weights = random_vgg_weights(include_fc=False, seed=0)
    rng = np.random.default_rng(0)
    content = reshape_and_normalize_image(rng.uniform(0, 255, (height, width, 3)))
    style = reshape_and_normalize_image(rng.uniform(0, 255, (height, width, 3)))
    start = generate_noise_image(content, seed=1)
    prepared = Prepared(None, None, content, [style], weights)
    out = {"size": "%dx%d" % (height, width), "adam_iterations": adam_iterations}
    for optimizer in ("adam", "lbfgs"):
        graph = tf.Graph()
        with graph.as_default(), tf1.Session(graph=graph) as sess:
            handles = build(
                RunOptions(width=width, height=height, optimizer=optimizer), prepared, sess
            )
            sess.run(tf1.global_variables_initializer())
            sess.run(handles.model["input"].assign(start))
            if optimizer == "adam":
                t = time.perf_counter()
                for _ in range(adam_iterations):
                    sess.run(handles.train_step)
                out["adam_s"] = time.perf_counter() - t
                target = out["adam_final_cost"] = float(sess.run(handles.J))
                continue
            stepper = handles.train_step.stepper(sess, max_lbfgs)
            spent, it, cost = 0.0, 0, float("inf")
            while cost > target and it < max_lbfgs:
                t = time.perf_counter()
                running = stepper.step()
                spent += time.perf_counter() - t
                it += 1
                cost = float(sess.run(handles.J))
                if not running:
                    break
            stepper.close()
            out.update(
                lbfgs_s=spent,
                lbfgs_iterations=it,
                lbfgs_final_cost=cost,
                lbfgs_reached=cost <= target,
                ratio_lbfgs_adam=spent / out["adam_s"],
            )
    return out


def cli_report(iterations):
    from nst_course.weights.synthetic import write_matconvnet

    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        mat = os.path.join(tmp, "imagenet-vgg-verydeep-19.mat")
        # true shapes, fc layers included, zlib-compressed like the published file
        write_matconvnet(mat, random_vgg_weights(seed=0), do_compression=True)
        size_mb = os.path.getsize(mat) / 2**20
        env = dict(USER_ENV, XDG_CACHE_HOME=os.path.join(tmp, "cache"), PYTHONUNBUFFERED="1")
        common = ["run", "--weights", mat, "--iterations", str(iterations), "--seed", "0"]
        # the last run: the weights as the course's constants (frozen-weights mode off), to
        # show what the variables save
        runs = (
            ("full .mat", {}),
            ("cache", {}),
            ("cache, constant weights", {FROZEN_WEIGHTS_VAR: "0"}),
        )
        for n, (label, extra_env) in enumerate(runs):
            out = os.path.join(tmp, "out%d" % n)
            env.pop(FROZEN_WEIGHTS_VAR, None)
            first, total, rss, anon = run_cli(
                common + ["--output-dir", out], dict(env, **extra_env)
            )
            rows[label] = {
                "first_step_s": first,
                "total_s": total,
                "peak_rss_mib": rss,
                "peak_anon_mib": anon,
            }
    return {"mat_size_mib": size_mb, "iterations": iterations, "runs": rows}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="300x400", help="HEIGHTxWIDTH[,HEIGHTxWIDTH...]")
    parser.add_argument(
        "--steps",
        type=int,
        default=15,
        help="timed steps of each kind (after 2 warm-up), taken in turn",
    )
    parser.add_argument(
        "--cli", action="store_true", help="also time nst-course run (writes a ~550 MB file)"
    )
    parser.add_argument("--cli-iterations", type=int, default=20)
    parser.add_argument(
        "--lbfgs",
        action="store_true",
        help="also time L-BFGS to Adam's cost after 200 iterations (at --lbfgs-size)",
    )
    parser.add_argument("--lbfgs-size", default="150x200", help="HEIGHTxWIDTH of the L-BFGS race")
    parser.add_argument(
        "--torch-python",
        metavar="PYTHON",
        help="a Python that has torch, for the PyTorch eager peer (default: "
        "$NST_TORCH_PYTHON, else this Python if it has torch, else skipped)",
    )
    parser.add_argument("--no-torch", action="store_true", help="leave the PyTorch peer out")
    parser.add_argument(
        "--onednn-off",
        action="store_true",
        help="also time ours and the course's graph with TF_ENABLE_ONEDNN_OPTS=0",
    )
    parser.add_argument(
        "--low-memory",
        action="store_true",
        help="also time ours with nst-course run --low-memory's allocator",
    )
    parser.add_argument("--json", default=os.path.join(HERE, "results", "speed.json"))
    parser.add_argument("--serve", nargs=3, metavar=("KIND", "H", "W"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        kind, height, width = args.serve
        return serve(kind, int(height), int(width))

    weights = random_vgg_weights(include_fc=False, seed=0)
    result = {
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "tensorflow": tf.__version__,
            "cpu": cpu_info(),
        },
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "method": "each kind in a live process of its own, one step each in turn (rotating order); "
        "s/step: median of --steps steps; ratios: median of the per-round ratios",
        "matmul_gflops": matmul_gflops(),
        "sizes": {},
    }
    cpu = result["machine"]["cpu"]
    print(
        "CPU: %s (%s family %s model %s), %d cores; vector extensions: %s; load average %s"
        % (
            cpu["model_name"],
            cpu["vendor"],
            cpu["family"],
            cpu["model"],
            cpu["cpus"],
            " ".join(cpu["vector_extensions"]) or "?",
            " ".join("%.1f" % v for v in cpu["load_average_at_start"] or []),
        )
    )
    print("fp32 matmul 4096^3: %.0f GFLOP/s" % result["matmul_gflops"])
    kinds = ["ours", "course", "modern_keras", "modern_tfnn"]
    torch_python, note = (
        (None, "PyTorch eager left out (--no-torch)")
        if args.no_torch
        else find_torch_python(args.torch_python)
    )
    if torch_python:
        kinds.append("torch_eager")
        result["torch_python"] = os.path.basename(torch_python)
    else:
        result["torch_skipped"] = note
        print(note)
    if args.onednn_off:
        kinds += ["ours" + OFF, "course" + OFF]
    if args.low_memory:
        kinds.append("ours" + LIGHT)
    header = [
        "size",
        "ours s",
        "course s",
        "TF2 s",
        "torch s",
        "ours/TF2",
        "ours/torch",
        "ours/crs",
        "ours GF/s",
        "of matmul",
    ]
    print(("%-9s" + " %10s" * (len(header) - 1)) % tuple(header))
    for size in args.sizes.split(","):
        height, width = (int(v) for v in size.lower().split("x"))
        times, gflop, infos = interleaved(kinds, height, width, args.steps, weights, torch_python)
        med = {k: float(np.median(v)) for k, v in times.items()}
        # "modern" is the faster of the two TF2 variants: the comparison we must win.
        fastest = min(("modern_keras", "modern_tfnn"), key=med.get)
        ratio = {
            k: float(np.median(np.array(times["ours"]) / np.array(times[k]))) for k in kinds[1:]
        }
        row = {
            "ours_s_per_step": med["ours"],
            "course_s_per_step": med["course"],
            "modern_s_per_step": med[fastest],
            "modern_variant": fastest[len("modern_") :],
            "modern_keras_s_per_step": med["modern_keras"],
            "modern_tfnn_s_per_step": med["modern_tfnn"],
            "ratio_ours_modern": ratio[fastest],
            "ratio_ours_course": ratio["course"],
            "ratio_ours_modern_keras": ratio["modern_keras"],
            "ratio_ours_modern_tfnn": ratio["modern_tfnn"],
            "step_gflop": gflop,
            "ours_gflops": gflop / med["ours"],
            "fraction_of_matmul": gflop / med["ours"] / result["matmul_gflops"],
            "versions": infos,
            "steps": times,
        }
        if "torch_eager" in med:
            row.update(
                torch_eager_s_per_step=med["torch_eager"], ratio_ours_torch=ratio["torch_eager"]
            )
        for kind in kinds:
            if kind.endswith(VARIANTS):
                row["%s_s_per_step" % kind] = med[kind]
                row["ratio_ours_%s" % kind] = ratio[kind]
        # the target: ours <= 0.9x PyTorch eager and <= 0.9x the fastest TF2 variant
        row["target_met"] = bool(ratio[fastest] <= 0.9 and ratio.get("torch_eager", 0.0) <= 0.9)
        result["sizes"][size] = row
        write_json(
            result, args.json
        )  # each size as soon as it is done: a long run may be cut short
        torch_s = "%10.3f" % med["torch_eager"] if "torch_eager" in med else "%10s" % "-"
        torch_r = "%10.2f" % ratio["torch_eager"] if "torch_eager" in med else "%10s" % "-"
        print(
            "%-9s %10.3f %10.3f %10.3f %s %10.2f %s %10.2f %10.0f %10.2f"
            % (
                size,
                med["ours"],
                med["course"],
                med[fastest],
                torch_s,
                row["ratio_ours_modern"],
                torch_r,
                row["ratio_ours_course"],
                row["ours_gflops"],
                row["fraction_of_matmul"],
            )
        )
        for kind in kinds:
            if kind.endswith(VARIANTS):
                print("%-9s %s: %.3f s/step, ours/it %.2f" % ("", kind, med[kind], ratio[kind]))
        print(
            "%-9s oneDNN: %s"
            % (
                "",
                ", ".join(
                    "%s %s" % (k, {True: "on", False: "off"}.get(v.get("onednn"), "?"))
                    for k, v in infos.items()
                ),
            )
        )
    result["load_average_at_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    if args.cli:
        result["cli"] = cli_report(args.cli_iterations)
        for label, row in result["cli"]["runs"].items():
            print(
                "nst-course run (%s, %d it.): first cost line %.1f s, total %.1f s, peak RSS %.0f MiB "
                "(private %.0f MiB)"
                % (
                    label,
                    args.cli_iterations,
                    row["first_step_s"],
                    row["total_s"],
                    row["peak_rss_mib"],
                    row["peak_anon_mib"],
                )
            )
    if args.lbfgs:
        height, width = (int(v) for v in args.lbfgs_size.lower().split("x"))
        race = result["lbfgs"] = lbfgs_report(height, width)
        print(
            "L-BFGS vs Adam at %s: Adam %d it. %.1f s to cost %.4g; L-BFGS %d it. %.1f s to %.4g "
            "(%s); ratio %.2f"
            % (
                race["size"],
                race["adam_iterations"],
                race["adam_s"],
                race["adam_final_cost"],
                race["lbfgs_iterations"],
                race["lbfgs_s"],
                race["lbfgs_final_cost"],
                "reached" if race["lbfgs_reached"] else "not reached",
                race["ratio_lbfgs_adam"],
            )
        )
    write_json(result, args.json)
    print("wrote", os.path.relpath(args.json, ROOT))


def write_json(result, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path + ".tmp", "w") as fh:
        json.dump(result, fh, indent=2)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
