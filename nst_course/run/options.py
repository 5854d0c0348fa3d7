"""Every option of the main job, defined once: :class:`RunOptions`.

Each field carries its default and, in its metadata, the help text and the value parser of
the command line (:mod:`nst_course._values`). The ``run`` parser (:mod:`nst_course.run.cli`),
the batch's manifest columns and options (:mod:`nst_course.batch`) and the figures' settings
(:mod:`nst_course.demos`) are built from these fields, so a new option is one new field here.

The defaults are the course's: CONFIG's 400x300, alpha 10, beta 40, Adam(2.0), 200
iterations, noise ratio 0.6, conv4_2 and the five style layers, a save every 20 iterations.
Options beyond the course are opt-in and leave that default result unchanged.
"""

import argparse
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .. import _values
from ..config import CONFIG, CONTENT_LAYER, STYLE_LAYERS
from ..loading import MAX_PIXELS
from .precision import PRECISIONS
from .presets import MEASURED, PRESETS, preset_flags
from .start import STARTS

#: The two groups of ``nst-course run --help``.
COURSE, BEYOND = "the course's settings", "beyond the course (opt-in)"


def option(
    default: Any = dataclasses.MISSING,
    *,
    help: str,
    parse: Callable[[str], Any] | None = None,
    metavar: str | None = None,
    choices: tuple | None = None,
    group: str = COURSE,
    factory: Callable[[], Any] | None = None,
) -> Any:
    """A :class:`RunOptions` field: its default (or ``factory``) and its command-line form.

    ``parse`` is the option's value parser (a :mod:`nst_course._values` function, None for
    text); a field whose default is ``False`` is a flag (``--quiet``)."""
    meta = {"help": help, "parse": parse, "metavar": metavar, "choices": choices, "group": group}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def _style_layers_text() -> str:
    return ",".join("%s:%g" % (name, w) for name, w in STYLE_LAYERS)


def _preset_help() -> str:
    recipes = "; ".join(
        "%s = %s: %s" % (name, preset_flags(name), MEASURED[name]) for name in sorted(PRESETS)
    )
    return (
        "a measured recipe; options left at their default take its values. "
        + recipes
        + " (docs: Stylising photos, 'Time to a good picture')"
    )


