"""The notebooks' side of the package: one set-up call for every notebook, and the command
``nst-course notebooks DIR`` that writes the notebooks with their pictures where a student or a
teacher wants them.

A notebook's first code cell reads like the course's (its imports and ``%matplotlib inline``)
after one line, ``notebook = setup()``, which does what the course's environment did for it:
oneDNN on (as ``nst-course run`` has it), TensorFlow imported without its start-up log lines,
numbers printed as numpy 1.13 did (to compare with the Expected Output cells), and the
settings the tests shrink (image size, iterations) from ``$NST_NOTEBOOK_*``; it finds the
pictures and the VGG-19 weights, and prints the command line's warning when only the untrained
network is there.

This part sits at the top with the command line: it may import every other part
(``run`` for the process set-up, ``weights`` for the lookup); nothing imports it.
"""

from .session import Notebook, setup

__all__ = ["Notebook", "setup"]
