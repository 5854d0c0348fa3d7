"""``nst-course grade``: its options and handler (added to the command line by
:func:`add_parser`)."""

import argparse
import os

from .._values import non_negative_int, positive_float, positive_int
from ..errors import OutputError


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
    _add_platform_options(p)
    p.set_defaults(handler=run_grade)
    return p


# --------------------------------------------------------------------------- platforms


def _add_platform_options(p):
    """Where courses keep grades: Gradescope, nbgrader, Canvas and Moodle (issue 26; the work
    is in :mod:`nst_course.grading.platforms`)."""
    from .platforms.gradescope import VISIBILITIES
    from .platforms.lms import FORMATS

    g = p.add_argument_group("grades where courses keep them")
    g.add_argument(
        "--format",
        choices=("text", "json", "gradescope"),
        default="text",
        help="what to print: text, json (as --json), or gradescope: the results.json of ONE "
        "submission (a folder is one student's files, as Gradescope's /autograder/submission)",
    )
    g.add_argument(
        "--visibility",
        choices=VISIBILITIES,
        default="visible",
        help="Gradescope: when students see each function's points and hint",
    )
    g.add_argument(
        "--gradescope-bundle",
        metavar="OUT.zip",
        default=None,
        help="write Gradescope's autograder zip (setup.sh, run_autograder, this package's "
        "wheel) grading with these --timeout/--memory/--seed/--visibility; grades nothing",
    )
    g.add_argument(
        "--nbgrader",
        nargs=2,
        metavar=("COURSE_DIR", "ASSIGNMENT"),
        default=None,
        help="grade COURSE_DIR/submitted/<student>/ASSIGNMENT/ and write the points into the "
        "course's nbgrader gradebook (formgrader, nbgrader export)",
    )
    g.add_argument(
        "--export",
        nargs=2,
        metavar=("|".join(FORMATS), "FILE.csv"),
        default=None,
        help="after grading, write the gradebook's totals as the LMS's grade-import CSV",
    )
    g.add_argument(
        "--roster",
        metavar="FILE.csv",
        default=None,
        help="for --export: a CSV whose student_id column holds the grader's ids and whose "
        "other columns the LMS's (Student, ID, SIS Login ID, Section, Email address, ...)",
    )
    g.add_argument(
        "--column",
        metavar="NAME",
        default=None,
        help="for --export: the assignment's column in the LMS (default: the --nbgrader "
        "assignment, else 'Neural Style Transfer')",
    )


def _platform_usage(args):
    """Usage errors of the platform options (exit status 2), before anything is graded."""
    from ..errors import OptionError
    from .platforms.lms import FORMATS

    chosen = [o for o in ("gradescope_bundle", "nbgrader") if getattr(args, o, None)]
    if len(chosen) > 1:
        raise OptionError("--gradescope-bundle and --nbgrader cannot be used together")
    if chosen and args.submissions:
        raise OptionError(
            "--%s takes no SUBMISSION (given: %s)"
            % (chosen[0].replace("_", "-"), " ".join(args.submissions))
        )
    if not chosen and not args.submissions:
        raise OptionError("the following arguments are required: SUBMISSION")
    if args.format == "gradescope" and (chosen or len(args.submissions) != 1):
        raise OptionError("--format gradescope grades ONE submission: give one SUBMISSION")
    if args.export and args.export[0] not in FORMATS:
        raise OptionError("--export %s: choose one of %s" % (args.export[0], ", ".join(FORMATS)))
    if args.roster and not args.export:
        raise OptionError("--roster is for --export canvas|moodle FILE.csv")
    if args.export and (args.gradescope_bundle or args.format == "gradescope"):
        raise OptionError("--export writes a class's grades; not with Gradescope's options")


def _run_platform(args, options):
    """Run the platform option given, if any; returns the exit status, or None when the
    plain grader is to run."""
    import json
    import sys

    if args.gradescope_bundle:
        from .platforms.gradescope import build_bundle

        path = build_bundle(options, args.gradescope_bundle, args.visibility)
        print("Gradescope autograder: %s (upload it as the assignment's autograder)" % path)
        return 0
    if args.format == "gradescope":
        from .platforms.gradescope import grade_one

        document = grade_one(options, args.submissions[0], args.visibility)
        print(json.dumps(document, indent=2))
        return 0
    if args.nbgrader:
        from .platforms.nbgrader_gradebook import grade_course

        return grade_course(options, *args.nbgrader, stderr=sys.stderr)
    return None


def run_grade(args):
    from .runner import GradeOptions, grade

    _platform_usage(args)
    roster = None
    if args.export:  # a bad roster or file name: said now, before the grading
        from .platforms.lms import read_roster

        if os.path.isdir(args.export[1]):
            raise OutputError("--export %s %s is a folder; give a file name" % tuple(args.export))
        roster = read_roster(args.roster) if args.roster else None
    if args.format == "json":
        args.json = True
    fields = GradeOptions.__dataclass_fields__
    options = GradeOptions(**{name: getattr(args, name) for name in fields if hasattr(args, name)})
    status = _run_platform(args, options)
    if status is None:
        status = grade(options)
    if args.export:
        from .platforms.lms import export_gradebook

        column = args.column or (args.nbgrader[1] if args.nbgrader else "Neural Style Transfer")
        exported = export_gradebook(options.out, args.export[0], args.export[1], column, roster)
        status = status or exported
    return status
