"""Many runs at once: the one seam to Dask distributed (:mod:`.cluster`: start or join a
cluster, submit, collect) and ``nst-course batch`` on top of it.

Public names: :class:`Job`, :class:`JobResult`, :func:`run_jobs` (:mod:`.engine`: jobs to
workers, files back into ``OUT/<id>/``); the command is in :mod:`.cli`, the manifest in
:mod:`.manifest`, results.csv and the contact sheet in :mod:`.report`, the worker's side in
:mod:`.job`.

May import the course's modules, :mod:`nst_course.weights` and :mod:`nst_course.run`; never
the grader, the demos or the command line. Importing this package imports neither Dask nor
TensorFlow.
"""

from .engine import Job, JobResult, run_jobs  # noqa: F401
