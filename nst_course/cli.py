"""The ``nst-course`` command line (also ``python -m nst_course``).

    nst-course run [options]            stylise an image (the course's defaults)   nst_course.run
    nst-course weights download ...     fetch and verify the VGG-19 file            nst_course.weights
    nst-course weights verify [PATH]    check a weights file
    nst-course batch [MANIFEST] ...     many content x style runs on Dask          nst_course.batch
    nst-course figure layers|tradeoff   the paper's Figures 1 and 3                nst_course.demos
    nst-course grade SUBMISSION...      grade a class, each submission sandboxed   nst_course.grading
    nst-course port NOTEBOOK            run a learner's old TF1 course notebook    nst_course.port
    nst-course notebooks DIR            the notebooks and their pictures, for Jupyter nst_course.notebook

This module only parses and dispatches: each command's work is one function of its subpackage.

Errors a user can fix are one line ``nst-course: error: ...`` on stderr: exit 2 for a usage
error, 1 for any other failure, 130 / 143 when Ctrl-C / SIGTERM stopped a run (see
:mod:`nst_course.run.safety`); ``--debug`` shows the traceback.
"""

import argparse
import os
import sys

from .errors import OptionError

PROG = "nst-course"


class UsageError(OptionError):
    """A bad option value found after parsing (exit status 2)."""


# the value parsers, shared with the subcommands' own parsers (nst_course._values)
from ._values import (  # noqa: F401
    comma_list,
    float_list,
    layer_weights,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
    ratio,
)

# --------------------------------------------------------------------------- parsers


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Help with each option's default, unless the text states it or there is none to state."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "default:" in text or action.default is None or action.default is False:
            return text
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        """Usage errors: one line, exit status 2 (argparse's own status)."""
        self.exit(2, "%s: error: %s\n" % (PROG, message))


def add_run_parser(sub):
    from .config import CONFIG, CONTENT_LAYER, STYLE_LAYERS
    from .images import MAX_PIXELS

    p = sub.add_parser(
        "run",
        help="stylise an image (the course's defaults)",
        formatter_class=_Formatter,
        description="Stylise CONTENT with STYLE by neural style transfer (Gatys et al. 2015) "
        "on VGG-19, with the course's settings unless told otherwise.",
    )
    g = p.add_argument_group("the course's settings")
    g.add_argument(
        "--content",
        default="images/tubingen.jpg",
        help="content image; any size and mode (grayscale, RGBA, palette): converted to "
        "RGB and resized to --width x --height with Pillow's Lanczos filter",
    )
    g.add_argument(
        "--style",
        type=comma_list,
        default=["images/monet.jpg"],
        metavar="IMAGE[,IMAGE...]",
        help="style image(s), comma-separated, converted and resized like --content "
        "(default: images/monet.jpg)",
    )
    g.add_argument(
        "--output-dir",
        default="output",
        help="where <i>.png, generated_image.jpg, costs.csv, costs.png, summary.png and "
        "progress.gif go",
    )
    g.add_argument("--iterations", type=positive_int, default=200, help="optimisation steps")
    g.add_argument(
        "--width", type=positive_int, default=CONFIG.IMAGE_WIDTH, help="output width in pixels"
    )
    g.add_argument(
        "--height", type=positive_int, default=CONFIG.IMAGE_HEIGHT, help="output height in pixels"
    )
    g.add_argument(
        "--alpha", type=non_negative_float, default=10.0, help="weight of the content cost"
    )
    g.add_argument("--beta", type=non_negative_float, default=40.0, help="weight of the style cost")
    g.add_argument("--learning-rate", type=positive_float, default=2.0, help="Adam's learning rate")
    g.add_argument(
        "--noise-ratio",
        type=ratio,
        default=CONFIG.NOISE_RATIO,
        help="share of noise in the start image",
    )
    g.add_argument(
        "--seed",
        type=non_negative_int,
        default=None,
        help="make the run reproducible: the same seed gives the same files "
        "(default: none, a new start image each run, as in the course)",
    )
    g.add_argument(
        "--print-every", type=positive_int, default=20, help="print the costs every N iterations"
    )
    g.add_argument(
        "--save-every",
        type=non_negative_int,
        default=20,
        help="save output/<i>.png every N iterations (0: never)",
    )
    g.add_argument(
        "--weights",
        default=None,
        metavar="PATH|random",
        help="VGG weights file, or 'random' for the untrained network; default: the lookup "
        "order ($NST_VGG_MODEL, ./%s, the user cache)" % CONFIG.VGG_MODEL,
    )
    g.add_argument(
        "--require-pretrained",
        action="store_true",
        help="fail instead of falling back to the untrained network when no weights are found",
    )
    g.add_argument(
        "--quiet",
        action="store_true",
        help="print nothing but errors (default: the cost lines and a progress display)",
    )
    g.add_argument(
        "--max-pixels",
        type=positive_int,
        default=MAX_PIXELS,
        metavar="N",
        help="refuse input images (and an output size) with more pixels than this",
    )
    b = p.add_argument_group("beyond the course (opt-in)")
    b.add_argument("--optimizer", choices=("adam", "lbfgs"), default="adam", help="optimiser")
    b.add_argument(
        "--style-blend-weights",
        type=float_list,
        default=None,
        metavar="W[,W...]",
        help="relative weights of several style images (normalised; default equal)",
    )
    b.add_argument(
        "--tv-weight", type=non_negative_float, default=0.0, help="total-variation weight (0: off)"
    )
    b.add_argument(
        "--preserve-colors", action="store_true", help="keep the content image's colours"
    )
    b.add_argument(
        "--init", default="noise", metavar="noise|content|style|PATH", help="start image"
    )
    b.add_argument("--pooling", choices=("avg", "max"), default="avg", help="pooling layers")
    b.add_argument("--content-layer", default=CONTENT_LAYER, help="layer of the content cost")
    b.add_argument(
        "--style-layers",
        type=layer_weights,
        default=list(STYLE_LAYERS),
        metavar="NAME:W[,NAME:W...]",
        help="style layers and their coefficients (default: %s)"
        % ",".join("%s:%g" % (name, w) for name, w in STYLE_LAYERS),
    )
    b.add_argument(
        "--style-scale",
        type=positive_float,
        default=1.0,
        help="extract style from the style image resized by this factor",
    )
    b.add_argument(
        "--low-memory",
        action="store_true",
        help="hold the VGG weights in variables even with TF_ONEDNN_ASSUME_FROZEN_WEIGHTS=0 "
        "(by default they are: see the README's speed and memory section)",
    )
    b.add_argument(
        "--checkpoint-every",
        type=non_negative_int,
        default=0,
        help="write resumable state every N iterations (0: off)",
    )
    b.add_argument("--resume", default=None, metavar="DIR", help="continue the run saved in DIR")
    add_schedule_arguments(b)
    p.set_defaults(handler=cmd_run, preflight=preflight_run)
    return p


