"""Time to a good picture: how fast other recipes reach the course recipe's final cost.

Run by hand (never a timed test in CI), from the repository root:

    python benchmarks/bench_quality.py                         # 400x300, random weights
    python benchmarks/bench_quality.py --size 800x600 --weights PATH.mat --memory

The demo pair (images/tubingen.jpg, images/monet.jpg) at --size, one seed, one weight set:

  * the reference is the course's recipe (noise ratio 0.6, Adam 2.0, 200 iterations, alpha
    10, beta 40, conv4_2 and the five style layers): its final total cost ``J200``, measured
    with the course's cost at the output size, and its wall time (graph build + 200 steps);
  * each candidate recipe (optimiser, start image, scales, iterations per scale: the stages
    of nst_course.run.schedule) runs until its last scale has made its iterations; after every
    iteration at the output size its total cost is read with the same cost function (the
    output-size graph the runner builds: same alpha, beta, layers) outside the timed part.
    Its time to J200 is the wall time of its builds and steps until that cost is at or below
    J200, as a ratio to the reference's wall time;
  * every recipe runs in a live process of its own (set up as ``nst-course run`` sets up its
    own: benchmarks/bench_speed.py's ``worker_env``), and the processes take one unit of work
    (a graph build or an iteration) each in turn, round after round, while the others wait:
    the machine's drift hits them alike (bench_speed.py's interleaving). Each candidate runs
    --repeats times, its repetitions started evenly over the reference's run; its ratio is
    the median over them. ``ratio_same_rounds`` compares it with the reference's build plus
    200 times the reference's median step in the rounds that repetition ran (the load of a
    shared machine can change between the start and the end of the reference's run);
  * side-by-side pictures: the reference's final image | each candidate's image at the
    iteration where it reached J200 (results/quality_<size>_<candidate>.jpg);
  * with --memory, peak memory of ``nst-course run`` (course's recipe, a few iterations;
    L-BFGS at one scale; ``--preset fast``; the course's recipe and the preset again with
    ``--low-memory``) and of an idle ``import tensorflow``, sampled as
    bench_speed.py --cli does (``run_cli``): what a run adds over TensorFlow alone.

Results go to benchmarks/results/quality.json (one entry per size and weights) and a table;
``--json results/quality-DATE.json`` writes a dated file, its pictures beside it
(``quality-DATE_<size>_<candidate>.jpg``), with the ``uptime`` load averages at the start and
end. Candidates include the preset before issue 25 (``fast-scipy``), the colour-matched start
(``fast-colors``) and the preset in float32 (``fast-float32``: on a CPU with bfloat16 units
``fast`` computes in bfloat16, and its costs are then read in float32 by the course's graph,
``float32_cost``); docs/performance/time-to-picture.md has the results.
"""

import argparse
import dataclasses
import json
import os
import platform
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

CONTENT = os.path.join(ROOT, "images", "tubingen.jpg")
STYLE = os.path.join(ROOT, "images", "monet.jpg")

#: The reference: the course's recipe (RunOptions' defaults).
REFERENCE = {"name": "course", "options": {}}

