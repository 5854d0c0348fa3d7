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
    assert max(map(len, narrow.splitlines())) <= 70 < max(map(len, wide.splitlines()))


def test_the_commands_are_grouped_by_who_uses_them():
    text = help_of([], 100)
    assert "commands, by who uses them:" in text
    order = [text.index(title) for title in ("students and teachers:", "lecturers:", "pictures:")]
    assert order == sorted(order)
    for name in [words[0] for words in COMMANDS if len(words) == 1]:  # every command, once
        assert text.count("\n    %s " % name) == 1, name