def int_list(text):
    return [positive_int(item) for item in comma_list(text)]


def scale_list(text):
    values = float_list(text)
    if any(v > 1 for v in values):
        raise argparse.ArgumentTypeError(
            "%r: each scale is a fraction of the output size, at most 1" % text
        )
    return values


def add_schedule_arguments(group):
    """Coarse-to-fine options and presets (nst_course.run.schedule, nst_course.run.presets)."""
    from .run.presets import MEASURED, PRESETS, preset_flags

    group.add_argument(
        "--scales",
        type=scale_list,
        default=[1.0],
        metavar="S[,S...]",
        help="coarse-to-fine: optimise at these fractions of the output size in "
        "turn, the image upsampled between them, e.g. 0.25,0.5,1 (default: 1, the "
        "course's single scale)",
    )
    group.add_argument(
        "--scale-iterations",
        type=int_list,
        default=None,
        metavar="N[,N...]",
        help="iterations at each scale, e.g. 100,50,20 (default: --iterations split "
        "evenly over the scales)",
    )
    group.add_argument(
        "--upsample",
        choices=("bicubic", "lanczos"),
        default="bicubic",
        help="filter that upsamples the image between scales",
    )
    group.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default=None,
        help="a measured recipe; options left at their default take its values. "
        + "; ".join(
            "%s = %s: %s" % (name, preset_flags(name), MEASURED[name]) for name in sorted(PRESETS)
        )
        + " (see the README, 'Time to a good picture')",
    )


def add_weights_parser(sub):
    p = sub.add_parser(
        "weights", help="get and check the VGG-19 weights", formatter_class=_Formatter
    )
    wsub = p.add_subparsers(dest="weights_command", metavar="COMMAND", parser_class=_Parser)
    wsub.required = True
    # `weights download` and `weights verify` are added by nst_course.weights.cli.
    from .weights import cli as weights_cli

    weights_cli.add_parsers(wsub, _Formatter)
    return p


def build_parser():
    parser = _Parser(prog=PROG, description=__doc__.split("\n\n")[0], formatter_class=_Formatter)
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    add_run_parser(sub)
    add_weights_parser(sub)
    from .batch import cli as batch_cli  # after `run`: batch copies run's options
    from .demos import cli as demos_cli
    from .grading import cli as grading_cli
    from .notebook import cli as notebook_cli
    from .port import cli as port_cli

    for command in (batch_cli, demos_cli, grading_cli, port_cli, notebook_cli):  # their own parsers
        command.add_parser(sub, _Formatter, _Parser)
    return parser


