"""The main job, ``nst-course run``: the course's optimisation as a command, and its machinery.

Bottom up: the options, defined once (:mod:`.options`: ``RunOptions``) and their checks
(:mod:`.checks`); the graph (:mod:`.graph`: images, VGG, costs, optimiser); the one driver
(:mod:`.stage`: ``train_stage`` and its collaborators' interfaces); the schedule of stages
(:mod:`.schedule`) and the runner on top (:mod:`.runner`); its command line (:mod:`.cli`).
Beside them: reports (:mod:`.outputs`, drawn with :mod:`.plotting`), progress
(:mod:`.progress`, tqdm), interruption safety (:mod:`.safety`), checkpoints, the
beyond-the-course options (:mod:`.styles`, :mod:`.colors`, :mod:`.lbfgs`, :mod:`.fastcosts`,
:mod:`.presets`, :mod:`.start`) and process set-up (:mod:`.onednn`, :mod:`.quiet`).
It may import the course's top-level modules and :mod:`nst_course.weights`; never the grader,
the demos, the batch engine or the command line. Importing this package imports nothing.
"""
