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
import traceback

from ._help import Formatter, group_commands
from .batch import cli as batch_cli
from .demos import cli as demos_cli
from .errors import describe, exit_status
from .grading import cli as grading_cli
from .notebook import cli as notebook_cli
from .port import cli as port_cli
from .run import cli as run_cli
from .run.safety import Interrupted, install_signal_handlers, restore_signal_handlers
from .weights import cli as weights_cli

PROG = "nst-course"


# --------------------------------------------------------------------------- parsers


#: Every parser's help formatter: plain text wrapped to the terminal (nst_course._help).
_Formatter = Formatter


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        """Usage errors: one line, exit status 2 (argparse's own status)."""
        self.exit(2, "%s: error: %s\n" % (PROG, message))


def build_parser():
    parser = _Parser(prog=PROG, description=__doc__.split("\n\n")[0], formatter_class=_Formatter)
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for command in (
        run_cli,
        weights_cli,
        batch_cli,
        demos_cli,
        grading_cli,
        port_cli,
        notebook_cli,
    ):
        command.add_parser(sub, _Formatter, _Parser)  # each subcommand's own parser
    group_commands(parser)
    return parser


# --------------------------------------------------------------------------- entry point


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
            from .run.allocators import light_allocator, limit_malloc_arenas
            from .run.onednn import prepare_training_process

            limit_malloc_arenas()  # before TensorFlow's threads (nst_course.run.allocators)
            if getattr(args, "low_memory", False):
                light_allocator()
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
