"""``nst-course grade``: its options and handler (added to the command line by
:func:`add_parser`)."""

import argparse

from .._values import non_negative_int


def _points_table():
    from .points import points_table

    return "points (all of them when the checks pass, else 0 with the hint):\n" + "\n".join(
        "  " + line for line in points_table().splitlines()
    )


# The value parsers (the command line's own cannot be imported from here: it imports us).


def _positive(kind, what):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError("%r is not %s" % (text, what)) from None
        if not 0 < value < float("inf"):
            raise argparse.ArgumentTypeError("%r must be greater than 0" % text)
        return value

    return parse


_seconds = _positive(float, "a number of seconds")
_gigabytes = _positive(float, "a number of GB")
_count = _positive(int, "a whole number")


_seed = non_negative_int


def _scheduler(text):
    if "://" not in text:
        raise argparse.ArgumentTypeError(
            "%r is not a scheduler address; write tcp://HOST:PORT" % text
        )
    return text


def add_parser(subparsers, formatter_class, parser_class=None):
    """Add ``grade`` to the command line's subcommands."""
    p = subparsers.add_parser(
        "grade",
        help="grade students' submissions, each in a sandbox, in parallel",
        formatter_class=formatter_class,
        description="Grade the assignment's graded functions in each SUBMISSION (a notebook, a "
        ".py file, or a folder of them: one student per file or per sub-folder). Each submission "
        "runs in a sandboxed child process (no network, its own unprivileged user when run as "
        "root, limits on time, memory, file size and processes); its results come back as values "
        "and are judged here. Results go to OUT/gradebook.db (SQLite), OUT/grades.csv and "
        "OUT/feedback/<student>.md; a re-run grades only new or changed submissions.",
        epilog=_points_table(),
    )
    p.add_argument(
        "submissions",
        nargs="+",
        metavar="SUBMISSION",
        help="notebook (.ipynb), Python file (.py) or folder of submissions",
    )
    p.add_argument("--out", default="grades", metavar="DIR", help="output folder")
    p.add_argument(
        "--timeout",
        type=_seconds,
        default=120.0,
        metavar="S",
        help="wall-clock seconds allowed to each graded function",
    )
    p.add_argument(
        "--memory",
        type=_gigabytes,
        default=4.0,
        metavar="GB",
        help="memory allowed to a submission's processes, in GB (TensorFlow itself takes "
        "about 0.8)",
    )
    p.add_argument(
        "--workers",
        type=_count,
        default=None,
        metavar="N",
        help="worker processes of the embedded Dask cluster (default: the number of cores)",
    )
    p.add_argument(
        "--scheduler",
        type=_scheduler,
        default=None,
        metavar="ADDRESS",
        help="grade on an existing Dask cluster (tcp://HOST:PORT) instead of an embedded one",
    )
    p.add_argument(
        "--user",
        default=None,
        metavar="NAME",
        help="the unprivileged user the submissions run as when the grader is root "
        "(default: uid/gid 65534)",
    )
    p.add_argument("--force", action="store_true", help="grade again the submissions graded before")
    p.add_argument("--json", action="store_true", help="print the results as one JSON document")
    p.add_argument(
        "--seed",
        type=_seed,
        default=None,
        help="seed of the checks' random inputs (default: a new one each run)",
    )
    p.set_defaults(handler=run_grade)
    return p


def run_grade(args):
    from .runner import GradeOptions, grade

    fields = GradeOptions.__dataclass_fields__
    return grade(
        GradeOptions(**{name: getattr(args, name) for name in fields if hasattr(args, name)})
    )
