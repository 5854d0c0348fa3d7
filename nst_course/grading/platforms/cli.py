"""The platforms' options of ``nst-course grade`` (one group in its help) and what runs them:
:func:`add_options` adds them to the grade parser, :func:`run` replaces the plain grade when
one of them is given (the grading itself is always :func:`nst_course.grading.runner.grade`)."""

import argparse
import json
import os
import sys
from dataclasses import replace

from ...errors import OptionError, OutputError


def add_options(p: argparse.ArgumentParser) -> None:
    """Where courses keep grades: Gradescope, nbgrader, Canvas and Moodle (issue 26; the work
    is in :mod:`nst_course.grading.platforms`)."""
    from .gradescope import VISIBILITIES
    from .lms import FORMATS

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
        metavar="WHEN",
        help="Gradescope: when students see each function's points and hint: "
        + ", ".join(VISIBILITIES)
        + " (default: visible)",
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
    from .lms import FORMATS

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
    if args.gradescope_bundle:
        from .gradescope import build_bundle

        path = build_bundle(options, args.gradescope_bundle, args.visibility)
        print("Gradescope autograder: %s (upload it as the assignment's autograder)" % path)
        return 0
    if args.format == "gradescope":
        from .gradescope import grade_one

        document = grade_one(options, args.submissions[0], args.visibility)
        print(json.dumps(document, indent=2))
        return 0
    if args.nbgrader:
        from .nbgrader_gradebook import grade_course

        return grade_course(options, *args.nbgrader, stderr=sys.stderr)
    return None


def run(args: argparse.Namespace, options, grade) -> int:
    """``nst-course grade`` with the platforms' options: usage checked (and the roster read)
    before anything is graded; then the bundle, the Gradescope document, nbgrader's round or
    the plain ``grade(options)``; then the LMS file. Returns the exit status."""
    _platform_usage(args)
    roster = None
    if args.export:  # a bad roster or file name: said now, before the grading
        from .lms import read_roster

        if os.path.isdir(args.export[1]):
            raise OutputError("--export %s %s is a folder; give a file name" % tuple(args.export))
        roster = read_roster(args.roster) if args.roster else None
    if args.format == "json":
        options = replace(options, json=True)
    status = _run_platform(args, options)
    if status is None:
        status = grade(options)
    if args.export:
        from .lms import export_gradebook

        column = args.column or (args.nbgrader[1] if args.nbgrader else "Neural Style Transfer")
        exported = export_gradebook(options.out, args.export[0], args.export[1], column, roster)
        status = status or exported
    return status
