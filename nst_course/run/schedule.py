"""Coarse-to-fine optimisation (``--scales``, ``--scale-iterations``): beyond the course, opt-in.

The image is optimised first at a fraction of the output size, where a step is cheap, then
upsampled and refined at larger sizes, the last one the output size::

    scales s_1 < s_2 < ... < s_K = 1         size_k = (round(W s_k), round(H s_k)), shorter side >= 32
    G_1^(0) = the start image at size_1      (--init, as in a single-scale run)
    G_k^(0) = up(G_{k-1}^(n_{k-1}))          bicubic (or Lanczos) resize of the de-normalised image:
                                             up(G) = clip(resize(G + MEANS), 0, 255) - MEANS

At every scale the content image and the style image(s) are read again from their files at
that size (Pillow's Lanczos, as a single-scale run reads them), so a_C and the style Gram
targets are the scale's own, and the graph is the one :func:`nst_course.run.runner.build`
makes for a run at that size: the same cost J (alpha, beta, layers, --tv-weight ...) and the
same optimiser (Adam or L-BFGS). At the last scale that is exactly the course's cost at the
output size. The default ``scales = [1]`` is the course's single-scale run, which
:func:`nst_course.run.runner.run` does without this module.

Iterations are numbered through the whole schedule: scale k runs iterations
``first_k .. first_k + n_k - 1``. ``n_k`` is ``--scale-iterations`` or ``--iterations`` split
evenly (the remainder to the coarsest scales). Cost lines and costs.csv give each scale's own
cost (at that size, so they jump when the size changes); the saved frames ``<i>.png`` are
upsampled to the output size, so progress.gif shows them all. A checkpoint records its scale,
and ``--resume`` continues at that scale and iteration.
"""

import dataclasses
import math
import numbers
import os
import time

import numpy as np

from ..config import CONFIG
from ..errors import OptionError
from ..images import MIN_SIDE

#: The resampling filters offered by ``--upsample``.
UPSAMPLE = ("bicubic", "lanczos")


@dataclasses.dataclass
class Stage:
    """One scale of the schedule: its size and its iterations ``first .. end - 1``."""

    index: int
    scale: float
    width: int
    height: int
    first: int
    end: int

    @property
    def iterations(self):
        return self.end - self.first


def is_multiscale(opts):
    """True if ``opts`` asks for more than one scale."""
    return len(list(getattr(opts, "scales", None) or [1.0])) > 1


def scale_size(width, height, scale):
    """The (width, height) of ``scale``: each side rounded; a scale that would make a side
    shorter than :data:`MIN_SIDE` pixels is raised until the shorter side has that many (the
    aspect ratio kept), but never above 1."""
    scale = min(1.0, max(float(scale), MIN_SIDE / float(min(width, height))))
    return (max(MIN_SIDE, int(round(width * scale))), max(MIN_SIDE, int(round(height * scale))))


def split_iterations(total, count):
    """``total`` iterations over ``count`` scales, evenly; the remainder to the first (coarsest)."""
    base, rest = divmod(int(total), int(count))
    return [base + (1 if k < rest else 0) for k in range(count)]


def check_schedule(opts):
    """Raise :class:`OptionError` (one line) for scales or scale iterations that cannot work."""
    scales = list(getattr(opts, "scales", None) or [1.0])
    for s in scales:
        if (
            isinstance(s, bool)
            or not isinstance(s, numbers.Real)
            or not math.isfinite(s)
            or not 0 < s <= 1
        ):
            raise OptionError("--scales: %r is not a fraction of the output size in (0, 1]" % (s,))
    if any(b <= a for a, b in zip(scales, scales[1:])):
        raise OptionError(
            "--scales %s: give the fractions from coarse to fine, each larger than "
            "the one before" % ",".join("%g" % s for s in scales)
        )
    if scales[-1] != 1:
        raise OptionError(
            "--scales %s: the last scale must be 1 (the output size), e.g. %s,1"
            % (",".join("%g" % s for s in scales), ",".join("%g" % s for s in scales))
        )
    counts = getattr(opts, "scale_iterations", None)
    if counts is not None:
        counts = list(counts)
        if len(counts) != len(scales):
            raise OptionError(
                "--scale-iterations gives %d numbers for %d scales (--scales %s); "
                "give one per scale"
                % (len(counts), len(scales), ",".join("%g" % s for s in scales))
            )
        for n in counts:
            if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
                raise OptionError(
                    "--scale-iterations: %r is not a whole number greater than 0" % (n,)
                )
    elif len(scales) > 1 and opts.iterations < len(scales):
        raise OptionError(
            "--iterations %d cannot be split over %d scales; give at least one "
            "per scale" % (opts.iterations, len(scales))
        )
    if getattr(opts, "upsample", "bicubic") not in UPSAMPLE:
        raise OptionError("--upsample %r: choose %s" % (opts.upsample, " or ".join(UPSAMPLE)))


def total_iterations(opts):
    """The run's number of iterations: the sum of ``scale_iterations`` when given."""
    counts = getattr(opts, "scale_iterations", None)
    return int(sum(counts)) if counts else int(opts.iterations)


