"""Grading one submission: extract its graded functions, run each in a fresh sandbox of its
own, judge what it did here, in the trusted process, and give points.

:func:`grade_submission` is the task that a Dask worker runs (the worker is the sandbox's
supervisor); its payload and its result are plain values (bytes, numbers, strings), so the
same task runs on an embedded cluster or on another machine.

Each graded function is judged in its own sandbox (:mod:`nst_course.grading.sandbox`), holding
the student's imports, helpers and that function's code only, so whatever a submission leaves
there earns nothing for another function. Inside, the functions a graded function calls are
not the package's: ``compute_layer_style_cost``'s ``gram_matrix`` is an oracle of values
computed here, ``model_nn``'s graph is built here and sent as data
(:mod:`nst_course.grading.oracles`). So one wrong function costs its own points only; when the
student's own callee fails, the caller's passed row says so (:func:`~.judging.callee_note`,
the notebook's words).

Points: ``POINTS[name]`` when :func:`nst_course.grading.judge` passes the function (and, for
``model_nn``, the supervisor's own evidence agrees), else 0 with the check's hint; a function
that is missing, not valid Python, the package's own solution, that broke a limit or whose
sandbox sent something the schema refuses gets 0 and the one-line reason.
"""

import ast
import time

from .extract import extract
from .judging import callee_note
from .protocol import Rejected, escape, parse
from .sandbox import GB, Limits, require_sandbox, zygote
from .syntax import parse_source

#: Seconds of the grader's own work (oracles, judging) allowed beyond the functions' limits.
GRACE_SECONDS = 30
#: The label after a hint that quotes an error the submission's code raised (the judge's
#: detail line): text from the sandbox reaches the feedback only labelled as the submission's.
OWN_ERROR = "(the error message is the submission's own)"
#: The statuses of a student's function that fails when it runs (not missing, not the
#: package's): a function judged with the oracle of it (the notebook: the reference) says so.
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
            tree = parse_source(statement)
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
        "hint": escape(" ".join(str(hint).split()), 1500),
        "checked": [escape(c, 300) for c in checked],
        "seconds": round(float(seconds), 3),
    }


def _judge(name, probes, observations, seconds, start_costs=None):
    """The row for one accepted observation, judged here."""
    from . import judge
    from .points import POINTS

    if name == "model_nn" and start_costs is not None:
        for record in observations.get("results", []):
            record["start_costs"] = dict(start_costs)  # the supervisor's own numbers
    try:
        result = judge(name, probes, observations)
    except Exception as exc:  # noqa: BLE001 - what the sandbox sent cannot be judged: 0, said
        return _row(
            name,
            "failed",
            0,
            "its results could not be judged (%s: %s)"
            % (type(exc).__name__, " ".join(str(exc).split())[:200]),
            seconds=seconds,
        )
    hint = result.message
    quoted = [
        r["error"]["message"][:40]
        for r in observations.get("results", [])
        if isinstance(r.get("error"), dict) and r["error"].get("message")
    ]
    if any(q in hint for q in quoted):  # text the submission made: labelled as its own
        hint += " " + OWN_ERROR
    if "[Errno 27]" in str(observations):
        hint = "wrote a file larger than the limit; " + hint
    passed = result.passed
    if passed and name == "model_nn":
        from .oracles import model_nn_evidence

        evidence = model_nn_evidence(probes[0], observations["results"][0], start_costs)
        if evidence:
            passed, hint = False, evidence
    return _row(
        name,
        "passed" if passed else "failed",
        POINTS[name] if passed else 0,
        hint,
        getattr(result, "checked", ()) or (),
        seconds,
    )


def _death(status, limits):
    if status == 128 + 24:
        return "used more CPU time than the limit: stopped"
    if status is not None and status > 128:
        return "the grading process was killed by signal %d" % (status - 128)
    if status is None:
        return "the grading process ended before the function returned"
    if status in (70, 71):  # the job's own set-up (namespaces, tmpfs), before the student's code
        return (
            "the grader's sandbox could not be set up for it (status %d): the machine refused "
            "a namespace or a mount (see the teachers' sandbox page)" % status
        )
    return "the grading process ended (exit status %s) before the function returned" % status


def _outcome_row(name, probes, outcome, limits, start_costs, whole=None):
    """The row of one job's :class:`~nst_course.grading.sandbox.Outcome`."""
    if outcome.limit == "memory":
        return _row(
            name,
            "limit",
            0,
            "%s: used more than the memory limit of %g GB: stopped" % (name, limits.memory / GB),
        )
    if outcome.limit == "timeout":
        if whole:
            reason = "the submission's time limit of %g s was used up: stopped" % whole
        else:
            reason = "ran longer than the time limit of %g s: stopped" % limits.timeout
        return _row(name, "limit", 0, "%s: %s" % (name, reason))
    if outcome.limit == "result":
        return _row(name, "limit", 0, "%s: sent more than the result limit: stopped" % name)
    if not outcome.data.strip() and outcome.status not in (0, None):
        status = "limit" if outcome.status == 128 + 24 else "crashed"
        return _row(name, status, 0, "%s: %s" % (name, _death(outcome.status, limits)))
    try:
        observations, error, seconds = parse(outcome.data, name, probes)
    except Rejected as exc:
        return _row(name, "error", 0, "%s: its result was refused: %s" % (name, exc))
    if error is not None:
        return _row(
            name, "error", 0, "%s: %s (the submission's own error)" % (name, error), seconds=seconds
        )
    return _judge(name, probes, observations, seconds, start_costs)


