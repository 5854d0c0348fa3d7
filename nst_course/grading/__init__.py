"""Grading the assignment: the checks with hints a student runs in the notebook, and the
sandboxed grader of a class's submissions (``nst-course grade``) with its SQLite gradebook.

May import the course's modules, :mod:`nst_course.weights`, :mod:`nst_course.run` and the
Dask seam :mod:`nst_course.batch.cluster`; never the command line.

Public names (loaded on first use, so importing the package does not import TensorFlow):
``POINTS``, ``GRADED`` (the table of points), ``probes(name, seed=None)``,
``observe(name, function, probes, workdir=None, callees=None)``,
``judge(name, probes, observations)``,
``check(name, function, seed=None)``, ``CheckResult``, and the course-style
``compute_content_cost_test``, ``gram_matrix_test``, ``compute_layer_style_cost_test``,
``total_cost_test``, ``model_nn_test``; ``format_summary(rows, width)`` (the teacher's table
at the end of ``nst-course grade``).
"""

from .._lazy import lazy_exports

_EXPORTS = {
    "POINTS": "points",
    "GRADED": "points",
    "TOTAL": "points",
    "points_table": "points",
    "probes": "probing",
    "observe": "observing",
    "judge": "judging",
    "CheckResult": "judging",
    "HINTS": "hints",
    "check": "checks",
    "report": "checks",
    "compute_content_cost_test": "checks",
    "gram_matrix_test": "checks",
    "compute_layer_style_cost_test": "checks",
    "total_cost_test": "checks",
    "model_nn_test": "checks",
    "format_summary": "summary",
}

__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
