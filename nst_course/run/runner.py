"""The main job behind ``nst-course run``: images in, stylised image and reports out.

With default options this is the course's pipeline (``build_graph`` + ``model_nn``'s loop):
CONFIG's 400x300, alpha 10, beta 40, Adam(2.0), 200 iterations, noise ratio 0.6, conv4_2 and
the five style layers, a save every 20 iterations; its costs are arranged for speed
(:mod:`nst_course.run.fastcosts`) and equal the course graph's to float32 rounding. Options
beyond the course are opt-in and leave that default result unchanged.

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

import numpy as np

from .._tf import tf
from ..config import CONFIG, CONTENT_LAYER, STYLE_LAYERS
from ..costs import total_cost
from ..images import (
    MAX_PIXELS,
    atomic_write,
    generate_noise_image,
    load_image,
    reshape_and_normalize_image,
    save_image,
)
from ..vgg import build_vgg, initialize_weights, release_weight_values
from . import fastcosts
from .checks import check_options, check_output_dir, output_names
from .progress import Progress
from .safety import StepWatch, save_on_interrupt

tf1 = tf.compat.v1


@dataclass
class RunOptions:
    """Options of the main job; the defaults are the course's."""

    content: str = "images/tubingen.jpg"
    style: list[str] = field(default_factory=lambda: ["images/monet.jpg"])
    output_dir: str = "output"
    iterations: int = 200
    width: int = CONFIG.IMAGE_WIDTH
    height: int = CONFIG.IMAGE_HEIGHT
    alpha: float = 10.0
    beta: float = 40.0
    learning_rate: float = 2.0
    noise_ratio: float = CONFIG.NOISE_RATIO
    seed: int | None = None
    print_every: int = 20
    save_every: int = 20
    weights: str | None = None  # path, 'random', or None for the lookup order
    require_pretrained: bool = False
    quiet: bool = False
    # Beyond the course (all off / the course's choice by default).
    optimizer: str = "adam"
    style_blend_weights: list[float] | None = None
    tv_weight: float = 0.0
    preserve_colors: bool = False
    init: str = "noise"
    pooling: str = "avg"
    content_layer: str = CONTENT_LAYER
    style_layers: list[tuple[str, float]] = field(default_factory=lambda: list(STYLE_LAYERS))
    style_scale: float = 1.0
    checkpoint_every: int = 0
    resume: str | None = None
    max_pixels: int = MAX_PIXELS  # largest input image accepted (nst_course.images)
    # Weights in variables instead of the course's constants even where oneDNN's
    # frozen-weights mode is off (``weights_as``; the command line turns the mode on and then
    # holds them in variables anyway, see nst_course.run.onednn): about half the memory, but
    # without the mode oneDNN runs variable kernels on a slower path.
    low_memory: bool = False
    # Coarse-to-fine (nst_course.run.schedule): fractions of the output size, coarse to fine
    # ([1.0]: the course's single scale), iterations per scale (None: --iterations split
    # evenly), the filter that upsamples the image between scales.
    scales: list[float] = field(default_factory=lambda: [1.0])
    scale_iterations: list[int] | None = None
    upsample: str = "bicubic"
    # A named recipe (nst_course.run.presets): options left at their default take its values.
    preset: str | None = None
    # issue 25 hook: --optimizer lbfgs-carry ends a scale (the run, at the last) once an
    # iteration lowers J by less than this fraction of J (nst_course.run.lbfgs; 0: off).
    stop_below: float = 0.0


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
    """Read the images (any mode, converted to RGB, resized to the output size) and weights.

    Weights: ``opts.weights`` or the lookup order (``weights.find_weights``); when nothing is
    found, the untrained network with a warning on stderr, or an error with
    ``opts.require_pretrained``.
    """
    from ..weights import weights_for_run

    content_rgb = load_image(opts.content, opts.width, opts.height, max_pixels=opts.max_pixels)
    style_rgbs = [
        load_image(path, opts.width, opts.height, max_pixels=opts.max_pixels) for path in opts.style
    ]
    weights = weights_for_run(opts.weights, require_pretrained=opts.require_pretrained)
    return Prepared(
        content_rgb=content_rgb,
        style_rgbs=style_rgbs,
        content=reshape_and_normalize_image(content_rgb),
        styles=[reshape_and_normalize_image(s) for s in style_rgbs],
        weights=weights,
    )


