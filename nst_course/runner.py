"""The main job behind ``nst-course run``: images in, stylised image and reports out.

With default options this is exactly the course's pipeline (``build_graph`` + ``model_nn``'s
loop): CONFIG's 400x300, alpha 10, beta 40, Adam(2.0), 200 iterations, noise ratio 0.6,
conv4_2 and the five style layers, a save every 20 iterations. Options beyond the course
are opt-in and leave that default result unchanged.

Layout of this module (each part has one job):
  RunOptions  -- every option of the main job, with the course's defaults
  prepare     -- read and resize the images, choose the weights
  build       -- the graph: VGG, costs, optimiser (a :class:`RunGraph`)
  optimize    -- the iteration loop: steps, cost lines, saves, costs.csv
  run         -- all of the above, then the final files and the report
"""

import csv
import io
import os
import time
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import numpy as np
from ._tf import tf

from .config import CONFIG, CONTENT_LAYER, STYLE_LAYERS
from .costs import compute_content_cost, compute_style_cost, total_cost
from .images import (
    atomic_write,
    generate_noise_image,
    load_image,
    reshape_and_normalize_image,
    save_image,
)
from .vgg import build_vgg

tf1 = tf.compat.v1


@dataclass
class RunOptions:
    """Options of the main job; the defaults are the course's."""

    content: str = "images/tubingen.jpg"
    style: List[str] = field(default_factory=lambda: ["images/monet.jpg"])
    output_dir: str = "output"
    iterations: int = 200
    width: int = CONFIG.IMAGE_WIDTH
    height: int = CONFIG.IMAGE_HEIGHT
    alpha: float = 10.0
    beta: float = 40.0
    learning_rate: float = 2.0
    noise_ratio: float = CONFIG.NOISE_RATIO
    seed: Optional[int] = None
    print_every: int = 20
    save_every: int = 20
    weights: Optional[str] = None  # path, 'random', or None for the lookup order
    require_pretrained: bool = False
    quiet: bool = False
    # Beyond the course (all off / the course's choice by default).
    optimizer: str = "adam"
    style_blend_weights: Optional[List[float]] = None
    tv_weight: float = 0.0
    preserve_colors: bool = False
    init: str = "noise"
    pooling: str = "avg"
    content_layer: str = CONTENT_LAYER
    style_layers: List[Tuple[str, float]] = field(default_factory=lambda: list(STYLE_LAYERS))
    style_scale: float = 1.0
    checkpoint_every: int = 0
    resume: Optional[str] = None


@dataclass
class RunGraph:
    """Handles of the built graph."""

    model: dict
    J: tf.Tensor
    J_content: tf.Tensor
    J_style: tf.Tensor
    train_step: object
    extra: dict = field(default_factory=dict)


@dataclass
class Prepared:
    content_rgb: np.ndarray  # (H, W, 3) uint8
    style_rgbs: list  # [(h, w, 3) uint8]
    content: np.ndarray  # (1, H, W, 3) normalised
    styles: list  # [(1, h, w, 3) normalised]
    weights: object  # VGGWeights


def _say(opts, *lines):
    if not opts.quiet:
        for line in lines:
            print(line, flush=True)


def prepare(opts):
    """Read the images (any mode, converted to RGB, resized to the output size) and weights."""
    from .weights import load_weights

    content_rgb = load_image(opts.content, opts.width, opts.height)
    style_rgbs = [load_image(path, opts.width, opts.height) for path in opts.style]
    weights = load_weights(opts.weights)
    return Prepared(
        content_rgb=content_rgb,
        style_rgbs=style_rgbs,
        content=reshape_and_normalize_image(content_rgb),
        styles=[reshape_and_normalize_image(s) for s in style_rgbs],
        weights=weights,
    )


def build(opts, prepared, sess):
    """The course's graph: content cost at the content layer, style cost, J, Adam."""
    model = build_vgg(prepared.weights, height=opts.height, width=opts.width, pooling=opts.pooling)
    with sess.as_default():
        sess.run(model["input"].assign(prepared.content))
        out = model[opts.content_layer]
        a_C = sess.run(out)
        J_content = compute_content_cost(a_C, out)
        sess.run(model["input"].assign(prepared.styles[0]))
        J_style = compute_style_cost(model, opts.style_layers)
    J = total_cost(J_content, J_style, alpha=opts.alpha, beta=opts.beta)
    train_step = tf1.train.AdamOptimizer(opts.learning_rate).minimize(J)
    return RunGraph(model, J, J_content, J_style, train_step)


def initial_image(opts, prepared):
    """The starting image: the course's noisy content image (seeded with ``--seed``)."""
    seed = None if opts.seed is None else np.random.default_rng(opts.seed)
    return generate_noise_image(prepared.content, noise_ratio=opts.noise_ratio, seed=seed)


class CostLog:
    """Cost rows (iteration, total, content, style) kept in memory and as costs.csv."""

    HEADER = ("iteration", "total", "content", "style")

    def __init__(self, path):
        self.path = path
        self.rows = []

    def add(self, iteration, total, content, style):
        self.rows.append((int(iteration), float(total), float(content), float(style)))
        self.write()

    def write(self):
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.HEADER)
        for it, t, c, s in self.rows:
            writer.writerow((it, repr(t), repr(c), repr(s)))
        text = buf.getvalue()

        def write(tmp):
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text)

        atomic_write(self.path, write)


def optimize(opts, graph, sess, start_image, log):
    """Run the iterations; print and log costs every ``print_every``, save every ``save_every``.

    The cost lines are the course's ("Iteration i :", "total cost = ...", ...), printed after
    step i, as ``model_nn`` does. Returns the final image (1, H, W, 3).
    """
    model = graph.model
    sess.run(tf1.global_variables_initializer())
    sess.run(model["input"].assign(start_image))
    image = start_image
    for i in range(opts.iterations):
        sess.run(graph.train_step)
        want_costs = i % opts.print_every == 0
        want_save = opts.save_every > 0 and i % opts.save_every == 0
        if want_costs or want_save:
            Jt, Jc, Js, image = sess.run([graph.J, graph.J_content, graph.J_style, model["input"]])
            if want_costs:
                log.add(i, Jt, Jc, Js)
                _say(opts, "Iteration " + str(i) + " :", "total cost = " + str(Jt),
                     "content cost = " + str(Jc), "style cost = " + str(Js))
            if want_save:
                save_image(os.path.join(opts.output_dir, str(i) + ".png"), image)
    return sess.run(model["input"])


def run(opts):
    """Run the main job with :class:`RunOptions`; returns the final image (H, W, 3) uint8."""
    started = time.time()
    prepared = prepare(opts)
    os.makedirs(opts.output_dir, exist_ok=True)
    graph_tf = tf.Graph()
    with graph_tf.as_default():
        if opts.seed is not None:
            tf1.set_random_seed(opts.seed)
        with tf1.Session(graph=graph_tf) as sess:
            graph = build(opts, prepared, sess)
            log = CostLog(os.path.join(opts.output_dir, "costs.csv"))
            final = optimize(opts, graph, sess, initial_image(opts, prepared), log)
    save_image(os.path.join(opts.output_dir, "generated_image.jpg"), final)
    _say(opts, "Done in %.1f s: %s" % (time.time() - started,
                                       os.path.join(opts.output_dir, "generated_image.jpg")))
    from .images import to_uint8

    return to_uint8(final)
