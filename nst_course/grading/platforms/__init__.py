"""Grades where courses keep them: a layer over the class grader's results (per student: the
id, per graded function the points, the maximum and the hint, the total).

- :mod:`.gradescope`: the autograder zip for Gradescope and its ``results.json``;
- :mod:`.nbgrader_gradebook`: the points written into an nbgrader course's own gradebook;
- :mod:`.lms`: Canvas and Moodle grade-import CSV files, through an optional roster;
- :mod:`.cli`: their options of ``nst-course grade`` and what runs them.

Each grades through :mod:`nst_course.grading.runner` (the same sandbox and checks as
``nst-course grade``) and reads its JSON document, so the sandbox can change under it. May
import :mod:`nst_course.grading` and the course's modules; never the command line.
"""