def build(opts, prepared, sess):
    """The course's graph: content cost at the content layer, style cost, J, Adam.

    The course's formulas and steps (a_C from the content image, a_S from the style image,
    J = alpha J_content + beta J_style, AdamOptimizer), arranged for speed by
    :mod:`nst_course.run.fastcosts`: the style Gram targets are computed once, G^(G) without
    transposed copies. tests/test_fast_graph.py checks the costs against the plain course
    graph (``build_graph``) to float32 rounding.

    Options beyond the course (see :mod:`nst_course.run.styles`, :mod:`nst_course.run.lbfgs`):
    several style images / blend weights / a style scale use precomputed target Gram
    matrices; ``tv_weight`` > 0 adds tv_weight * J_tv to J; ``optimizer='lbfgs'`` makes
    ``train_step`` an :class:`~nst_course.run.lbfgs.LBFGS` instead of Adam's update op.
    """
    from ..vgg import deepest
    from . import styles

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
    extra = {}
    out = model[opts.content_layer]
    # a_C and a_S come from a session of their own: its executors (and the kernels' cached
    # copies of the weights) are freed before training starts.
    with tf1.Session(graph=sess.graph, config=session_config()) as once:
        initialize_weights(once)
        once.run(model["input"].assign(prepared.content))
        a_C = once.run(out)
        if not styles.uses_targets(opts):  # the course's: a_S with the style image assigned
            once.run(model["input"].assign(prepared.styles[0]))
            a_S = once.run({name: model[name] for name, _ in opts.style_layers})
            extra["style_targets"] = {name: fastcosts.gram_of_array(a) for name, a in a_S.items()}
    if styles.uses_targets(opts):
        extra["style_targets"] = _style_targets(opts, prepared, model)
    initialize_weights(sess)
    J_content = fastcosts.content_cost(a_C, out)
    J_style = fastcosts.style_cost(model, opts.style_layers, extra["style_targets"])
    J = total_cost(J_content, J_style, alpha=opts.alpha, beta=opts.beta)
    if opts.tv_weight > 0:
        from ..costs import total_variation_cost

        extra["J_tv"] = total_variation_cost(model["input"])
        J = J + opts.tv_weight * extra["J_tv"]
    if opts.preserve_colors:
        extra["content_rgb"] = prepared.content_rgb
    if opts.optimizer in ("lbfgs", "lbfgs-carry"):
        from .lbfgs import LBFGS

        # issue 25 hook: lbfgs-carry = nst_course.run.lbfgs.CarriedStepper
        train_step = LBFGS(
            J, model["input"], carried=opts.optimizer == "lbfgs-carry", stop=opts.stop_below
        )
    else:
        train_step = tf1.train.AdamOptimizer(opts.learning_rate).minimize(J)
    return RunGraph(model, J, J_content, J_style, train_step, extra)


def weights_as(opts):
    """How the main job holds the VGG weights: ``'variable'`` with ``--low-memory`` or when
    oneDNN's frozen-weights mode is on (as in ``nst-course run``, see
    :mod:`nst_course.run.onednn`), else the course's ``'constant'``. Same numbers either way."""
    from .onednn import frozen_weights_active

    return "variable" if opts.low_memory or frozen_weights_active() else "constant"


def _style_targets(opts, prepared, model):
    """Blended (and scaled) style Gram targets {layer: (n_C, n_C)} (nst_course.run.styles)."""
    from . import styles

    names = [name for name, _ in opts.style_layers]
    blend = styles.blend_weights(len(opts.style), opts.style_blend_weights)
    images = prepared.styles
    if opts.style_scale != 1.0:
        width, height = styles.style_size(opts.width, opts.height, opts.style_scale)
        images = [
            reshape_and_normalize_image(load_image(path, width, height, max_pixels=opts.max_pixels))
            for path in opts.style
        ]
    targets = styles.gram_targets(
        prepared.weights,
        images,
        names,
        blend,
        styles.layer_sizes(model, names),
        pooling=opts.pooling,
        session_config=session_config(),
    )
    return targets


def initial_image(opts, prepared):
    """The starting image: the course's noisy content image (seeded with ``--seed``).

    ``--init content`` starts from the content image, ``style`` from the (first) style image
    and any other value from that image file, each resized to the output size, without noise.
    """
    if opts.init == "noise":
        seed = None if opts.seed is None else np.random.default_rng(opts.seed)
        return generate_noise_image(prepared.content, noise_ratio=opts.noise_ratio, seed=seed)
    if opts.init == "content":
        return prepared.content
    if opts.init == "style":
        return prepared.styles[0]
    if opts.init == "content-colors":  # issue 25 hook (nst_course.run.start)
        from .start import colour_matched

        return colour_matched(prepared.content, prepared.styles[0])
    if not os.path.isfile(opts.init):
        from ..errors import OptionError

        raise OptionError("--init %s: not noise, content, style or an image file" % opts.init)
    return reshape_and_normalize_image(
        load_image(opts.init, opts.width, opts.height, max_pixels=opts.max_pixels)
    )


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


