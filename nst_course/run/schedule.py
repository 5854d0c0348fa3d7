"""Coarse-to-fine optimisation (``--scales``, ``--scale-iterations``): beyond the course, opt-in.

The image is optimised first at a fraction of the output size, where a step is cheap, then
upsampled and refined at larger sizes, the last one the output size::

    scales s_1 < s_2 < ... < s_K = 1         size_k = (round(W s_k), round(H s_k)), shorter side >= 32
    G_1^(0) = the start image at size_1      (--init, as in a single-scale run)
    G_k^(0) = up(G_{k-1}^(n_{k-1}))          bicubic (or Lanczos) resize of the de-normalised image:
                                             up(G) = clip(resize(G + MEANS), 0, 255) - MEANS

At every scale the content image and the style image(s) are read again from their files at
that size (Pillow's Lanczos, as a single-scale run reads them), so a_C and the style Gram
targets are the scale's own, and the graph is the one :func:`nst_course.run.graph.build`
makes for a run at that size: the same cost J (alpha, beta, layers, --tv-weight ...) and the
same optimiser (Adam or L-BFGS). At the last scale that is exactly the course's cost at the
output size. The default ``scales = [1]`` is the course's single-scale run: a schedule of one
stage. This module plans; :func:`nst_course.run.runner.run` trains each stage with the one
driver, :func:`nst_course.run.stage.train_stage`.

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
from typing import Any

import numpy as np
from PIL import Image

from ..config import CONFIG
from ..errors import OptionError
from ..loading import MIN_SIDE

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
    def iterations(self) -> int:
        return self.end - self.first


def whole(opts: Any) -> Stage:
    """The one stage of a run at a single scale: the output size, every iteration."""
    return Stage(0, 1.0, opts.width, opts.height, 0, opts.iterations)


def is_multiscale(opts: Any) -> bool:
    """True if ``opts`` asks for more than one scale."""
    return len(list(getattr(opts, "scales", None) or [1.0])) > 1


def scale_size(width: int, height: int, scale: float) -> tuple[int, int]:
    """The (width, height) of ``scale``: each side rounded; a scale that would make a side
    shorter than :data:`MIN_SIDE` pixels is raised until the shorter side has that many (the
    aspect ratio kept), but never above 1."""
    scale = min(1.0, max(float(scale), MIN_SIDE / float(min(width, height))))
    return (max(MIN_SIDE, int(round(width * scale))), max(MIN_SIDE, int(round(height * scale))))


def split_iterations(total: int, count: int) -> list[int]:
    """``total`` iterations over ``count`` scales, evenly; the remainder to the first (coarsest)."""
    base, rest = divmod(int(total), int(count))
    return [base + (1 if k < rest else 0) for k in range(count)]


def check_schedule(opts: Any) -> None:
    """Raise :class:`OptionError` (one line) for scales or scale iterations that cannot work."""
    scales = list(getattr(opts, "scales", None) or [1.0])
    for s in scales:
        if (
            isinstance(s, bool)
            or not isinstance(s, numbers.Real)
            or not math.isfinite(s)
            or not 0 < float(s) <= 1
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


def total_iterations(opts: Any) -> int:
    """The run's number of iterations: the sum of ``scale_iterations`` when given."""
    counts = getattr(opts, "scale_iterations", None)
    return int(sum(counts)) if counts else int(opts.iterations)


def with_total(opts: Any) -> Any:
    """``opts`` with ``iterations`` set to the whole schedule's (see :func:`total_iterations`)."""
    total = total_iterations(opts)
    return opts if total == opts.iterations else dataclasses.replace(opts, iterations=total)


def plan(opts: Any) -> list[Stage]:
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


def upsample(image: np.ndarray, width: int, height: int, method: str = "bicubic") -> np.ndarray:
    """Resize a normalised image (1, h, w, 3) to (1, ``height``, ``width``, 3).

    De-normalised first (``+ MEANS``), each channel resized as a float image with Pillow's
    bicubic or Lanczos filter, clipped to [0, 255] (both filters overshoot at edges), then
    normalised again (``- MEANS``): the same pixels a saved image would have, before rounding.
    """
    filters = {"bicubic": Image.Resampling.BICUBIC, "lanczos": Image.Resampling.LANCZOS}
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


def describe_stage(stage: Stage, count: int) -> str:
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


def resume_stage(opts: Any, stages: list[Stage]) -> tuple[int, Any]:
    """(index of the stage a checkpoint continues in, the checkpoint): its recorded scale, or
    the last stage for a checkpoint of a single-scale run."""
    from .checkpoint import load  # here: it imports TensorFlow, the checks import this module

    ckpt = load(opts.resume)
    if len(stages) == 1:  # a single-scale run continues wherever its checkpoint was taken
        return 0, ckpt
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