def with_total(opts):
    """``opts`` with ``iterations`` set to the whole schedule's (see :func:`total_iterations`)."""
    total = total_iterations(opts)
    return opts if total == opts.iterations else dataclasses.replace(opts, iterations=total)


def plan(opts):
    """The schedule of ``opts`` as a list of :class:`Stage`, coarse to fine."""
    scales = list(opts.scales or [1.0])
    counts = (
        list(opts.scale_iterations)
        if opts.scale_iterations
        else split_iterations(opts.iterations, len(scales))
    )
    stages, first = [], 0
    for k, (scale, n) in enumerate(zip(scales, counts)):
        width, height = scale_size(opts.width, opts.height, scale)
        if scale == 1:
            width, height = opts.width, opts.height
        stages.append(Stage(k, float(scale), width, height, first, first + int(n)))
        first += int(n)
    return stages


def upsample(image, width, height, method="bicubic"):
    """Resize a normalised image (1, h, w, 3) to (1, ``height``, ``width``, 3).

    De-normalised first (``+ MEANS``), each channel resized as a float image with Pillow's
    bicubic or Lanczos filter, clipped to [0, 255] (both filters overshoot at edges), then
    normalised again (``- MEANS``): the same pixels a saved image would have, before rounding.
    """
    from PIL import Image

    filters = {"bicubic": Image.BICUBIC, "lanczos": Image.LANCZOS}
    rgb = np.asarray(image, dtype=np.float32)[0] + CONFIG.MEANS[0, 0].astype(np.float32)
    channels = [
        np.asarray(
            Image.fromarray(np.ascontiguousarray(rgb[..., c]), "F").resize(
                (int(width), int(height)), filters[method]
            )
        )
        for c in range(rgb.shape[-1])
    ]
    out = np.clip(np.stack(channels, axis=-1), 0.0, 255.0) - CONFIG.MEANS[0, 0]
    return out[np.newaxis].astype(np.float32)


def describe_stage(stage, count):
    """``'Scale 2/3 (0.5): 200x150, iterations 67-133'``."""
    return "Scale %d/%d (%g): %dx%d, iterations %d-%d" % (
        stage.index + 1,
        count,
        stage.scale,
        stage.width,
        stage.height,
        stage.first,
        stage.end - 1,
    )


# --------------------------------------------------------------------------- the run


def _stage_images(job, opts, stage, weights):
    """The run's images read at the stage's size (a ``Prepared``)."""
    from ..images import load_image, reshape_and_normalize_image

    content_rgb = load_image(opts.content, stage.width, stage.height, max_pixels=opts.max_pixels)
    style_rgbs = [
        load_image(path, stage.width, stage.height, max_pixels=opts.max_pixels)
        for path in opts.style
    ]
    return job.Prepared(
        content_rgb,
        style_rgbs,
        reshape_and_normalize_image(content_rgb),
        [reshape_and_normalize_image(s) for s in style_rgbs],
        weights,
    )


class _StageProgress:
    """The run's one progress display, handed to each stage's loop; only the run closes it."""

    def __init__(self, progress):
        self.progress = progress

    def close(self):
        pass

    def __getattr__(self, name):
        return getattr(self.progress, name)


def _resume_stage(opts, stages):
    """(index of the stage a checkpoint continues in, the checkpoint): its recorded scale, or
    the last stage for a checkpoint of a single-scale run."""
    from .checkpoint import load

    ckpt = load(opts.resume)
    index = len(stages) - 1 if ckpt.scale is None else int(ckpt.scale)
    if not 0 <= index < len(stages):
        raise OptionError(
            "--resume: %s was taken at scale %d, but the run has %d scales"
            % (ckpt.path, index + 1, len(stages))
        )
    stage = stages[index]
    if not stage.first <= ckpt.iteration <= stage.end:
        raise OptionError(
            "--resume: %s was taken after iteration %d, outside scale %d's "
            "iterations %d-%d; resume with the run's own --scale-iterations"
            % (ckpt.path, ckpt.iteration, index + 1, stage.first, stage.end - 1)
        )
    return index, ckpt


def _stage_lines(job, stage_opts, graph, sess, log, progress, opts, last):
    """The runner's cost lines; a frame saved at a coarse scale is upsampled to the output
    size first, so every ``<i>.png`` (and so progress.gif) has the output's size."""
    lines = job.CostLines(stage_opts, graph, sess, log, progress)
    if not last:
        plain = lines.write

        def write(i, want_costs, want_save, Jt, Jc, Js, image):
            if want_save:
                image = upsample(image, opts.width, opts.height, opts.upsample)
            plain(i, want_costs, want_save, Jt, Jc, Js, image)

        lines.write = write
    return lines


def _stage_saver(opts, stage, sess, log, lines):
    """With checkpoints on: ``save_state(done)`` writing the run's options and the scale."""
    if not opts.checkpoint_every:
        return None

    def save_state(done):
        from .checkpoint import save as save_checkpoint

        lines.flush()
        save_checkpoint(
            opts.output_dir, sess, done, opts, getattr(log, "rows", ()), scale=stage.index
        )
        return opts.output_dir

    return save_state