def save_result(opts, graph, path, image):
    """``save_image``; with ``--preserve-colors`` in the content's colours (nst_course.run.colors)."""
    if opts.preserve_colors:
        from .colors import save_preserving_colors

        return save_preserving_colors(path, image, graph.extra["content_rgb"])
    return save_image(path, image)


class CostLines:
    """The cost lines and saves of the iteration loop, each from the right forward pass.

    The course prints the costs *after* step i (``model_nn`` runs the train step, then J).
    Adam's next step computes exactly those costs in its own forward pass, so the line (and
    save) of iteration i is written from step i + 1's run (:attr:`StepWatch.before`) instead of
    an extra forward pass; :meth:`flush` makes that pass only where no next step comes (the
    last iteration, a checkpoint, an interruption) and for L-BFGS.
    """

    def __init__(self, opts, graph, sess, log, progress):
        self.opts, self.graph, self.sess, self.log, self.progress = opts, graph, sess, log, progress
        self.pending = None  # (iteration, want_costs, want_save) waiting for the next step

    def due(self, i, deferred):
        """Iteration ``i`` is done: write its line/save now or (``deferred``) after the next step."""
        want_costs = i % self.opts.print_every == 0
        want_save = self.opts.save_every > 0 and i % self.opts.save_every == 0
        if want_costs or want_save:
            self.pending = (i, want_costs, want_save)
            if not deferred:
                self.flush()

    def from_step(self, before):
        """The next step ran: ``before`` = (total, content, style, image) of the pending one."""
        if self.pending is not None:
            self.write(*self.pending, *before)

    def flush(self):
        """Write a pending line/save with a forward pass of its own."""
        if self.pending is not None:
            g = self.graph
            self.write(
                *self.pending, *self.sess.run([g.J, g.J_content, g.J_style, g.model["input"]])
            )

    def write(self, i, want_costs, want_save, Jt, Jc, Js, image):
        self.pending = None
        if want_costs:
            self.log.add(i, Jt, Jc, Js)
            self.progress.clear()
            _say(
                self.opts,
                "Iteration " + str(i) + " :",
                "total cost = " + str(Jt),
                "content cost = " + str(Jc),
                "style cost = " + str(Js),
            )
        if want_save:
            save_result(
                self.opts, self.graph, os.path.join(self.opts.output_dir, str(i) + ".png"), image
            )


def optimize(
    opts, graph, sess, start_image, log, progress=None, lines=None, start=0, save_state=None
):
    """Run the iterations; print and log costs every ``print_every``, save every ``save_every``.

    Iterations ``start`` .. ``opts.iterations - 1`` (``start`` > 0: a later scale of a
    coarse-to-fine run, nst_course.run.schedule); with ``--resume`` the checkpoint's
    iteration. ``save_state(done)``, if given, writes the checkpoints instead of
    :func:`nst_course.run.checkpoint.save` with ``opts``.

    The cost lines are the course's ("Iteration i :", "total cost = ...", ...), with the costs
    after step i, as ``model_nn`` prints them (:class:`CostLines`). ``progress`` (a
    :class:`~nst_course.run.progress.Progress`) shows iterations done, s/iteration and time left.
    Returns the final image (1, H, W, 3).
    """
    if progress is None:
        progress = Progress(opts.iterations, every=opts.print_every, enabled=False)
    if lines is None:
        lines = CostLines(opts, graph, sess, log, progress)
    model = graph.model
    sess.run(tf1.global_variables_initializer())
    sess.run(model["input"].assign(start_image))
    if opts.resume:  # beyond the course: continue a checkpointed run (nst_course.run.checkpoint)
        from .checkpoint import restore

        start = restore(opts.resume, sess, log)
    stepper = None
    if opts.optimizer in ("lbfgs", "lbfgs-carry"):  # one L-BFGS iteration per step (.lbfgs)
        stepper = graph.train_step.stepper(
            sess, opts.iterations - start, say=lambda line: (progress.clear(), _say(opts, line))
        )
    watch = StepWatch(opts, sess, graph)
    deferred = stepper is None and watch.image_read is not None
    progress.start(done=start)
    for i in range(start, opts.iterations):
        if stepper is None:
            watch.step(i)  # Adam's train_step, watched for NaN/Inf cost (nst_course.run.safety)
            lines.from_step(watch.before)
        else:
            watch.step(i, run=stepper.step)
        lines.due(i, deferred and i + 1 < opts.iterations)  # the last one: no next step
        if opts.checkpoint_every and (i + 1) % opts.checkpoint_every == 0:
            from .checkpoint import save as save_checkpoint

            lines.flush()
            if save_state is not None:
                save_state(i + 1)
            else:
                save_checkpoint(opts.output_dir, sess, i + 1, opts, getattr(log, "rows", ()))
        progress.update(i + 1)
        if getattr(stepper, "stopped", False):  # issue 25 hook: --stop-below ended the scale
            break
    if stepper is not None:
        stepper.close()
    progress.close()
    return sess.run(model["input"])


