"""oneDNN's frozen-weights mode: the main job's VGG weights in variables, at constants' speed.

TensorFlow's CPU convolutions run on oneDNN, which wants the filter in a blocked layout of
its own. For a filter that is a graph constant (the course's ``tf.constant``) TensorFlow
reorders it once and keeps the copy; for a filter read from a variable it falls back to the
plain HWIO layout for batch 1, which is much slower. Constants, however, cost memory: the
GraphDef, every executor and every cached copy hold the VGG-19 kernels again (the main job
peaks at 1.9 GiB at 400x300 with constants, 1.3 GiB with variables: benchmarks/bench_speed.py).

``TF_ONEDNN_ASSUME_FROZEN_WEIGHTS=1`` (read once, when TensorFlow's first oneDNN convolution
is made) tells TensorFlow that every convolution's filter is fixed: filters read from
variables then get the constants' fast path (reordered once, at a kernel's first run).
That is true of the main job, whose only trainable value is the image, but not of a
program that trains convolution filters, so ``nst-course run`` turns it on for its own
process only (:func:`assume_frozen_weights`), before TensorFlow is imported, and the
library never does. ``nst_course.run.runner`` holds the weights in variables whenever the mode
is on (:func:`frozen_weights_active`), so that the graph computes the same numbers with
far less memory and no loss of speed (benchmarks/bench_speed.py).
"""

import os
import sys

#: The environment variable TensorFlow reads (tensorflow/core/util/onednn_env_vars.cc).
FROZEN_WEIGHTS_VAR = "TF_ONEDNN_ASSUME_FROZEN_WEIGHTS"


def frozen_weights_active(environ=None):
    """True when the frozen-weights mode is on in this process's environment."""
    environ = os.environ if environ is None else environ
    return environ.get(FROZEN_WEIGHTS_VAR, "").strip().lower() in ("1", "true")


def assume_frozen_weights():
    """Turn the mode on for this process, if TensorFlow is not imported yet and the user has
    not set the variable; returns whether it is on.

    Only for a process whose convolution filters never change after their first run, as in
    ``nst-course run``. Once TensorFlow is loaded the setting could come too late (or change
    what other code in the process expects), so it is then left alone.
    """
    if FROZEN_WEIGHTS_VAR not in os.environ and "tensorflow" not in sys.modules:
        os.environ[FROZEN_WEIGHTS_VAR] = "1"
    return frozen_weights_active()