def _rows_for_all(reason, status="invalid"):
    from .points import GRADED

    return [_row(name, status, 0, reason) for name in GRADED]


def _result(payload, functions, notes, began, problem=None):
    result = {
        "student": payload["student"],
        "sha256": payload.get("sha256"),
        "functions": functions,
        "total": sum(row["points"] for row in functions),
        "max_total": sum(row["max_points"] for row in functions),
        "notes": [escape(n, 500) for n in notes],
        "seconds": round(time.monotonic() - began, 3),
    }
    if problem:
        result["problem"] = escape(problem, 500)
    return result


def _request(name, extracted, files, probes):
    request = {
        "name": name,
        "code": extracted.functions[name],
        "imports": extracted.imports,
        "helpers": extracted.helpers,
        "probes": probes,
        "files": [(n, data.hex()) for n, data in files],
        "modules": _imported_modules(extracted.imports),
    }
    start_costs = None
    if name == "compute_layer_style_cost":
        from .oracles import gram_table

        request["gram_table"] = gram_table(probes)
    if name == "model_nn":
        from .oracles import model_nn_graph

        request["graph"], start_costs = model_nn_graph(probes[0])
    return request, start_costs


def grade_submission(payload: dict) -> dict:
    """Grade one submission (the Dask task). ``payload``: ``student``, ``files`` (list of
    (name, bytes)), ``sha256``, ``seed`` (the run's probe seed), ``limits`` (dict of
    :class:`Limits`), ``confined`` (False: --no-sandbox), ``notes`` (about the grading, for the
    outputs), ``problem`` (why the files cannot be graded at all, or None) and, for tests,
    ``graded`` (a subset of the graded names). Returns the submission's result as values."""
    from ..run.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()  # the checks' references use TensorFlow: without its chatter
    from .points import GRADED
    from .probing import probes as make_probes

    began = time.monotonic()
    notes = list(payload.get("notes", []))
    if payload.get("problem"):
        return _result(payload, _rows_for_all(payload["problem"]), notes, began, payload["problem"])
    limits = Limits(**payload.get("limits", {}))
    try:
        extracted = extract(payload["files"], GRADED)
    except (RecursionError, MemoryError, ValueError) as exc:  # pathological source: its row
        problem = "the submission could not be read (%s)" % type(exc).__name__
        return _result(payload, _rows_for_all(problem), notes, began, problem)
    if extracted.problem:
        return _result(
            payload,
            _rows_for_all(extracted.problem, "missing"),
            notes + extracted.notes,
            began,
            extracted.problem,
        )
    rows = {
        name: _row(name, _status_of_problem(reason), 0, "%s: %s" % (name, reason))
        for name, reason in extracted.problems.items()
    }
    notes += list(extracted.notes)
    wanted = payload.get("graded") or GRADED
    order = [name for name in GRADED if name in extracted.functions and name in wanted]
    for name in GRADED:
        if name not in rows and name not in order:
            rows[name] = _row(name, "missing", 0, "%s: not graded in this run" % name)
    confined = payload.get("confined", True)
    if confined:  # this worker's machine (with --scheduler, maybe not the teacher's)
        notes += [n for n in require_sandbox() if n not in notes]
    box = zygote(confined)
    if order and not box.alive():
        box.start()  # TensorFlow's import, once per grading process: not the submission's time
    # the submission's own clock starts now; its functions' limits, plus the grader's own work
    whole_deadline = time.monotonic() + limits.total(len(order)) + GRACE_SECONDS
    for name in order:
        probes = make_probes(name, seed=payload.get("seed"))
        now = time.monotonic()
        if now >= whole_deadline:
            rows[name] = _row(
                name,
                "limit",
                0,
                "%s: the submission's time limit of %g s was used up before it ran"
                % (name, limits.total(len(order))),
            )
            continue
        request, start_costs = _request(name, extracted, payload["files"], probes)
        deadline = min(now + limits.timeout, whole_deadline)
        outcome = box.run(request, limits, deadline)
        rows[name] = _outcome_row(
            name,
            probes,
            outcome,
            limits,
            start_costs,
            whole=limits.total(len(order)) if whole_deadline < now + limits.timeout else None,
        )
    functions = [rows[name] for name in GRADED]
    failing = [row["function"] for row in functions if row["status"] in CALLEE_FAILS]
    for row in functions:  # judged with the oracle callees: say when the student's own fail
        note = callee_note(row["function"], failing)
        if note and row["status"] == "passed":
            row["hint"] += " " + note
    return _result(payload, functions, notes, began)
