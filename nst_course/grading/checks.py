"""The checks a student runs in the notebook, in the course's style.

``compute_content_cost_test(compute_content_cost)`` and its siblings print ``All tests passed``
(green where the output shows colour) or the one hint, to stdout only (nbgrader zeroes a test
cell that writes to stderr), and return the :class:`CheckResult`. ``check(name, function)`` is
the same without printing: ``judge(name, p, observe(name, function, p, callees=...))`` with
``p = probes(name, seed)``; nbgrader's hidden tests call it too, so the notebook, nbgrader and
``nst-course grade`` (which judges the same observations) say the same words.

One bug costs one function: the graded functions ``function`` uses are the package's reference
ones while it is judged (:data:`~.judging.CALLEES`); when the student's own version (the one the
notebook's cells will call) fails its check, the verdict ends with
:func:`~.judging.callee_note`'s line, which says to fix that one first.
"""

import os
import sys
from collections.abc import Callable

from .judging import CALLEES, CheckResult, callee_note, judge
from .observing import observe
from .probing import probes

GREEN, RED, RESET = "\033[92m", "\033[91m", "\033[0m"


def reference_callees(name: str) -> dict[str, Callable]:
    """{name: the package's reference function} for the graded functions ``name`` uses."""
    from .. import costs

    return {callee: getattr(costs, callee) for callee in CALLEES.get(name, ())}


def _judged(name, function, seed, workdir):
    inputs = probes(name, seed)
    seen = observe(name, function, inputs, workdir=workdir, callees=reference_callees(name))
    return judge(name, inputs, seen)


def _is_reference(function):
    module = getattr(function, "__module__", None) or ""
    return module.split(".")[0] == "nst_course"


def failing_callees(
    name: str, function: Callable, seed: int | None = None, workdir: str | None = None
) -> list[str]:
    """The graded functions ``name`` uses whose student version (the one ``function``'s module
    defines, which the notebook's own cells call) fails its check."""
    namespace = getattr(function, "__globals__", {})
    failing = []
    for callee in CALLEES.get(name, ()):
        own = namespace.get(callee)
        if callable(own) and not _is_reference(own):
            if not _judged(callee, own, seed, workdir).passed:
                failing.append(callee)
    return failing


def check(name, function, seed=None, workdir=None):
    """Check graded function ``name`` (e.g. 'gram_matrix') implemented by ``function``."""
    result = _judged(name, function, seed, workdir)
    if not result.passed:
        return result
    return result.noted(callee_note(name, failing_callees(name, function, seed, workdir)))


def supports_colour(stream=None):
    """True in a Jupyter kernel or a terminal, unless $NO_COLOR is set."""
    if os.environ.get("NO_COLOR"):
        return False
    stream = sys.stdout if stream is None else stream
    if "ipykernel" in sys.modules:
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def report(result, stream=None):
    """Print the result's message (coloured where supported)."""
    stream = sys.stdout if stream is None else stream
    if supports_colour(stream):
        colour = GREEN if result.passed else RED
        stream.write(colour + result.message + RESET + "\n")
    else:
        stream.write(result.message + "\n")
    stream.flush()
    return result


class ReportedResult(CheckResult):
    """A CheckResult whose message was printed already: a notebook shows it only once (no
    ``Out[...]`` line under the check cell)."""

    def _ipython_display_(self):
        pass


def _course_test(name):
    def test(target, seed=None):
        result = check(name, target, seed=seed)
        return report(ReportedResult(result.passed, result.message, result.checked, result.hint_id))

    test.__name__ = name + "_test"
    test.__qualname__ = test.__name__
    test.__doc__ = (
        "Check ``%s``: print 'All tests passed' or one hint; return the CheckResult." % name
    )
    return test


compute_content_cost_test = _course_test("compute_content_cost")
gram_matrix_test = _course_test("gram_matrix")
compute_layer_style_cost_test = _course_test("compute_layer_style_cost")
total_cost_test = _course_test("total_cost")
model_nn_test = _course_test("model_nn")

__all__ = [
    "CheckResult",
    "check",
    "judge",
    "observe",
    "probes",
    "report",
    "compute_content_cost_test",
    "gram_matrix_test",
    "compute_layer_style_cost_test",
    "total_cost_test",
    "model_nn_test",
]
