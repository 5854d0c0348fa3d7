"""Docs that cannot rot (issue 23, point 2).

Every ``nst-course ...`` command line in docs/ and README.md (in code blocks and in inline
code; a command only named in prose, such as ``nst-course grade``, must exist) is parsed with the program's own parser: an unknown option, a missing argument or a bad
value fails the test and names the page and line. The Python blocks of the guides run, page by
page in a fresh interpreter (like a notebook), unless a MyST comment line just above the block
says why not (``% not run by the tests: REASON``); a ``print(...)  # VALUE`` line must print
VALUE.
"""

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOT_RUN = "% not run by the tests:"
PROGRAM = re.compile(r"^(?:\S*/)?nst-course$")


def pages():
    found = [os.path.join(ROOT, "README.md")]
    for folder, dirs, files in os.walk(os.path.join(ROOT, "docs")):
        dirs[:] = [d for d in dirs if not d.startswith("_") and d != "notebooks"]
        found += [os.path.join(folder, f) for f in sorted(files) if f.endswith(".md")]
    return sorted(found)


def blocks(text):
    """[(language, first line number, code, the line above the fence)] of the fenced blocks."""
    out, lines, k = [], text.split("\n"), 0
    while k < len(lines):
        fence = re.match(r"^(\s*)(`{3,}|~{3,})\s*([\w{}-]*)", lines[k])
        if fence:
            close, start, body = fence.group(2), k + 1, []
            k += 1
            while k < len(lines) and not lines[k].strip().startswith(close):
                body.append(lines[k][len(fence.group(1)) :])
                k += 1
            above = lines[start - 2] if start >= 2 else ""
            out.append((fence.group(3).lower(), start + 1, "\n".join(body), above))
        k += 1
    return out


def _commands_in(line):
    """The nst-course invocations in one shell line: [argv after the program name]."""
    try:
        tokens = shlex.split(line, comments=True)
    except ValueError:
        return []
    found, current = [], None
    for token in tokens + ["&&"]:
        if token in ("&&", "||", ";", "|") or token.endswith(";"):
            if current is not None:
                found.append(current)
            current = None
        elif current is not None:
            current.append(token)
        elif PROGRAM.match(token):
            current = []
    return found


def command_lines():
    """[(page:line, argv)] of every nst-course command line in the docs and the README."""
    found = []
    for page in pages():
        text = open(page, encoding="utf-8").read()
        where = os.path.relpath(page, ROOT)
        in_code = set()
        for lang, first, code, _ in blocks(text):
            if lang not in ("", "bash", "sh", "console", "shell", "text"):
                continue
            joined = code.replace("\\\n", " ")
            for n, line in enumerate(joined.split("\n")):
                line = re.sub(r"^\$\s+", "", line.strip())
                for argv in _commands_in(line):
                    found.append(("%s:%d" % (where, first + n), argv))
            in_code.update(range(first, first + code.count("\n") + 1))
        for n, line in enumerate(text.split("\n"), 1):
            if n in in_code:
                continue
            for span in re.findall(r"`([^`]+)`", line):
                if re.match(r"^(?:\S*/)?nst-course\s", span + " ") and not span.startswith(
                    "nst-course:"
                ):
                    for argv in _commands_in(span):
                        if argv[:1] == ["..."] or any(
                            t.isupper() or t.endswith(":") for t in argv[:1]
                        ):
                            continue  # `nst-course ...`, `nst-course COMMAND`, printed output
                        if not any(t.startswith("-") for t in argv):
                            argv = argv + ["--help"]  # a command named in prose: it exists
                        found.append(("%s:%d" % (where, n), [INLINE] + argv))
    return found


INLINE = "<inline>"  # marks a command quoted in prose (see parse)
COMMANDS = command_lines()


def test_the_pages_have_command_lines_to_check():
    assert len(COMMANDS) > 40, COMMANDS
    assert any(argv[:1] == ["notebooks"] for _, argv in COMMANDS)


def _subparser(parser, argv):
    """The (sub)parser ``argv`` names, e.g. ``grade`` for ["grade", "--nbgrader"]."""
    import argparse

    for token in argv:
        actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not actions or token not in actions[0].choices:
            break
        parser = actions[0].choices[token]
    return parser


