"""Where the time of one training step goes, op type by op type (TensorFlow step stats).

    python benchmarks/profile_step.py [--height 300 --width 400] [--graph ours|course] [--nodes N]

Builds the main job's graph (``ours``: nst_course.run.graph.build, with oneDNN on and in its
frozen-weights mode as ``nst-course run`` runs it, unless TF_ENABLE_ONEDNN_OPTS /
TF_ONEDNN_ASSUME_FROZEN_WEIGHTS are set) or the plain course graph (``course``: build_graph) on
true-shape random VGG-19 weights, runs a few steps, then one traced step, and prints the
summed wall time of each op type (ops on the two cores overlap, so the sum can exceed the
step's wall time) and, with --nodes, the N slowest single ops.

With --memory, from the same traced step: the most each allocator had in use (its chunks,
whatever the tensors in them asked for: the weights, oneDNN's reordered filters and the step's
tensors), and the peak of the bytes the step's own tensors asked for, with the ops whose
tensors were alive at that moment.
"""

import argparse
import os
import sys
import time
from collections import defaultdict

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from nst_course.run.onednn import onednn_in_use, prepare_training_process  # noqa: E402

prepare_training_process()  # as nst-course run does (nst_course.run.onednn)

from nst_course._tf import tf, tf1  # noqa: E402
from nst_course.images import reshape_and_normalize_image  # noqa: E402
from nst_course.run.graph import Prepared, build  # noqa: E402
from nst_course.run.options import RunOptions  # noqa: E402
from nst_course.training import build_graph  # noqa: E402
from nst_course.weights.synthetic import random_vgg_weights  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--height", type=int, default=300)
    parser.add_argument("--width", type=int, default=400)
    parser.add_argument("--graph", choices=("ours", "course"), default="ours")
    parser.add_argument("--nodes", type=int, default=0, help="also list the N slowest ops")
    parser.add_argument("--memory", action="store_true", help="also the step's memory")
    args = parser.parse_args()
    weights = random_vgg_weights(include_fc=False)
    rng = np.random.default_rng(0)
    content = reshape_and_normalize_image(rng.uniform(0, 255, (args.height, args.width, 3)))
    style = reshape_and_normalize_image(rng.uniform(0, 255, (args.height, args.width, 3)))
    graph = tf.Graph()
    with graph.as_default(), tf1.Session(graph=graph) as sess:
        if args.graph == "ours":
            opts = RunOptions(width=args.width, height=args.height)
            train_step = build(
                opts, Prepared(None, None, content, [style], weights), sess
            ).train_step
        else:
            train_step = build_graph(content, style, weights=weights, sess=sess).train_step
        sess.run(tf1.global_variables_initializer())
        times = []
        for _ in range(5):
            t = time.perf_counter()
            sess.run(train_step)
            times.append(time.perf_counter() - t)
        print(
            "oneDNN %s; s/step (median of 5, the first one included): %.3f"
            % ({True: "on", False: "off"}.get(onednn_in_use(), "?"), np.median(times))
        )
        metadata = tf1.RunMetadata()
        sess.run(
            train_step,
            options=tf1.RunOptions(trace_level=tf1.RunOptions.FULL_TRACE),
            run_metadata=metadata,
        )
    seconds, count, nodes = defaultdict(float), defaultdict(int), []
    for device in metadata.step_stats.dev_stats:
        for node in device.node_stats:
            label = node.timeline_label
            kind = label.split(" = ")[1].split("(")[0] if " = " in label else node.node_name
            seconds[kind] += node.all_end_rel_micros / 1e6
            count[kind] += 1
            nodes.append((node.all_end_rel_micros / 1e6, kind, node.node_name))
    print("%-36s %9s %5s" % ("op type", "seconds", "ops"))
    for kind, s in sorted(seconds.items(), key=lambda item: -item[1]):
        if s >= 1e-4:
            print("%-36s %9.4f %5d" % (kind, s, count[kind]))
    print("%-36s %9.4f" % ("sum", sum(seconds.values())))
    if args.nodes:
        print("\n%-36s %9s  %s" % ("slowest ops", "seconds", "op type"))
        for s, kind, name in sorted(nodes, reverse=True)[: args.nodes]:
            print("%-36s %9.4f  %s" % (name[:36], s, kind))
    if args.memory:
        memory(metadata)


def memory(metadata, top=12):
    """Print the allocators' most in use and the step's peak of live tensor bytes."""
    in_use, records = defaultdict(int), []
    for device in metadata.step_stats.dev_stats:
        for node in device.node_stats:
            for used in node.memory:
                name = used.allocator_name
                in_use[name] = max(in_use[name], used.allocator_bytes_in_use)
                for record in used.allocation_records:
                    records.append((record.alloc_micros, record.alloc_bytes, node.node_name))
    print("\nmost in use during the step, by allocator (MiB):")
    for name, used in sorted(in_use.items()):
        print("  %-20s %8.1f" % (name, used / 2**20))
    current, peak, live, at_peak = 0, 0, defaultdict(int), {}
    for _, size, name in sorted(records):
        current += size
        live[name] += size
        if current > peak:
            peak, at_peak = current, dict(live)
    print("peak of the step's own tensors: %.1f MiB; alive then (MiB):" % (peak / 2**20))
    for name, size in sorted(at_peak.items(), key=lambda item: -item[1])[:top]:
        if size > 0:
            print("  %-44s %8.2f" % (name[:44], size / 2**20))


if __name__ == "__main__":
    main()
