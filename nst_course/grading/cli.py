"""``nst-course grade``: its options and handler (added to the command line by
:func:`add_parser`)."""

import argparse

from .._values import non_negative_int, positive_float, positive_int


def _points_table():
    from .points import points_table

    return "points (all of them when the checks pass, else 0 with the hint):\n" + "\n".join(
        "  " + line for line in points_table().splitlines()
    )


_seconds = positive_float
_gigabytes = positive_float
_count = positive_int
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
        "runs in a bubblewrap sandbox (needs root and the bubblewrap package: an allow-list "
        "file system without the solution, no network, a user and a cgroup of its own per "
        "graded function, limits on time, memory, file size and processes); its results come "
        "back as values and are judged here. Results go to OUT/gradebook.db (SQLite), OUT/grades.csv and "
        "OUT/feedback/<student>.md; a re-run grades only new or changed submissions.",
        epilog=_points_table(),
    )
    p.add_argument(
        "submissions",
        nargs="*",
        metavar="SUBMISSION",
        help="notebook (.ipynb), Python file (.py) or folder of submissions (none with "
        "--gradescope-bundle or --nbgrader)",
    )
    p.add_argument(
        "--output-dir",
        "--out",
        dest="out",
        default="grades",
        metavar="DIR",
        help="output folder (--out, its older name, works too)",
    )
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
        help="memory allowed to each graded function's sandbox, in GB, counted by the kernel "
        "(anonymous, shared and tmpfs memory; TensorFlow, imported once per worker, is not "
        "counted)",
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
        "--no-sandbox",
        action="store_true",
        help="run the submissions WITHOUT the sandbox (with your own user, files and network; "
        "for a machine without bubblewrap): every output then says they ran unconfined",
    )
    p.add_argument("--force", action="store_true", help="grade again the submissions graded before")
    p.add_argument("--json", action="store_true", help="print the results as one JSON document")
    p.add_argument(
        "--seed",
        type=_seed,
        default=None,
        help="seed of the checks' random inputs (default: a new one each run)",
    )
    from .platforms.cli import add_options

    add_options(p)  # Gradescope, nbgrader, Canvas and Moodle (grading/platforms)
    p.set_defaults(handler=run_grade)
    return p


def run_grade(args):
    from .platforms.cli import run
    from .runner import GradeOptions, grade

    fields = GradeOptions.__dataclass_fields__
    options = GradeOptions(**{name: getattr(args, name) for name in fields if hasattr(args, name)})
    return run(args, options, grade)
