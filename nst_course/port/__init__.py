"""Porting a learner's own TF1 course notebook (``nst-course port``) to run on today's
TensorFlow with this package, and the ``nst_utils`` the course's notebooks import.

- :mod:`.rewrite`: the line rules; :mod:`.porting`: a notebook or ``.py`` export as a whole,
  and recognising the course's versions; :mod:`.assets`: the weights and images it needs;
  :mod:`.cli`: the command and its report;
- what a ported notebook imports: :mod:`.session` (its first cell: TF1 mode and op seeds),
  :mod:`.nst_utils` (the course's helpers, no graded function), :mod:`.scipy_misc`.

May import the course's modules, :mod:`nst_course.weights` and :mod:`nst_course.run`; never the
command line.
"""
