"""``--help`` is plain text wrapped to the terminal, and the top-level help groups the commands
by who uses them (issue 23, point 3)."""

import argparse
import os
import subprocess
import sys

import pytest

from nst_course import cli


def subcommands(parser, prefix=()):
    """[(words, parser)] of every command and subcommand."""
    found = [(prefix, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += subcommands(sub, prefix + (name,))
    return found


COMMANDS = [words for words, _ in subcommands(cli.build_parser())]


def help_of(words, columns):
    done = subprocess.run(
        [sys.executable, "-m", "nst_course", *words, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, COLUMNS=str(columns)),
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("words", COMMANDS, ids=[" ".join(w) or "nst-course" for w in COMMANDS])
def test_help_is_plain_and_fits_the_terminal(words):
    text = help_of(words, 80)
    assert "``" not in text and ":mod:`" not in text and ":func:`" not in text, text
    too_long = [
        line for line in text.splitlines() if len(line) > 80 and " " in line.strip()[:80]
    ]  # a single word longer than the terminal (a path, a URL) cannot be wrapped
    assert not too_long, "\n".join(too_long)


def test_help_follows_a_wider_terminal():
    narrow, wide = help_of(["run"], 70), help_of(["run"], 150)
    wrapped = [line for line in narrow.splitlines() if " " in line.strip()]  # not a lone path
    assert max(map(len, wrapped)) <= 70 < max(map(len, wide.splitlines()))


def test_the_commands_are_grouped_by_who_uses_them():
    text = help_of([], 100)
    assert "commands, by who uses them:" in text
    order = [text.index(title) for title in ("students and teachers:", "lecturers:", "pictures:")]
    assert order == sorted(order)
    for name in [words[0] for words in COMMANDS if len(words) == 1]:  # every command, once
        assert text.count("\n    %s " % name) == 1, name


@pytest.mark.parametrize("columns", [60, 67, 80, 93, 120])
def test_help_never_breaks_a_line_at_a_hyphen(columns):
    # "--scale-iterations" or "lbfgs-carry" split over two lines reads as two words, and a
    # command copied from the help would no longer run (seen in CI, whose terminal is 80 wide).
    from nst_course.run.presets import preset_flags

    text = help_of(["run"], columns)
    broken = [line for line in text.splitlines() if line.rstrip().endswith("-")]
    assert not broken, "\n".join(broken)
    assert preset_flags("fast") in " ".join(text.split())
