"""Grading one submission: extract its graded functions, run them in the sandbox, judge what
they did here, in the trusted process, and give points.

:func:`grade_submission` is the task that a Dask worker runs (the worker is the sandbox's
supervisor); its payload and its result are plain values (bytes, numbers, strings), so the
same task runs on an embedded cluster or on another machine.

Points: ``POINTS[name]`` when :func:`nst_course.grading.judge` passes the function, else 0
with the check's hint; a function that is missing, not valid Python, the package's own
solution, or that broke a limit gets 0 and the one-line reason.
"""

import ast
import time

from .extract import extract
from .judging import callee_note
from .sandbox import Limits, isolation, run_child

#: The outcome of a graded function, as stored in the gradebook's ``status`` column.
STATUSES = ("passed", "failed", "missing", "invalid", "ours", "error", "limit", "crashed")
#: The statuses of a student's function that fails when it runs (not missing, not the
#: package's): a function judged with the reference version of it says so.
CALLEE_FAILS = ("failed", "error", "limit", "crashed")


def _status_of_problem(reason):
    if reason.startswith("not found") or "does not define" in reason:
        return "missing"
    if reason.startswith("not valid Python"):
        return "invalid"
    return "ours"


def _imported_modules(statements):
    """The dotted module names the import statements name (``from a.b import c``: ``a.b``
    and, in case c is a submodule, ``a.b.c``)."""
    names = set()
    for statement in statements:
        try:
            tree = ast.parse(statement)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                names.update("%s.%s" % (node.module, a.name) for a in node.names if a.name != "*")
    return sorted(names)


def _row(name, status, points, hint, checked=(), seconds=0.0):
    from .points import POINTS

    return {
        "function": name,
        "points": float(points),
        "max_points": float(POINTS[name]),
        "status": status,
        "hint": " ".join(str(hint).split()),
        "checked": list(checked),
        "seconds": round(float(seconds), 3),
    }


def _judge(name, probes, message):
    """The row for one child message (observations / ours / error), judged here."""
    from . import judge
    from .points import POINTS

    seconds = message.get("seconds") or 0.0
    if "ours" in message:
        return _row(name, "ours", 0, "%s scores 0: %s" % (name, message["ours"]), seconds=seconds)
    if "error" in message:
        return _row(name, "error", 0, str(message["error"]), seconds=seconds)
    observations = message.get("observations")
    try:
        result = judge(name, probes, observations)
    except Exception as exc:  # noqa: BLE001 - what the child sent cannot be judged: 0, said
        return _row(
            name,
            "failed",
            0,
            "its results could not be judged (%s: %s)"
            % (type(exc).__name__, " ".join(str(exc).split())[:200]),
            seconds=seconds,
        )
    hint = result.message
    if "[Errno 27]" in str(observations):
        hint = "wrote a file larger than the limit; " + hint
    return _row(
        name,
        "passed" if result.passed else "failed",
        POINTS[name] if result.passed else 0,
        hint,
        getattr(result, "checked", ()) or (),
        seconds,
    )


def grade_submission(payload):
    """Grade one submission (the Dask task). ``payload``: ``student``, ``files`` (list of
    (name, bytes)), ``sha256``, ``seed`` (the run's probe seed), ``limits`` (dict of
    :class:`Limits`), ``hide`` (folders the child must not see), ``user`` (name or None).
    Returns the submission's result as plain values."""
    from ..run.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()  # the checks' references use TensorFlow: without its chatter
    from . import probes as make_probes
    from .points import GRADED

    began = time.monotonic()
    limits = Limits(**payload.get("limits", {}))
    extracted = extract(payload["files"], GRADED)
    rows = {
        name: _row(name, _status_of_problem(reason), 0, "%s: %s" % (name, reason))
        for name, reason in extracted.problems.items()
    }
    notes = list(isolation(payload.get("user")).notes) + list(extracted.notes)
    order = [name for name in GRADED if name in extracted.functions]
    probes = {name: make_probes(name, seed=payload.get("seed")) for name in order}
    request = {
        "imports": extracted.imports,
        "helpers": extracted.helpers,
        "functions": extracted.functions,
        "probes": probes,
        "modules": _imported_modules(extracted.imports),
    }
    remaining = list(order)
    while remaining:
        messages, stopped = run_child(
            request,
            payload["files"],
            limits,
            remaining,
            hide=payload.get("hide", ()),
            user=payload.get("user"),
        )
        for note in messages.pop("(notes)", []) or []:
            if note not in notes:
                notes.append(note)
        for name in remaining:
            if name in messages:
                rows[name] = _judge(name, probes[name], messages[name])
        if stopped is not None:
            where, reason = stopped
            if where in remaining and where not in messages:
                rows[where] = _row(
                    where,
                    "limit" if "limit" in reason else "crashed",
                    0,
                    "%s: %s" % (where, reason),
                )
            elif where not in remaining:  # before any function: each of them gets the reason
                for name in remaining:
                    if name not in messages:
                        rows[name] = _row(
                            name,
                            "limit" if "limit" in reason else "crashed",
                            0,
                            "%s (while the submission's top-level code ran)" % reason,
                        )
        left = [name for name in remaining if name not in rows]
        if len(left) == len(remaining):  # no progress: never loop
            for name in left:
                rows[name] = _row(
                    name, "crashed", 0, "%s: the grading process ended before it ran" % name
                )
            left = []
        remaining = left
    functions = [rows[name] for name in GRADED]
    failing = [row["function"] for row in functions if row["status"] in CALLEE_FAILS]
    for row in functions:  # judged with the reference callees: say when the student's fail
        note = callee_note(row["function"], failing)
        if note and row["status"] == "passed":
            row["hint"] += " " + note
    return {
        "student": payload["student"],
        "sha256": payload.get("sha256"),
        "functions": functions,
        "total": sum(row["points"] for row in functions),
        "max_total": sum(row["max_points"] for row in functions),
        "notes": notes,
        "seconds": round(time.monotonic() - began, 3),
    }
