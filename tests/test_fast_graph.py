"""The main job's (optimised) graph computes what the course's plain graph computes.

Reference: the course's cells (load_vgg_model, compute_content_cost, compute_style_cost with
the style image assigned, total_cost, AdamOptimizer(2.0).minimize) and model_nn's loop, from
the same start image. The main job (nst_course.runner) may build its graph differently for
speed; the costs it prints at iterations 0, 20 and 40 must match to float32 tolerance.
"""

import csv

import numpy as np
import pytest
import tensorflow as tf

from nst_course import STYLE_LAYERS, compute_content_cost, compute_style_cost, total_cost
from nst_course.runner import RunOptions, initial_image, prepare, run
from nst_course.vgg import load_vgg_model

from .conftest import random_image

tf1 = tf.compat.v1


def reference_costs(opts):
    """Costs after steps 0, 20, 40 of the course's plain graph, from the runner's start image."""
    prepared = prepare(opts)
    start = initial_image(opts, prepared)
    graph = tf.Graph()
    rows = []
    with graph.as_default(), tf1.Session(graph=graph) as sess, sess.as_default():
        model = load_vgg_model(opts.weights, height=opts.height, width=opts.width)
        sess.run(model["input"].assign(prepared.content))
        a_C = sess.run(model["conv4_2"])
        J_content = compute_content_cost(a_C, model["conv4_2"])
        sess.run(model["input"].assign(prepared.styles[0]))
        J_style = compute_style_cost(model, STYLE_LAYERS)
        J = total_cost(J_content, J_style, alpha=10, beta=40)
        train_step = tf1.train.AdamOptimizer(2.0).minimize(J)
        sess.run(tf1.global_variables_initializer())
        sess.run(model["input"].assign(start))
        for i in range(opts.iterations):
            sess.run(train_step)
            if i % 20 == 0:
                rows.append([i] + [float(v) for v in sess.run([J, J_content, J_style])])
    return rows


@pytest.mark.parametrize("low_memory", [False, True])
def test_main_job_costs_match_the_plain_course_graph(tiny_mat, tmp_path, low_memory):
    import imageio.v2 as imageio

    imageio.imwrite(tmp_path / "c.png", random_image(48, 64, seed=11))
    imageio.imwrite(tmp_path / "s.png", random_image(48, 64, seed=12)[:, ::-1])
    opts = RunOptions(content=str(tmp_path / "c.png"), style=[str(tmp_path / "s.png")],
                      output_dir=str(tmp_path / "out"), iterations=41, width=64, height=48,
                      seed=3, weights=tiny_mat, quiet=True, low_memory=low_memory)
    run(opts)
    with open(tmp_path / "out" / "costs.csv") as fh:
        got = [[float(v) for v in row] for row in list(csv.reader(fh))[1:]]
    want = reference_costs(opts)
    assert [r[0] for r in got] == [0, 20, 40]
    np.testing.assert_allclose(np.array(got), np.array(want), rtol=2e-4)
