"""What the first cell of a ported notebook switches on, for the whole kernel session.

``nst-course port`` adds one cell at the top of a learner's notebook::

    import nst_course.port.session; nst_course.port.session.start()

:func:`start` does, once per process:

1. imports TensorFlow without its start-up chatter (:mod:`nst_course.run.quiet`) and calls
   ``tf.compat.v1.disable_v2_behavior()``: graph mode, reference variables and TF1 shapes
   (``a_G.get_shape()[1].value`` works again), as the course's TensorFlow 1.x had;
2. switches TF1's op-seed rule on for every graph made from then on (a session-wide
   :func:`nst_course.seeding.tf1_seeding`): after ``tf.set_random_seed(1)``, a
   ``tf.random_normal`` without its own seed gets ``op_seed = graph._last_id`` as in TF 1.x,
   so the course's unchanged test cells draw the same numbers and print the published
   Expected Output (J_content = 6.76559, J_style_layer = 9.19028);
3. prints numbers as numpy 1.13 did (``np.set_printoptions(legacy="1.13",
   floatmode="fixed")``), the numpy of the course's outputs: only the printing changes.

Nothing here happens on import; only that cell and :mod:`nst_course.port.nst_utils` (which
only ported notebooks import) call it: code that does not run a ported notebook keeps
today's TensorFlow behaviour. :func:`stop` undoes 2 and 3.
"""

import threading

import numpy as np

_lock = threading.Lock()
_state = {"seeding": None, "printoptions": None}


def start():
    """Switch the kernel to the course's TensorFlow 1 behaviour (idempotent). Returns ``tf``
    (``tensorflow.compat.v1``)."""
    from ..run.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()
    import tensorflow.compat.v1 as tf

    from ..seeding import tf1_seeding

    with _lock:
        if _state["seeding"] is None:
            tf.disable_v2_behavior()
            seeding = tf1_seeding()
            seeding.__enter__()
            _state["seeding"] = seeding
            _state["printoptions"] = np.get_printoptions()
            np.set_printoptions(legacy="1.13", floatmode="fixed")
    return tf


def started():
    """True between :func:`start` and :func:`stop`."""
    return _state["seeding"] is not None


def stop():
    """Switch TF1's op-seed rule and numpy 1.13 printing off again (TF stays in graph mode)."""
    with _lock:
        seeding, _state["seeding"] = _state["seeding"], None
        options, _state["printoptions"] = _state["printoptions"], None
        if seeding is not None:
            seeding.__exit__(None, None, None)
        if options is not None:
            np.set_printoptions(**options)