@dataclass
class RunOptions:
    """Options of the main job; the defaults are the course's (see the module's docstring)."""

    content: str = option(
        "images/tubingen.jpg",
        help="content image; any size and mode (grayscale, RGBA, palette): converted to "
        "RGB and resized to --width x --height with Pillow's Lanczos filter",
    )
    style: list[str] = option(
        factory=lambda: ["images/monet.jpg"],
        parse=_values.comma_list,
        metavar="IMAGE[,IMAGE...]",
        help="style image(s), comma-separated (a.jpg,b.jpg), converted and resized like --content "
        "(default: images/monet.jpg)",
    )
    output_dir: str = option(
        "output",
        help="where <i>.png, generated_image.jpg, costs.csv, costs.png, summary.png and "
        "progress.gif go",
    )
    iterations: int = option(200, parse=_values.positive_int, help="optimisation steps")
    width: int = option(
        CONFIG.IMAGE_WIDTH, parse=_values.positive_int, help="output width in pixels"
    )
    height: int = option(
        CONFIG.IMAGE_HEIGHT, parse=_values.positive_int, help="output height in pixels"
    )
    alpha: float = option(10.0, parse=_values.non_negative_float, help="weight of the content cost")
    beta: float = option(40.0, parse=_values.non_negative_float, help="weight of the style cost")
    learning_rate: float = option(2.0, parse=_values.positive_float, help="Adam's learning rate")
    noise_ratio: float = option(
        CONFIG.NOISE_RATIO, parse=_values.ratio, help="share of noise in the start image"
    )
    seed: int | None = option(
        None,
        parse=_values.non_negative_int,
        help="make the run reproducible: the same seed gives the same files "
        "(default: none, a new start image each run, as in the course)",
    )
    print_every: int = option(
        20, parse=_values.positive_int, help="print the costs every N iterations"
    )
    save_every: int = option(
        20,
        parse=_values.non_negative_int,
        help="save output/<i>.png every N iterations (0: never)",
    )
    # A path, 'random', None for the lookup order, or (from Python) a VGGWeights.
    weights: Any = option(
        None,
        metavar="PATH|random",
        help="VGG weights file, or 'random' for the untrained network; default: the lookup "
        "order ($NST_VGG_MODEL, ./%s, the user cache)" % CONFIG.VGG_MODEL,
    )
    require_pretrained: bool = option(
        False,
        help="fail instead of falling back to the untrained network when no weights are found",
    )
    quiet: bool = option(
        False, help="print nothing but errors (default: the cost lines and a progress display)"
    )
    # Beyond the course (all off / the course's choice by default).
    optimizer: str = option(
        "adam",
        choices=("adam", "lbfgs", "lbfgs-carry"),
        group=BEYOND,
        help="optimiser; lbfgs-carry: L-BFGS with a backtracking line search that starts "
        "each scale with the step scaling of the scale before (nst_course.run.lbfgs)",
    )
    # Carried L-BFGS's stopping rule: the cost's relative decrease per iteration, measured
    # over the last few (nst_course.run.lbfgs.STOP_WINDOW), below this ends the stage.
    stop_below: float = option(
        0.0,
        parse=_values.ratio,
        metavar="R",
        group=BEYOND,
        help="with --optimizer lbfgs-carry: end a scale (at the last one, the run) once the "
        "cost falls by less than this fraction per iteration (0: off)",
    )
    # Mixed precision (nst_course.run.precision): float32 is the course's arithmetic.
    # None is float32 too; a RunOptions made in code (no record of the options given, see
    # presets.apply_preset) lets a preset replace None, never an explicit "float32".
    precision: str | None = option(
        None,
        choices=PRECISIONS,
        group=BEYOND,
        help="arithmetic of the network: bfloat16 runs the convolutions on the CPU's "
        "bfloat16 units (AMX, AVX512-BF16), 2.5 times as fast where it has them, costs a "
        "little rougher; auto: bfloat16 where native, else float32 (default: float32, the "
        "course's)",
    )
    style_blend_weights: list[float] | None = option(
        None,
        parse=_values.float_list,
        metavar="W[,W...]",
        group=BEYOND,
        help="relative weights of several style images (normalised; default equal)",
    )
    tv_weight: float = option(
        0.0, parse=_values.non_negative_float, group=BEYOND, help="total-variation weight (0: off)"
    )
    preserve_colors: bool = option(False, group=BEYOND, help="keep the content image's colours")
    init: str = option(
        "noise",
        metavar="|".join(STARTS) + "|PATH",
        group=BEYOND,
        help="start image (content-colors: the content image with the style image's RGB "
        "mean and covariance)",
    )
    pooling: str = option("avg", choices=("avg", "max"), group=BEYOND, help="pooling layers")
    content_layer: str = option(CONTENT_LAYER, group=BEYOND, help="layer of the content cost")
    style_layers: list[tuple[str, float]] = option(
        factory=lambda: list(STYLE_LAYERS),
        parse=_values.layer_weights,
        metavar="NAME[:W][,NAME[:W]...]",
        group=BEYOND,
        help="style layers, comma-separated, each with its coefficient (NAME:W) or all "
        "equal (names alone) (default: %s)" % _style_layers_text(),
    )
    style_scale: float = option(
        1.0,
        parse=_values.positive_float,
        group=BEYOND,
        help="extract style from the style image resized by this factor",
    )
    checkpoint_every: int = option(
        0,
        parse=_values.non_negative_int,
        group=BEYOND,
        help="write resumable state every N iterations (0: off)",
    )
    resume: str | None = option(
        None, metavar="DIR", group=BEYOND, help="continue the run saved in DIR"
    )
    max_pixels: int = option(
        MAX_PIXELS,
        parse=_values.positive_int,
        metavar="N",
        help="refuse input images (and an output size) with more pixels than this",
    )
    # Lighter on memory, never on the numbers. On the command line: oneDNN's tensors through
    # malloc with a 1 MiB mmap threshold (nst_course.run.allocators, set before TensorFlow
    # starts): each step's memory goes back to the system, at 1.2x the step time. Anywhere:
    # the weights in variables instead of the course's constants even where oneDNN's
    # frozen-weights mode is off (``weights_as``; the command line turns the mode on and then
    # holds them in variables anyway, see nst_course.run.onednn).
    low_memory: bool = option(
        False,
        group=BEYOND,
        help="use less memory, a little more slowly: about 100 MiB less at 400x300, steps "
        "1.2x as long, the same numbers (docs, Performance, 'Time to a good picture')",
    )
    # Coarse-to-fine (nst_course.run.schedule): fractions of the output size, coarse to fine
    # ([1.0]: the course's single scale), iterations per scale (None: --iterations split
    # evenly), the filter that upsamples the image between scales.
    scales: list[float] = option(
        factory=lambda: [1.0],
        parse=_values.fraction_list,
        metavar="S[,S...]",
        group=BEYOND,
        help="coarse-to-fine: optimise at these fractions of the output size in "
        "turn, the image upsampled between them, e.g. 0.25,0.5,1 (default: 1, the "
        "course's single scale)",
    )
    scale_iterations: list[int] | None = option(
        None,
        parse=_values.positive_int_list,
        metavar="N[,N...]",
        group=BEYOND,
        help="iterations at each scale, e.g. 100,50,20 (default: --iterations split "
        "evenly over the scales)",
    )
    upsample: str = option(
        "bicubic",
        choices=("bicubic", "lanczos"),
        group=BEYOND,
        help="filter that upsamples the image between scales",
    )
    # A named recipe (nst_course.run.presets): options left at their default take its values.
    preset: str | None = option(
        None, choices=tuple(sorted(PRESETS)), group=BEYOND, help=_preset_help()
    )

    @classmethod
    def from_values(cls, values: Any) -> "RunOptions":
        """The options found as attributes of ``values`` (e.g. parsed arguments); the rest
        keep their defaults."""
        return cls(**{f.name: getattr(values, f.name) for f in fields() if hasattr(values, f.name)})


