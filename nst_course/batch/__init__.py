"""Many runs at once: the one seam to Dask distributed (:mod:`.cluster`: start or join a
cluster, submit, collect) and ``nst-course batch`` on top of it.

May import the course's modules, :mod:`nst_course.weights` and :mod:`nst_course.run`; never
the grader, the demos or the command line.
"""