#: Candidate recipes: RunOptions values. The last scale's count is a cap: the benchmark reads
#: the cost after each of its iterations. "fast" is nst_course.run.presets.PRESETS["fast"].
CANDIDATES = [
    {"name": "fast", "preset": "fast"},
    # the preset in float32 on any CPU (on one without bfloat16 units this is what "fast" runs)
    {"name": "fast-float32", "preset": "fast", "options": {"precision": "float32"}},
    # the preset's arithmetic and optimiser on other coarse scales (bfloat16 makes a coarse
    # evaluation cost relatively more: fixed costs per session.run)
    {
        "name": "fast-0.5x20",
        "preset": "fast",
        "options": {"scales": [0.5, 1.0], "scale_iterations": [20, 8]},
    },
    {
        "name": "fast-0.5x25",
        "preset": "fast",
        "options": {"scales": [0.5, 1.0], "scale_iterations": [25, 8]},
    },
    {
        "name": "fast-0.5x12",
        "preset": "fast",
        "options": {"scales": [0.5, 1.0], "scale_iterations": [12, 8]},
    },
    {
        "name": "fast-0.6x12",
        "preset": "fast",
        "options": {"scales": [0.6, 1.0], "scale_iterations": [12, 8]},
    },
    # the preset before bfloat16 (0.35 x 30, then 8), in float32
    {
        "name": "fast-float32-0.35x30",
        "preset": "fast",
        "options": {"precision": "float32", "scales": [0.35, 1.0], "scale_iterations": [30, 8]},
    },
    {
        "name": "fast-0.35x30",
        "preset": "fast",
        "options": {"scales": [0.35, 1.0], "scale_iterations": [30, 8]},
    },
    # the preset before issue 25: SciPy's L-BFGS-B, a fresh line search at each scale
    {
        "name": "fast-scipy",
        "options": {
            "optimizer": "lbfgs",
            "init": "content",
            "scales": [0.5, 1.0],
            "scale_iterations": [30, 10],
        },
    },
    # the preset's optimiser with the colour-matched start (nst_course.run.start)
    {"name": "fast-colors", "preset": "fast", "options": {"init": "content-colors"}},
    # the preset's optimiser on the old preset's scales (the first race of issue 25's preset)
    {
        "name": "carry-0.5",
        "options": {
            "optimizer": "lbfgs-carry",
            "init": "content",
            "scales": [0.5, 1.0],
            "scale_iterations": [20, 6],
        },
    },
    {"name": "lbfgs", "options": {"optimizer": "lbfgs", "iterations": 40}},
    {
        "name": "lbfgs-content",
        "options": {"optimizer": "lbfgs", "init": "content", "iterations": 25},
    },
    {
        "name": "c2f-0.5",
        "options": {
            "optimizer": "lbfgs",
            "init": "content",
            "scales": [0.5, 1.0],
            "scale_iterations": [30, 15],
        },
    },
    {
        "name": "c2f-0.5-15",
        "options": {
            "optimizer": "lbfgs",
            "init": "content",
            "scales": [0.5, 1.0],
            "scale_iterations": [15, 15],
        },
    },
    {
        "name": "c2f-0.5-8",
        "options": {
            "optimizer": "lbfgs",
            "init": "content",
            "scales": [0.5, 1.0],
            "scale_iterations": [8, 15],
        },
    },
    {
        "name": "c2f-0.25",
        "options": {
            "optimizer": "lbfgs",
            "init": "content",
            "scales": [0.25, 0.5, 1.0],
            "scale_iterations": [40, 20, 10],
        },
    },
    {
        "name": "c2f-0.25-short",
        "options": {
            "optimizer": "lbfgs",
            "init": "content",
            "scales": [0.25, 0.5, 1.0],
            "scale_iterations": [20, 10, 15],
        },
    },
    {
        "name": "c2f-0.25-noise",
        "options": {
            "optimizer": "lbfgs",
            "scales": [0.25, 0.5, 1.0],
            "scale_iterations": [40, 20, 15],
        },
    },
]


def recipe_values(recipe):
    """The recipe's option values, a preset spelled out."""
    from nst_course.run.presets import PRESETS

    values = dict(PRESETS[recipe["preset"]]) if recipe.get("preset") else {}
    values.update(recipe.get("options", {}))
    return values


def recipe_options(recipe, height, width, seed, weights):
    from nst_course.run.presets import apply_preset
    from nst_course.run.runner import RunOptions
    from nst_course.run.schedule import with_total

    opts = RunOptions(
        content=CONTENT,
        style=[STYLE],
        width=width,
        height=height,
        seed=seed,
        weights=weights,
        quiet=True,
        preset=recipe.get("preset"),
        **recipe.get("options", {}),
    )
    return with_total(apply_preset(opts))