# --------------------------------------------------------------------------- commands


def preflight_run(args):
    """Check the options, the output directory and the input images before TensorFlow loads
    (a resumed run's options come from its checkpoint: checked by the run itself)."""
    if getattr(args, "resume", None):
        return
    from .run.checks import preflight

    if getattr(args, "preset", None):  # the checks see the preset's values (nst_course.run.presets)
        from .run.presets import apply_preset

        args = apply_preset(args, defaults=build_parser().parse_args(["run"]))
    preflight(args)


def cmd_run(args):
    from .run.runner import RunOptions, run

    fields = RunOptions.__dataclass_fields__
    opts = RunOptions(**{name: getattr(args, name) for name in fields if hasattr(args, name)})
    run(opts)
    return 0


# --------------------------------------------------------------------------- entry point


def _limit_malloc_arenas(arenas=2):
    """Cap glibc's malloc arenas before TensorFlow starts its threads.

    By default glibc gives each thread that allocates its own arena (up to 8 per core), and
    TensorFlow's many threads then keep hundreds of MB of freed memory mapped: with 2 arenas
    the main job's peak memory is about 270 MB lower at the same speed (benchmarks/
    bench_speed.py --cli). ``MALLOC_ARENA_MAX`` in the environment takes precedence; on
    other C libraries this does nothing.
    """
    if os.environ.get("MALLOC_ARENA_MAX") or not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-8, int(arenas))  # -8: M_ARENA_MAX
    except (OSError, AttributeError):
        pass


def _quiet_tensorflow(args=None):
    """Keep TensorFlow's start-up chatter (C++ logs, deprecation warnings) from the user.

    For ``run`` TensorFlow is imported here, quietly (see :mod:`nst_course.run.quiet`);
    ``--debug`` shows all of it.
    """
    debug = bool(getattr(args, "debug", False))
    if debug or getattr(args, "command", None) not in ("run", "figure"):
        return
    from .run.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()


def _add_debug_everywhere(parser):
    """Accept ``--debug`` after any (sub)command too, e.g. ``nst-course run --debug``."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in set(action.choices.values()):
                if "--debug" not in sub._option_string_actions:
                    sub.add_argument(
                        "--debug",
                        action="store_true",
                        default=argparse.SUPPRESS,
                        help="show tracebacks of errors",
                    )
                _add_debug_everywhere(sub)


def _error_line(message):
    """Print ``nst-course: error: MESSAGE`` as one line on stderr."""
    message = " ".join(str(message).split()) or "failed"
    print("%s: error: %s" % (PROG, message), file=sys.stderr, flush=True)


def main(argv=None):
    """Run the command line; returns the exit status (0 ok, 1 failure, 2 usage error,
    130 / 143 interrupted by SIGINT / SIGTERM).

    Every failure is one line ``nst-course: error: ...`` on stderr that names the file or
    value and what to do (see :func:`nst_course.errors.describe`); ``--debug`` (before or
    after the command) also prints the traceback.
    """
    import traceback

    from .errors import describe, exit_status
    from .run.safety import Interrupted, install_signal_handlers, restore_signal_handlers

    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    debug = "--debug" in argv
    previous = install_signal_handlers()
    try:
        parser = build_parser()
        _add_debug_everywhere(parser)
        args = parser.parse_args(argv)
        preflight = getattr(args, "preflight", None)
        if preflight is not None:  # checks that need no TensorFlow: quick answers to mistakes
            preflight(args)
        if getattr(args, "command", None) in ("run", "figure"):
            _limit_malloc_arenas()
            from .run.onednn import prepare_training_process

            prepare_training_process()  # oneDNN on, frozen VGG weights (nst_course.run.onednn)
        _quiet_tensorflow(args)
        return args.handler(args) or 0
    except SystemExit:
        raise  # argparse: --help (0) or a usage error already printed (2)
    except Interrupted as exc:
        if debug:
            traceback.print_exc()
        print("%s: %s" % (PROG, exc.describe()), file=sys.stderr, flush=True)
        return exc.exit_status
    except KeyboardInterrupt:
        if debug:
            traceback.print_exc()
        print("%s: interrupted by SIGINT" % PROG, file=sys.stderr, flush=True)
        return 130
    except BrokenPipeError:  # e.g. `nst-course run | head`: the reader went away
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 1
    except Exception as exc:  # noqa: BLE001 - the one place that turns errors into a line
        if debug:
            traceback.print_exc()
        _error_line(describe(exc))
        return exit_status(exc)
    finally:
        restore_signal_handlers(previous)


if __name__ == "__main__":
    sys.exit(main())