class _Extra:
    """Stands for a RunGraph in ``save_result`` (which reads ``extra['content_rgb']`` only)."""

    def __init__(self, content_rgb):
        self.extra = {"content_rgb": content_rgb}


def run_scales(opts, job):
    """Run the coarse-to-fine schedule of ``opts``; returns the final image (H, W, 3) uint8.

    ``job`` is the module :mod:`nst_course.run.runner`, whose ``run`` calls this function for
    a schedule of more than one scale (with the options already merged with a checkpoint's):
    its parts (``build``, ``optimize``, the cost lines ...) run each stage, so a stage is a
    single-scale run at the stage's size. Passed in, not imported: the runner imports this
    module. Writes what a single-scale run writes (cost lines, ``<i>.png``, costs.csv,
    generated_image.jpg, the reports) and, with ``--checkpoint-every``, checkpoints that
    record the scale they were taken at.
    """
    from .._tf import tf
    from ..images import to_uint8
    from ..vgg import release_weight_values
    from ..weights import weights_for_run
    from .outputs import write_reports
    from .progress import Progress
    from .safety import save_on_interrupt

    tf1 = tf.compat.v1
    started = time.time()
    opts = with_total(opts)
    job.check_options(opts)
    job.check_output_dir(opts.output_dir, job.output_names(opts))
    stages = plan(opts)
    weights = weights_for_run(opts.weights, require_pretrained=opts.require_pretrained)
    final_stage = stages[-1]
    full = _stage_images(job, opts, final_stage, weights)
    os.makedirs(opts.output_dir, exist_ok=True)
    log = job.CostLog(os.path.join(opts.output_dir, "costs.csv"))
    progress = Progress(opts.iterations, every=opts.print_every, enabled=not opts.quiet)
    first_index, ckpt, image = 0, None, None
    carried = None  # issue 25 hook: what --optimizer lbfgs-carry hands to the next scale
    if opts.resume:
        first_index, ckpt = _resume_stage(opts, stages)
    for stage in stages[first_index:]:
        resume_here = ckpt is not None and stage.index == first_index
        last = stage is final_stage
        if resume_here and ckpt.iteration == stage.end and not last:
            image = ckpt.variables["input"]  # the checkpoint closed its scale: go on from it
            log.rows = [row for row in ckpt.cost_rows if row[0] < ckpt.iteration]
            continue
        job._say(opts, describe_stage(stage, len(stages)))
        stage_opts = dataclasses.replace(
            opts,
            width=stage.width,
            height=stage.height,
            iterations=stage.end,
            scales=[1.0],
            scale_iterations=None,
            resume=opts.resume if resume_here else None,
        )
        prepared = full if last else _stage_images(job, opts, stage, weights)
        graph_tf = tf.Graph()
        with graph_tf.as_default():
            if opts.seed is not None:
                tf1.set_random_seed(opts.seed)
            with tf1.Session(graph=graph_tf) as sess:
                graph = job.build(stage_opts, prepared, sess)
                if last:
                    weights.drop_arrays()  # the graph holds the weights now
                release_weight_values(graph_tf)
                if opts.preserve_colors:  # frames are saved at the output size
                    graph.extra["content_rgb"] = full.content_rgb
                if image is not None:
                    start_image = upsample(image, stage.width, stage.height, opts.upsample)
                elif resume_here:
                    start_image = prepared.content  # replaced by the checkpoint's image
                else:
                    start_image = job.initial_image(stage_opts, prepared)
                if carried is not None:  # issue 25 hook (nst_course.run.lbfgs)
                    graph.train_step.carry = carried
                lines = _stage_lines(job, stage_opts, graph, sess, log, progress, opts, last)
                saver = _stage_saver(opts, stage, sess, log, lines)
                with save_on_interrupt(
                    opts,
                    sess,
                    graph,
                    None if saver is None else (lambda w, saver=saver: saver(w.done)),
                    on_error=lambda lines=lines: job._stop_reporting(lines, progress),
                ):
                    image = job.optimize(
                        stage_opts,
                        graph,
                        sess,
                        start_image,
                        log,
                        progress=_StageProgress(progress),
                        lines=lines,
                        start=stage.first,
                        save_state=saver,
                    )
                from .lbfgs import handed_on  # issue 25 hook

                carried = handed_on(graph.train_step)
        del graph, graph_tf, sess, prepared, lines
    progress.close()
    job.save_result(
        opts, _Extra(full.content_rgb), os.path.join(opts.output_dir, "generated_image.jpg"), image
    )
    result = to_uint8(image)
    if opts.preserve_colors:
        from .colors import preserve_colors

        result = preserve_colors(full.content_rgb, result)
    write_reports(opts, full.content_rgb, full.style_rgbs, result, log.rows, weights=weights)
    job._say(
        opts,
        "Done in %.1f s: %s"
        % (time.time() - started, os.path.join(opts.output_dir, "generated_image.jpg")),
        "Also written there: costs.csv, costs.png, summary.png, progress.gif",
    )
    return result