# --------------------------------------------------------------------------- a recipe's process


def float32_cost(opts, last, weights):
    """``judge(sess, graph)``: the output-size total cost of the image in ``graph`` (untimed).
    For a float32 recipe its own J; for ``--precision bfloat16`` (or ``auto`` resolved to it)
    the course's float32 graph at the output size, built once, the image copied into it: every
    recipe is judged in the reference's arithmetic."""
    import nst_course.run.graph as job
    from nst_course._tf import tf1
    from nst_course.run.precision import resolve
    from nst_course.run.stage import stage_options

    if resolve(opts.precision) == "float32":
        return lambda sess, graph: float(sess.run(graph.J))
    f32 = dataclasses.replace(stage_options(opts, last), precision="float32", optimizer="adam")
    graph_tf = tf1.Graph()
    with graph_tf.as_default():
        own = tf1.Session(graph=graph_tf)
        judged = job.build(f32, job.read_images(opts, last.width, last.height, weights), own)
        own.run(tf1.global_variables_initializer())
        image = tf1.placeholder(tf1.float32, judged.model["input"].get_shape())
        put = judged.model["input"].assign(image)

    def judge(sess, graph):
        own.run(put, {image: sess.run(graph.model["input"])})
        return float(own.run(judged.J))

    return judge


def units(opts, weights, keep_images):
    """Run ``opts``'s schedule one unit at a time: yields a dict per graph build and per
    iteration ({'seconds', 'stage', 'iteration', 'cost'}), ``cost`` being the output-size
    total cost (None before the last scale; for Adam read every 20 iterations and at the end).
    ``keep_images``: {iteration: image} of the last scale, filled in (untimed)."""
    import nst_course.run.graph as job
    from nst_course._tf import tf1
    from nst_course.run.blas import one_blas_thread
    from nst_course.run.lbfgs import LBFGS
    from nst_course.run.precision import session_config
    from nst_course.run.schedule import plan, upsample
    from nst_course.run.stage import stage_options

    stages = plan(opts)
    image = carried = None
    judge = float32_cost(opts, stages[-1], weights)
    for stage in stages:
        last = stage is stages[-1]
        t = time.perf_counter()
        stage_opts = stage_options(opts, stage)
        prepared = job.read_images(opts, stage.width, stage.height, weights)
        graph_tf = tf1.Graph()
        with graph_tf.as_default():
            if opts.seed is not None:
                tf1.set_random_seed(opts.seed)
            with tf1.Session(graph=graph_tf, config=session_config(opts.precision)) as sess:
                graph = job.build(stage_opts, prepared, sess)
                sess.run(tf1.global_variables_initializer())
                start = (
                    job.initial_image(stage_opts, prepared)
                    if image is None
                    else upsample(image, stage.width, stage.height, opts.upsample)
                )
                sess.run(graph.model["input"].assign(start))
                stepper = None
                if isinstance(graph.train_step, LBFGS):  # lbfgs-carry: the scale before's scaling
                    stepper = graph.train_step.stepper(sess, stage.iterations, carry=carried)
                seconds = time.perf_counter() - t
                cost = judge(sess, graph) if last else None
                yield {
                    "seconds": seconds,
                    "stage": stage.index,
                    "iteration": stage.first - 1,
                    "cost": cost,
                    "build": True,
                }
                if last:
                    keep_images[stage.first - 1] = sess.run(graph.model["input"])
                with one_blas_thread():  # as the driver's loop (nst_course.run.blas)
                    for i in range(stage.first, stage.end):
                        t = time.perf_counter()
                        if stepper is None:
                            sess.run(graph.train_step)
                        else:
                            stepper.step()
                        seconds = time.perf_counter() - t
                        cost = None
                        if last and (
                            stepper is not None or (i + 1) % 20 == 0 or i + 1 == stage.end
                        ):
                            cost = judge(sess, graph)
                            keep_images[i] = sess.run(graph.model["input"])
                        yield {
                            "seconds": seconds,
                            "stage": stage.index,
                            "iteration": i,
                            "cost": cost,
                        }
                        if stepper is not None and stepper.stopped:  # --stop-below (as the driver)
                            break
                if stepper is not None:
                    stepper.close()
                    carried = stepper.state()
                image = sess.run(graph.model["input"])