def fields() -> tuple[dataclasses.Field, ...]:
    """The fields of :class:`RunOptions`, in order."""
    return dataclasses.fields(RunOptions)


def default_of(f: dataclasses.Field) -> Any:
    """A field's default value (a fresh list for list defaults)."""
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


def flag_of(name: str) -> str:
    """``'learning_rate'`` -> ``'--learning-rate'``."""
    return "--" + name.replace("_", "-")


def is_flag(f: dataclasses.Field) -> bool:
    """True for an on/off option (``--quiet``): its default is ``False``."""
    return f.default is False


def argument(f: dataclasses.Field, **overrides: Any) -> dict[str, Any]:
    """The ``add_argument`` keywords of field ``f`` (``overrides`` win)."""
    meta = f.metadata
    kwargs: dict[str, Any] = {"default": default_of(f), "help": meta["help"]}
    if is_flag(f):
        kwargs["action"] = "store_true"
    else:
        for key, name in (("type", "parse"), ("metavar", "metavar"), ("choices", "choices")):
            if meta[name] is not None:
                kwargs[key] = meta[name]
    kwargs.update(overrides)
    return kwargs


def add_option(container: Any, name: str, **overrides: Any) -> argparse.Action:
    """Add the option of the :class:`RunOptions` field ``name`` to a parser or group."""
    by_name = {f.name: f for f in fields()}
    return container.add_argument(flag_of(name), **argument(by_name[name], **overrides))


def by_group(group: str) -> Iterator[dataclasses.Field]:
    """The fields of one ``--help`` group, in order."""
    return (f for f in fields() if f.metadata["group"] == group)


def parse_value(f: dataclasses.Field, text: str) -> Any:
    """The value of ``text`` for field ``f``, checked as the command line checks it.

    A flag takes yes/no (1/0, true/false, on/off). Raises ``argparse.ArgumentTypeError`` with
    the command line's message."""
    text = text.strip()
    if is_flag(f):
        return _values.yes_no(text)
    meta = f.metadata
    value = meta["parse"](text) if meta["parse"] is not None else text
    if meta["choices"] is not None and value not in meta["choices"]:
        raise argparse.ArgumentTypeError(
            "invalid choice: %r (choose from %s)"
            % (value, ", ".join(repr(c) for c in meta["choices"]))
        )
    return value
