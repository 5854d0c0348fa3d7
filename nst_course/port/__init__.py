"""Porting a learner's own TF1 course notebook (``nst-course port``) to run on today's
TensorFlow with this package, and the ``nst_utils`` the course's notebooks import.

May import the course's modules and :mod:`nst_course.weights`; never the command line.
"""