def serve(recipe_json, height, width, seed, weights_source):
    """A recipe's live process: ``next`` runs one unit (prints its JSON, or ``done``),
    ``restart`` begins a new repetition, ``save ITERATION PATH`` writes the image the first
    repetition had after that iteration, ``quit`` ends."""
    import imageio.v2 as imageio

    from nst_course.images import to_uint8
    from nst_course.run.schedule import plan
    from nst_course.weights import load_weights

    recipe = json.loads(recipe_json)
    weights = load_weights(weights_source)
    opts = recipe_options(recipe, height, width, seed, weights)
    kept, first_kept = {}, None
    gen = units(opts, weights, kept)
    stages = [[s.scale, s.width, s.height, s.iterations] for s in plan(opts)]
    print("ready " + json.dumps({"stages": stages}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        if words[0] == "next":
            try:
                print(json.dumps(next(gen)), flush=True)
            except StopIteration:
                print("done", flush=True)
        elif words[0] == "restart":
            if first_kept is None:
                first_kept = dict(kept)
            kept = {}
            gen = units(opts, weights, kept)
            print("ok", flush=True)
        elif words[0] == "save":
            images = first_kept if first_kept is not None else kept
            imageio.imwrite(words[2], to_uint8(images[int(words[1])]), quality=92)
            print("ok", flush=True)


class Recipe:
    """A live recipe process driven one unit at a time."""

    def __init__(self, recipe, height, width, seed, weights):
        from bench_speed import worker_env

        self.recipe = recipe
        self.name = recipe["name"]
        cmd = [
            sys.executable,
            os.path.abspath(__file__),
            "--serve",
            json.dumps(recipe),
            str(height),
            str(width),
            str(seed),
            weights,
        ]
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
            env=worker_env("ours"),
            cwd=ROOT,
        )
        line = self.proc.stdout.readline()
        while line and not line.startswith("ready"):
            line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("%s: the recipe's process failed to start" % self.name)
        self.info = json.loads(line[len("ready") :])
        self.runs = [[]]  # units of each repetition
        self.rounds = []  # [first round, last round] of each repetition
        self.active = False
        self.finished = False

    def ask(self, text):
        self.proc.stdin.write(text + "\n")
        return self.proc.stdout.readline().strip()

    def next(self):
        """One unit of the current repetition; False once the repetition is complete."""
        answer = self.ask("next")
        if answer == "done" or not answer:
            return False
        self.runs[-1].append(json.loads(answer))
        return True

    def restart(self):
        self.ask("restart")
        self.runs.append([])

    def close(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.wait(timeout=120)


def time_to(units_run, target):
    """(seconds, iteration) when the cost first is <= target, or (None, None)."""
    spent = 0.0
    for unit in units_run:
        spent += unit["seconds"]
        if unit["cost"] is not None and unit["cost"] <= target:
            return spent, unit["iteration"]
    return None, None


def report_repetition(recipe):
    """Print a finished repetition's output-size costs against its time (progress on stdout,
    so that a run cut short still tells something)."""
    spent, points = 0.0, []
    for unit in recipe.runs[-1]:
        spent += unit["seconds"]
        if unit["cost"] is not None:
            points.append("%d: %.4g @ %.1f s" % (unit["iteration"], unit["cost"], spent))
    print(
        "  %s repetition %d done: %s" % (recipe.name, len(recipe.runs), "; ".join(points)),
        flush=True,
    )


def race(height, width, seed, weights, candidates, repeats, prefix=None):
    """The interleaved run: the reference's units one per round, each candidate repetition
    started at evenly spaced rounds and then one unit per round. Returns the result dict.
    ``prefix``: where the pictures go, ``<prefix>_<size>_<candidate>.jpg`` (default
    results/quality)."""
    prefix = prefix or os.path.join(HERE, "results", "quality")
    reference = Recipe(REFERENCE, height, width, seed, weights)
    racers = [Recipe(c, height, width, seed, weights) for c in candidates]
    total_units = 1 + 200
    starts = [int(round(j * total_units / float(repeats))) for j in range(repeats)]
    started = {r.name: 0 for r in racers}
    try:
        rnd = 0
        ref_running = True
        while ref_running or any(r.active for r in racers):
            order = [reference] + racers if rnd % 2 == 0 else racers + [reference]
            for r in order:
                if r is reference:
                    if ref_running:
                        ref_running = reference.next()
                        unit = reference.runs[0][-1] if reference.runs[0] else {}
                        if ref_running and unit.get("cost") is not None:
                            print(
                                "  reference: J after iteration %d = %.5g, %.1f s"
                                % (
                                    unit["iteration"],
                                    unit["cost"],
                                    sum(u["seconds"] for u in reference.runs[0]),
                                ),
                                flush=True,
                            )
                    continue
                if not r.active and started[r.name] < repeats and rnd >= starts[started[r.name]]:
                    if started[r.name] > 0:
                        r.restart()
                    started[r.name] += 1
                    r.active = True
                    r.rounds.append([rnd, rnd])
                if r.active and not r.next():
                    r.active = False
                    r.rounds[-1][1] = rnd
                    report_repetition(r)
            rnd += 1
            if rnd % 20 == 0:
                print(
                    "  round %d: reference %d units, %s"
                    % (
                        rnd,
                        len(reference.runs[0]),
                        ", ".join("%s %d/%d" % (r.name, started[r.name], repeats) for r in racers),
                    ),
                    flush=True,
                )
        ref_units = reference.runs[0]
        J200 = ref_units[-1]["cost"]
        ref_seconds = sum(u["seconds"] for u in ref_units)
        out = {
            "reference": {
                "recipe": "course (noise 0.6, Adam 2.0, 200 iterations)",
                "J200": J200,
                "seconds": ref_seconds,
                "unit_seconds": [u["seconds"] for u in ref_units],
                "costs": [[u["iteration"], u["cost"]] for u in ref_units if u["cost"] is not None],
            },
            "candidates": {},
        }
        for r in racers:
            reps = []
            for run_units, (first, last) in zip(r.runs, r.rounds):
                seconds, iteration = time_to(run_units, J200)
                # the reference's time had all its steps taken while this repetition ran:
                # its build + 200 x its median step in those rounds (less exposed to drift
                # when the repetition is short and the machine's load changes)
                steps = [u["seconds"] for u in ref_units[max(1, first) : last + 1]]
                same = ref_units[0]["seconds"] + 200 * float(np.median(steps)) if steps else None
                reps.append(
                    {
                        "seconds": seconds,
                        "iteration": iteration,
                        "rounds": [first, last],
                        "ratio": None if seconds is None else seconds / ref_seconds,
                        "reference_same_rounds_s": same,
                        "ratio_same_rounds": None
                        if seconds is None or same is None
                        else seconds / same,
                        "total_seconds": sum(u["seconds"] for u in run_units),
                        "final_cost": run_units[-1]["cost"] if run_units else None,
                    }
                )
            reached = [x["ratio"] for x in reps if x["ratio"] is not None]
            out["candidates"][r.name] = {
                "recipe": r.recipe,
                "options": recipe_values(r.recipe),
                "stages": r.info["stages"],
                "repetitions": reps,
                "ratio_median": float(np.median(reached)) if len(reached) == len(reps) else None,
                "costs": [[u["iteration"], u["cost"]] for u in r.runs[0] if u["cost"] is not None],
            }
        # the pictures: reference | candidate at the iteration it reached J200 (or its last)
        tag = "%dx%d" % (width, height)
        tmp_ref = os.path.join(HERE, "results", ".ref.jpg")
        tmp_cand = os.path.join(HERE, "results", ".candidate.jpg")
        reference.ask("save %d %s" % (ref_units[-1]["iteration"], tmp_ref))
        for r in racers:
            row = out["candidates"][r.name]
            rep0 = row["repetitions"][0]
            it = rep0["iteration"] if rep0["iteration"] is not None else r.runs[0][-1]["iteration"]
            r.ask("save %d %s" % (it, tmp_cand))
            name = "".join(ch if ch.isalnum() or ch in "-." else "_" for ch in r.name)
            row["picture"] = side_by_side(tmp_ref, tmp_cand, "%s_%s_%s.jpg" % (prefix, tag, name))
            row["picture_iteration"] = it
            os.unlink(tmp_cand)
        os.unlink(tmp_ref)
        return out
    finally:
        for r in [reference] + racers:
            r.close()


def side_by_side(left, right, path, gap=8):
    """``left | right`` on white, written as a JPEG; returns the path relative to the root."""
    import imageio.v2 as imageio

    a, b = imageio.imread(left), imageio.imread(right)
    h = max(a.shape[0], b.shape[0])
    canvas = np.full((h, a.shape[1] + gap + b.shape[1], 3), 255, np.uint8)
    canvas[: a.shape[0], : a.shape[1]] = a[..., :3]
    canvas[: b.shape[0], a.shape[1] + gap :] = b[..., :3]
    imageio.imwrite(path, canvas, quality=90)
    return os.path.relpath(path, ROOT)


def memory_report(height, width, weights):
    """Peak memory (bench_speed.run_cli's sampling) of an idle ``import tensorflow`` and of
    ``nst-course run`` with the course's recipe, L-BFGS at one scale and --preset fast, the
    first and the last also with --low-memory."""
    import tempfile

    from bench_speed import run_cli, worker_env

    env = dict(worker_env("ours"), PYTHONUNBUFFERED="1")
    env.pop("TF_ONEDNN_ASSUME_FROZEN_WEIGHTS", None)  # the command sets its own up
    rows = {}
    _, total, rss, anon = run_cli(None, env, command=[sys.executable, "-c", "import tensorflow"])
    rows["idle import tensorflow"] = {"total_s": total, "peak_rss_mib": rss, "peak_anon_mib": anon}
    common = [
        "run",
        "--weights",
        weights,
        "--seed",
        "0",
        "--width",
        str(width),
        "--height",
        str(height),
        "--save-every",
        "0",
    ]
    from nst_course.run.presets import PRESETS

    short = ",".join(["4"] + ["2"] * (len(PRESETS["fast"]["scales"]) - 1))
    runs = (
        ("course recipe, 5 iterations", ["--iterations", "5"]),
        (
            "L-BFGS, one scale, 5 iterations",
            ["--optimizer", "lbfgs", "--init", "content", "--iterations", "5"],
        ),
        # the preset's scales and sizes with fewer iterations: the peak is the largest
        # scale's, and the preset's own 70 iterations would only make it slower
        ("--preset fast, %s iterations" % short, ["--preset", "fast", "--scale-iterations", short]),
        (
            "--preset fast --precision float32, %s iterations" % short,
            ["--preset", "fast", "--precision", "float32", "--scale-iterations", short],
        ),
        # --low-memory: the light allocator (nst_course.run.allocators)
        ("course recipe --low-memory, 5 iterations", ["--iterations", "5", "--low-memory"]),
        (
            "--preset fast --low-memory, %s iterations" % short,
            ["--preset", "fast", "--scale-iterations", short, "--low-memory"],
        ),
    )
    with tempfile.TemporaryDirectory() as tmp:
        for n, (label, extra) in enumerate(runs):
            first, total, rss, anon = run_cli(
                common + extra + ["--output-dir", os.path.join(tmp, "o%d" % n)], env
            )
            rows[label] = {
                "total_s": total,
                "peak_rss_mib": rss,
                "peak_anon_mib": anon,
                "adds_rss_mib": rss - rows["idle import tensorflow"]["peak_rss_mib"],
                "adds_anon_mib": anon - rows["idle import tensorflow"]["peak_anon_mib"],
            }
    return rows


def _uptime():
    """``uptime``'s line (the load averages the results are quoted with), or None."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="400x300", help="WIDTHxHEIGHT")
    parser.add_argument(
        "--weights",
        default="random",
        help="'random' (true-shape VGG-19, seed 0: the same values as the "
        "true-shape synthetic .mat) or a weights file",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=2, help="repetitions of each candidate")
    parser.add_argument(
        "--candidates",
        default=None,
        help="comma-separated names among %s (default: all)"
        % ", ".join(c["name"] for c in CANDIDATES),
    )
    parser.add_argument("--memory", action="store_true", help="also measure peak memory")
    parser.add_argument("--no-race", action="store_true", help="only the memory measurement")
    parser.add_argument("--json", default=os.path.join(HERE, "results", "quality.json"))
    parser.add_argument("--serve", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        recipe, height, width, seed, weights = args.serve
        return serve(recipe, int(height), int(width), int(seed), weights)
    width, height = (int(v) for v in args.size.lower().split("x"))
    names = args.candidates.split(",") if args.candidates else [c["name"] for c in CANDIDATES]
    candidates = [c for c in CANDIDATES if c["name"] in names]
    try:
        with open(args.json) as fh:
            results = json.load(fh)
    except (OSError, ValueError):
        results = {"runs": {}}
    key = "%dx%d %s" % (width, height, os.path.basename(args.weights))
    entry = results["runs"].setdefault(key, {})
    entry.update(
        {
            "date": time.strftime("%Y-%m-%d %H:%M:%S"),
            "seed": args.seed,
            "machine": {
                "cpus": os.cpu_count(),
                "processor": platform.processor() or platform.machine(),
                "load_average_at_start": list(os.getloadavg()),
                "uptime_at_start": _uptime(),
            },
        }
    )
    if not args.no_race:
        t = time.time()
        entry["race"] = race(
            height,
            width,
            args.seed,
            args.weights,
            candidates,
            args.repeats,
            prefix=os.path.splitext(args.json)[0],
        )
        entry["machine"]["load_average_at_end"] = list(os.getloadavg())
        entry["machine"]["uptime_at_end"] = _uptime()
        entry["race"]["wall_s"] = time.time() - t
        ref = entry["race"]["reference"]
        print(
            "reference (course recipe) at %dx%d: J200 = %.5g in %.1f s"
            % (width, height, ref["J200"], ref["seconds"])
        )
        for name, row in entry["race"]["candidates"].items():
            reps = ", ".join(
                "%.1f s (it. %s)" % (x["seconds"], x["iteration"])
                if x["seconds"] is not None
                else "not reached (final cost %.4g)" % x["final_cost"]
                for x in row["repetitions"]
            )
            ratio = row["ratio_median"]
            print(
                "  %-18s %s -> ratio %s"
                % (name, reps, "%.3f" % ratio if ratio is not None else "n/a")
            )
    if args.memory:
        entry["memory"] = memory_report(height, width, args.weights)
        for label, row in entry["memory"].items():
            print(
                "  %-34s peak RSS %5.0f MiB, private %5.0f MiB%s"
                % (
                    label,
                    row["peak_rss_mib"],
                    row["peak_anon_mib"],
                    ""
                    if "adds_anon_mib" not in row
                    else ", adds %+.0f MiB RSS / %+.0f MiB private"
                    % (row["adds_rss_mib"], row["adds_anon_mib"]),
                )
            )
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as fh:
        json.dump(results, fh, indent=2)
    print("wrote", os.path.relpath(args.json, ROOT))


if __name__ == "__main__":
    main()
