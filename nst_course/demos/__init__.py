"""Teaching demos: the paper's figures (``nst-course figure``) and the live view of a run in
Jupyter.

May import the course's modules, :mod:`nst_course.weights`, :mod:`nst_course.run` and
:mod:`nst_course.batch`; never the command line.
"""
