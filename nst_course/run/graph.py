"""The main job's inputs and graph: images and weights in, the cost J and its optimiser out.

    prepare / read_images  -- the images read at the run's (or a stage's) size, the weights
    build                  -- VGG, a_C and the style targets, J, Adam or L-BFGS (a RunGraph)
    initial_image          -- the start image (the course's noisy content image by default)
    save_result            -- save_image, in the content's colours with --preserve-colors

With default options this is the course's graph (``build_graph``): its costs are arranged for
speed (:mod:`nst_course.run.fastcosts`) and equal the course graph's to float32 rounding.
"""

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._tf import tf
from ..costs import total_cost
from ..errors import OptionError
from ..images import generate_noise_image, reshape_and_normalize_image, save_image
from ..loading import load_image
from ..vgg import build_vgg, deepest, initialize_weights
from ..weights import weights_for_run
from . import fastcosts, styles
from .onednn import frozen_weights_active
from .options import RunOptions
from .precision import resolve as resolve_precision
from .precision import session_config
from .start import STARTS, colour_matched

tf1 = tf.compat.v1


@dataclass
class RunGraph:
    """Handles of the built graph: the course's model dict, the costs, the training step
    (Adam's update op, or an :class:`~nst_course.run.lbfgs.LBFGS`), and ``extra`` values
    (``style_targets``: {layer: Gram target}; ``J_tv`` with ``--tv-weight``)."""

    model: dict
    J: Any
    J_content: Any
    J_style: Any
    train_step: Any
    extra: dict = field(default_factory=dict)


@dataclass
class Prepared:
    """A run's inputs at one size."""

    content_rgb: np.ndarray  # (H, W, 3) uint8
    style_rgbs: list  # [(h, w, 3) uint8]
    content: np.ndarray  # (1, H, W, 3) normalised
    styles: list  # [(1, h, w, 3) normalised]
    weights: Any  # VGGWeights


def from_arrays(content_rgb: np.ndarray, style_rgbs: list, weights: Any) -> Prepared:
    """A :class:`Prepared` from 8-bit RGB arrays already at the output size."""
    content_rgb = np.ascontiguousarray(content_rgb, dtype=np.uint8)
    style_rgbs = [np.ascontiguousarray(s, dtype=np.uint8) for s in style_rgbs]
    return Prepared(
        content_rgb=content_rgb,
        style_rgbs=style_rgbs,
        content=reshape_and_normalize_image(content_rgb),
        styles=[reshape_and_normalize_image(s) for s in style_rgbs],
        weights=weights,
    )


def read_images(opts: RunOptions, width: int, height: int, weights: Any) -> Prepared:
    """The run's content and style images read from their files at ``width`` x ``height``
    (any mode, converted to RGB, Pillow's Lanczos filter), with ``weights``."""
    content = load_image(opts.content, width, height, max_pixels=opts.max_pixels)
    styles_rgb = [load_image(p, width, height, max_pixels=opts.max_pixels) for p in opts.style]
    return from_arrays(content, styles_rgb, weights)


def prepare(opts: RunOptions) -> Prepared:
    """Read the images (at the output size) and the weights.

    Weights: ``opts.weights`` or the lookup order (``weights.find_weights``); when nothing is
    found, the untrained network with a warning on stderr, or an error with
    ``opts.require_pretrained``.
    """
    prepared = read_images(opts, opts.width, opts.height, None)  # a bad image: before the weights
    prepared.weights = weights_for_run(opts.weights, require_pretrained=opts.require_pretrained)
    return prepared


def weights_as(opts: RunOptions) -> str:
    """How the main job holds the VGG weights: ``'variable'`` with ``--low-memory`` or when
    oneDNN's frozen-weights mode is on (as in ``nst-course run``, see
    :mod:`nst_course.run.onednn`), else the course's ``'constant'``. Same numbers either way."""
    return "variable" if opts.low_memory or frozen_weights_active() else "constant"


def _targets(
    opts: RunOptions, prepared: Prepared, model: dict, sess: Any
) -> tuple[np.ndarray, dict]:
    """a_C and the style Gram targets {layer: (n_C, n_C)}, computed in a session of their own:
    its executors (and the kernels' cached copies of the weights) are freed before training.
    With ``--precision bfloat16`` in the stage's arithmetic, as the costs that use them
    (several style images or ``--style-scale``: in float32, :func:`styles.gram_targets`)."""
    course = not styles.uses_targets(opts)  # the course's: a_S with the style image assigned
    # One fetch list (and one feed) for both images: each new one costs the session an
    # executor of its own (pruning, grappler, kernels: 0.07-0.09 s at 280x210), more than the
    # content image's few layers past the content layer.
    names = [opts.content_layer] + ([name for name, _ in opts.style_layers] if course else [])
    image = tf1.placeholder(tf.float32, model["input"].get_shape(), name="targets_image")
    put = model["input"].assign(image)
    fetch = {name: model[name] for name in names}
    with tf1.Session(graph=sess.graph, config=session_config(opts.precision)) as once:
        initialize_weights(once)
        once.run(put, {image: prepared.content})
        a_C = once.run(fetch)[opts.content_layer]
        if course:
            once.run(put, {image: prepared.styles[0]})
            a_S = once.run(fetch)
            return a_C, {name: fastcosts.gram_of_array(a_S[name]) for name, _ in opts.style_layers}
    return a_C, _blended_targets(opts, prepared, model)