def parse(argv):
    """Parse ``argv`` with nst-course's own parser: None if it parses, else argparse's message.

    A command quoted in prose (``[INLINE, ...]``) may name an option without its value
    ("`nst-course grade --nbgrader` reads ..."): when only a value or a required argument is
    missing, it passes if its command and every option it names exist."""
    from nst_course import cli

    inline = argv[:1] == [INLINE]
    argv = argv[1:] if inline else argv
    parser = cli.build_parser()
    cli._add_debug_everywhere(parser)
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            parser.parse_args(argv)
    except SystemExit as exc:
        if exc.code == 0:
            return None
        message = err.getvalue().strip() or "exit %s" % exc.code
        if inline and re.search(r"expected \S+ argument|arguments are required", message):
            known = _subparser(parser, argv)._option_string_actions
            unknown = [t for t in argv if t.startswith("-") and t.split("=")[0] not in known]
            return "unknown options %s" % unknown if unknown else None
        return message
    return None


@pytest.mark.parametrize("where,argv", COMMANDS, ids=[w for w, _ in COMMANDS])
def test_every_command_line_in_the_docs_parses(where, argv):
    problem = parse(argv)
    assert problem is None, "%s: nst-course %s\n%s" % (where, " ".join(argv), problem)


def test_the_check_catches_a_wrong_option_and_a_bad_value():
    assert parse(["run", "--iterations", "2"]) is None
    assert parse([INLINE, "grade", "--timeout"]) is None  # an option named in prose
    assert "--no-such" in parse([INLINE, "grade", "--no-such"])
    assert parse(["grade", "--timeout"]) is not None  # in a code block: the whole line
    assert "unrecognized" in parse(["run", "--no-such-option"])
    assert "--iterations" in parse(["run", "--iterations", "-3"])
    assert _commands_in("python3 -m venv .venv && .venv/bin/nst-course run --seed 0  # a note") == [
        ["run", "--seed", "0"]
    ]


def python_pages():
    """[(page, [(line, code)])] of the Python blocks the tests run, and those they skip."""
    run, skipped = [], []
    for page in pages():
        code_blocks = []
        for lang, first, code, above in blocks(open(page, encoding="utf-8").read()):
            if lang not in ("python", "py"):
                continue
            if above.strip().startswith(NOT_RUN):
                reason = above.strip()[len(NOT_RUN) :].strip()
                skipped.append((os.path.relpath(page, ROOT), first, reason))
                continue
            code_blocks.append((first, code))
        if code_blocks:
            run.append((os.path.relpath(page, ROOT), code_blocks))
    return run, skipped


RUN, SKIPPED = python_pages()


def test_a_python_block_left_out_says_why():
    assert RUN, "no Python block is run"
    for where, line, reason in SKIPPED:
        assert len(reason) > 15, "%s:%d: say why the block is not run" % (where, line)


# One interpreter runs every page (TensorFlow is imported once), each page in a namespace of
# its own, as if each were a fresh notebook; it prints a marker line after each page.
RUNNER = """
import json, sys, traceback
pages = json.load(sys.stdin)
for page, program in pages:
    print("=== page %s" % page, flush=True)
    try:
        exec(compile(program, page, "exec"), {"__name__": "__main__"})
    except BaseException:
        traceback.print_exc()
        print("=== failed %s" % page, flush=True)
        sys.exit(1)
print("=== done", flush=True)
"""


def test_the_python_blocks_of_the_pages_run():
    import json

    pages = [(page, "\n\n".join(code for _, code in code_blocks)) for page, code_blocks in RUN]
    env = dict(os.environ, NST_VGG_MODEL="random", MPLBACKEND="Agg", TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps(pages),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 and "=== done" in done.stdout, "%s\n%s" % (
        done.stdout[-2000:],
        done.stderr[-3000:],
    )
    printed = done.stdout.split("=== page ")[1:]
    for (page, program), output in zip(pages, printed):
        for m in re.finditer(r"^\s*print\(.*\)\s*#\s*(\S.*)$", program, flags=re.M):
            assert m.group(1).strip() in output, "%s: expected %r in\n%s" % (
                page,
                m.group(1),
                output,
            )