def _stop_reporting(lines, progress):
    """The run stops early: on Ctrl-C/SIGTERM write a cost line still waiting for its next
    step (best effort; after an error, such as a NaN cost, the image may not be worth it),
    then end the progress display."""
    import sys

    if isinstance(sys.exc_info()[1], KeyboardInterrupt):
        try:
            lines.flush()
        except Exception:  # noqa: BLE001 - never hide why the run stopped
            pass
    progress.close()


def _state_saver(opts, sess, log, lines):
    """On Ctrl-C/SIGTERM with checkpoints on: write the resumable state, return its directory."""
    if not opts.checkpoint_every:
        return None

    def save_state(watch):
        from .checkpoint import save as save_checkpoint

        lines.flush()
        save_checkpoint(opts.output_dir, sess, watch.done, opts, getattr(log, "rows", ()))
        return opts.output_dir

    return save_state


def run(opts):
    """Run the main job with :class:`RunOptions`; returns the final image (H, W, 3) uint8."""
    started = time.time()
    if opts.preset:  # a named recipe (nst_course.run.presets)
        from .presets import apply_preset

        opts = apply_preset(opts)
    if opts.resume:  # the saved run's options (nst_course.run.checkpoint)
        from .checkpoint import resume_options

        opts = resume_options(opts)
    from . import schedule

    if schedule.is_multiscale(opts):  # coarse-to-fine: this module's parts run each scale
        import sys

        return schedule.run_scales(opts, sys.modules[__name__])
    opts = schedule.with_total(opts)  # one scale: --scale-iterations N is --iterations N
    check_options(opts)  # before any work (nst_course.run.checks)
    check_output_dir(opts.output_dir, output_names(opts))
    prepared = prepare(opts)
    os.makedirs(opts.output_dir, exist_ok=True)
    graph_tf = tf.Graph()
    with graph_tf.as_default():
        if opts.seed is not None:
            tf1.set_random_seed(opts.seed)
        with tf1.Session(graph=graph_tf) as sess:
            graph = build(opts, prepared, sess)
            prepared.weights.drop_arrays()  # the graph holds the weights now
            release_weight_values(graph_tf)
            log = CostLog(os.path.join(opts.output_dir, "costs.csv"))
            progress = Progress(opts.iterations, every=opts.print_every, enabled=not opts.quiet)
            lines = CostLines(opts, graph, sess, log, progress)
            with save_on_interrupt(
                opts,
                sess,
                graph,
                _state_saver(opts, sess, log, lines),
                on_error=lambda: _stop_reporting(lines, progress),
            ):
                final = optimize(
                    opts,
                    graph,
                    sess,
                    initial_image(opts, prepared),
                    log,
                    progress=progress,
                    lines=lines,
                )
    save_result(opts, graph, os.path.join(opts.output_dir, "generated_image.jpg"), final)
    from ..images import to_uint8
    from .outputs import write_reports

    result = to_uint8(final)
    if opts.preserve_colors:
        from .colors import preserve_colors

        result = preserve_colors(prepared.content_rgb, result)
    write_reports(
        opts, prepared.content_rgb, prepared.style_rgbs, result, log.rows, weights=prepared.weights
    )
    _say(
        opts,
        "Done in %.1f s: %s"
        % (time.time() - started, os.path.join(opts.output_dir, "generated_image.jpg")),
        "Also written there: costs.csv, costs.png, summary.png, progress.gif",
    )
    return result


def session_config():
    """The session configuration the main job runs with (see the speed notes in README)."""
    return None
