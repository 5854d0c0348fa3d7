"""The main job, ``nst-course run``: the course's optimisation as a command, and its machinery.

Options and their checks (:mod:`.checks`), the runner (:mod:`.runner`: graph, optimiser, loop),
reports (:mod:`.outputs`), progress (:mod:`.progress`, tqdm), interruption safety
(:mod:`.safety`), checkpoints, the beyond-the-course options (:mod:`.styles`, :mod:`.colors`,
:mod:`.lbfgs`, :mod:`.fastcosts`) and process set-up (:mod:`.onednn`, :mod:`.quiet`).
It may import the course's top-level modules and :mod:`nst_course.weights`; never the grader,
the demos, the batch engine or the command line. Importing this package imports nothing.
"""
