"""``nst-course run``: the main job's command line, built from :class:`RunOptions`' fields.

    nst-course run [--content IMG] [--style IMG[,IMG...]] [--output-dir DIR] [...]

Every option, its default, its help and its value check come from the fields of
:class:`~nst_course.run.options.RunOptions`; this module only groups them for ``--help``,
checks what needs no TensorFlow first (:func:`preflight`) and runs the job.
"""

import argparse
from typing import Any

from .checks import preflight as check_all
from .options import BEYOND, COURSE, RunOptions, argument, by_group, flag_of
from .presets import apply_preset


def add_parser(
    subparsers: Any, formatter_class: type, parser_class: type | None = None
) -> argparse.ArgumentParser:
    """Add ``run`` (one option per :class:`RunOptions` field) to ``subparsers``."""
    p = subparsers.add_parser(
        "run",
        help="stylise an image (the course's defaults)",
        formatter_class=formatter_class,
        description="Stylise CONTENT with STYLE by neural style transfer (Gatys et al. 2015) "
        "on VGG-19, with the course's settings unless told otherwise.",
    )
    for title in (COURSE, BEYOND):
        group = p.add_argument_group(title)
        for f in by_group(title):
            group.add_argument(flag_of(f.name), **argument(f))
    p.set_defaults(handler=cmd_run, preflight=preflight)
    return p


def options_of(args: argparse.Namespace) -> RunOptions:
    """The :class:`RunOptions` of parsed arguments (with a preset's values applied)."""
    return apply_preset(RunOptions.from_values(args))


def preflight(args: argparse.Namespace) -> None:
    """Check the options, the output directory and the input images before TensorFlow loads
    (a resumed run's options come from its checkpoint: checked by the run itself)."""
    if getattr(args, "resume", None):
        return

    check_all(options_of(args))


def cmd_run(args: argparse.Namespace) -> int:
    """Run the main job with the parsed arguments' options."""
    from .runner import run

    run(RunOptions.from_values(args))
    return 0
