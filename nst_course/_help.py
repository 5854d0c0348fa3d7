"""Plain ``--help`` for every command: no reStructuredText markup, wrapped to the terminal,
and the top-level list of commands grouped by who uses them.

The parsers' texts are written once, for ``--help`` and for the documentation's generated
command-line reference alike: plain sentences, where a code name may still carry the
docstrings' double backquotes. :func:`plain` takes those off (``x`` -> x, :mod:`x` -> x);
:class:`Formatter` wraps each paragraph of a description to the terminal's width (argparse's
own formatter would run the paragraphs together; a raw one would not wrap at all) and keeps
indented lines (examples, tables) as they are written.
"""

from __future__ import annotations

import argparse
import re
import shutil
import textwrap

_ROLE = re.compile(r":[a-z]+:`~?([^`]+)`")
_LITERAL = re.compile(r"``([^`]+)``")

#: Who uses which command, in the order the top-level ``--help`` lists them.
AUDIENCES = (
    ("students and teachers", ("notebooks", "grade")),
    ("lecturers", ("figure",)),
    ("pictures", ("run", "batch")),
    ("former learners", ("port",)),
    ("everyone, once", ("weights",)),
)


def plain(text: str | None) -> str:
    """``text`` without reStructuredText markup: ``x`` and :role:`x` become x."""
    if not text:
        return ""
    return _LITERAL.sub(r"\1", _ROLE.sub(r"\1", text))


def width() -> int:
    """The terminal's width (``$COLUMNS`` first), less argparse's margin, 60 at the least."""
    return max(60, shutil.get_terminal_size().columns - 2)


class Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Each option's default unless its text states it (or there is none); plain text; each
    paragraph of a description or epilog wrapped to the terminal, indented lines kept."""

    def __init__(self, prog, indent_increment=2, max_help_position=30, width=None):
        super().__init__(prog, indent_increment, max_help_position, width or globals()["width"]())

    def _get_help_string(self, action):
        text = plain(action.help or "")
        if "default:" in text or action.default is None or action.default is False:
            return text
        if action.default is argparse.SUPPRESS:
            return text
        return text + " (default: %(default)s)"

    def _iter_indented_subactions(self, action):
        if getattr(action, "grouped", False):  # listed by group_commands in the epilog
            return iter(())
        return super()._iter_indented_subactions(action)

    def _split_lines(self, text, width):
        # Never at a hyphen: "--scale-iterations" or "lbfgs-carry" split over two lines reads
        # as two words, and a pasted command would no longer run; a path longer than the line
        # stays whole too, so it can be copied.
        text = self._whitespace_matcher.sub(" ", text).strip()
        return textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False)

    def _fill_text(self, text, width, indent):
        out = []
        for block in re.split(r"\n\s*\n", plain(text).strip("\n")):
            lines = block.split("\n")
            if any(line.startswith(" ") for line in lines[1:]) or lines[0].startswith(" "):
                out.append("\n".join(indent + line for line in lines))  # an example or a table
            else:
                out.append(
                    textwrap.fill(
                        " ".join(line.strip() for line in lines),
                        width,
                        initial_indent=indent,
                        subsequent_indent=indent,
                        break_on_hyphens=False,
                    )
                )
        return "\n\n".join(out)


def group_commands(parser: argparse.ArgumentParser) -> None:
    """List ``parser``'s subcommands by who uses them (:data:`AUDIENCES`) in its epilog,
    instead of argparse's one flat list; a command not in the table goes last, under "more"."""
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: plain(choice.help or "") for choice in action._choices_actions}
    setattr(action, "grouped", True)  # noqa: B010 - the grouped list below replaces argparse's flat one (Formatter)
    action.help = "one of the commands below; `nst-course COMMAND --help` shows its options"
    names = [name for _, group in AUDIENCES for name in group]
    groups = list(AUDIENCES) + [("more", tuple(n for n in helps if n not in names))]
    column = max(len(n) for n in helps) + 6
    lines = ["commands, by who uses them:"]
    for title, commands in groups:
        present = [name for name in commands if name in helps]
        if not present:
            continue
        lines.append("  %s:" % title)
        for name in present:
            wrapped = textwrap.wrap(
                helps[name], max(20, width() - column), break_on_hyphens=False
            ) or [""]
            lines.append("    %-*s%s" % (column - 4, name, wrapped[0]))
            lines += [" " * column + rest for rest in wrapped[1:]]
    parser.epilog = "\n".join(lines) + "\n\n" + (parser.epilog or "")