def build(opts: RunOptions, prepared: Prepared, sess: Any) -> RunGraph:
    """The course's graph: content cost at the content layer, style cost, J, Adam.

    The course's formulas and steps (a_C from the content image, a_S from the style image,
    J = alpha J_content + beta J_style, AdamOptimizer), arranged for speed by
    :mod:`nst_course.run.fastcosts`: the style Gram targets are computed once, G^(G) without
    transposed copies. tests/run/test_fast_graph.py checks the costs against the plain course
    graph (``build_graph``) to float32 rounding.

    Options beyond the course (see :mod:`nst_course.run.styles`, :mod:`nst_course.run.lbfgs`):
    several style images / blend weights / a style scale use precomputed target Gram
    matrices; ``tv_weight`` > 0 adds tv_weight * J_tv to J; ``optimizer='lbfgs'`` (or
    ``'lbfgs-carry'``, with ``stop_below``) makes ``train_step`` an
    :class:`~nst_course.run.lbfgs.LBFGS` instead of Adam's update op.
    """
    names = [opts.content_layer] + [name for name, _ in opts.style_layers]
    model = build_vgg(
        prepared.weights,
        height=opts.height,
        width=opts.width,
        pooling=opts.pooling,
        weights_as=weights_as(opts),
        upto=deepest(prepared.weights, names, opts.pooling),
    )
    styles.check_layers(model, opts.content_layer, opts.style_layers)
    a_C, targets = _targets(opts, prepared, model, sess)
    extra: dict = {"style_targets": targets}
    initialize_weights(sess)
    J_content = fastcosts.content_cost(a_C, model[opts.content_layer])
    J_style = fastcosts.style_cost(model, opts.style_layers, targets)
    J = total_cost(J_content, J_style, alpha=opts.alpha, beta=opts.beta)
    if opts.tv_weight > 0:
        from ..costs import total_variation_cost

        extra["J_tv"] = total_variation_cost(model["input"])
        J = J + opts.tv_weight * extra["J_tv"]
    if opts.optimizer in ("lbfgs", "lbfgs-carry"):
        from .lbfgs import LBFGS

        carried = opts.optimizer == "lbfgs-carry"
        rough = resolve_precision(opts.precision) == "bfloat16"
        train_step = LBFGS(
            J,
            model["input"],
            carried=carried,
            stop=opts.stop_below,
            rough=rough,
            parts=(J_content, J_style),
        )
    else:
        train_step = tf1.train.AdamOptimizer(opts.learning_rate).minimize(J)
    return RunGraph(model, J, J_content, J_style, train_step, extra)


def _blended_targets(opts: RunOptions, prepared: Prepared, model: dict) -> dict:
    """Blended (and scaled) style Gram targets {layer: (n_C, n_C)} (nst_course.run.styles)."""
    names = [name for name, _ in opts.style_layers]
    blend = styles.blend_weights(len(opts.style), opts.style_blend_weights)
    images = prepared.styles
    if opts.style_scale != 1.0:
        width, height = styles.style_size(opts.width, opts.height, opts.style_scale)
        images = [
            reshape_and_normalize_image(load_image(path, width, height, max_pixels=opts.max_pixels))
            for path in opts.style
        ]
    return styles.gram_targets(
        prepared.weights,
        images,
        names,
        blend,
        styles.layer_sizes(model, names),
        pooling=opts.pooling,
    )


def initial_image(opts: RunOptions, prepared: Prepared) -> np.ndarray:
    """The starting image: the course's noisy content image (seeded with ``--seed``).

    ``--init content`` starts from the content image, ``style`` from the (first) style image,
    ``content-colors`` from the content image in the style image's colours
    (:func:`nst_course.run.start.colour_matched`) and any other value from that image file,
    each resized to the output size, without noise.
    """
    if opts.init == "noise":
        seed = None if opts.seed is None else np.random.default_rng(opts.seed)
        return generate_noise_image(prepared.content, noise_ratio=opts.noise_ratio, seed=seed)
    if opts.init == "content":
        return prepared.content
    if opts.init == "style":
        return prepared.styles[0]
    if opts.init == "content-colors":
        return colour_matched(prepared.content, prepared.styles[0])
    if not os.path.isfile(opts.init):
        raise OptionError("--init %s: not %s or an image file" % (opts.init, ", ".join(STARTS)))
    return reshape_and_normalize_image(
        load_image(opts.init, opts.width, opts.height, max_pixels=opts.max_pixels)
    )


def save_result(path: str, image: np.ndarray, content_rgb: np.ndarray | None = None) -> str:
    """``save_image``; with ``content_rgb`` (``--preserve-colors``) in the content's colours
    (:mod:`nst_course.run.colors`)."""
    if content_rgb is not None:
        from .colors import save_preserving_colors

        return save_preserving_colors(path, image, content_rgb)
    return save_image(path, image)
