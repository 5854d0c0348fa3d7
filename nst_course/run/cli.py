"""``nst-course run``: the main job's command line, built from :class:`RunOptions`' fields.

    nst-course run [--content IMG] [--style IMG[,IMG...]] [--output-dir DIR] [...]

Every option, its default, its help and its value check come from the fields of
:class:`~nst_course.run.options.RunOptions`; this module only groups them for ``--help``,
checks what needs no TensorFlow first (:func:`preflight`) and runs the job.
"""

import argparse
from typing import Any

from .checks import preflight as check_all
from .options import BEYOND, COURSE, RunOptions, argument, by_group, flag_of, is_flag
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
            flag = {"nargs": 0, "const": True} if is_flag(f) else {}
            group.add_argument(flag_of(f.name), **argument(f, action=Given, **flag))
    p.set_defaults(handler=cmd_run, preflight=preflight)
    return p


class Given(argparse.Action):
    """Stores an option's value (or ``const`` for a flag) and records that the user gave it,
    in the namespace's :data:`GIVEN` set: ``--preset fast --scales 1`` keeps one scale, though
    1 is the default."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, self.const if self.nargs == 0 else values)
        setattr(namespace, GIVEN, set(getattr(namespace, GIVEN, ())) | {self.dest})


#: The parsed arguments' attribute naming the options given (:class:`Given`).
GIVEN = "given_options"


def options_of(args: argparse.Namespace) -> RunOptions:
    """The :class:`RunOptions` of parsed arguments (with a preset's values applied)."""
    return apply_preset(RunOptions.from_values(args), given=getattr(args, GIVEN, set()))


def preflight(args: argparse.Namespace) -> None:
    """Check the options, the output directory and the input images before TensorFlow loads
    (a resumed run's options come from its checkpoint: checked by the run itself)."""
    if getattr(args, "resume", None):
        return

    check_all(options_of(args))


def cmd_run(args: argparse.Namespace) -> int:
    """Run the main job with the parsed arguments' options."""
    from .runner import run

    run(RunOptions.from_values(args), given=getattr(args, GIVEN, set()))
    return 0
