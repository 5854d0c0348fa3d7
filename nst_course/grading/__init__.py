"""Grading the assignment: the checks with hints a student runs in the notebook, and the
sandboxed grader of a class's submissions (``nst-course grade``) with its SQLite gradebook.

May import the course's modules, :mod:`nst_course.weights`, :mod:`nst_course.run` and the
Dask seam :mod:`nst_course.batch.cluster`; never the command line.
"""
