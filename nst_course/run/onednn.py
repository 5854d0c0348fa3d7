"""oneDNN for every process of ours that trains: on by default, and its frozen-weights mode.

**oneDNN on** (``TF_ENABLE_ONEDNN_OPTS``). TensorFlow's Linux wheels run CPU convolutions on
oneDNN by default only on CPUs with AVX512_VNNI, AVX512_BF16 or AMX; elsewhere (AMD Zen 3 and
older, Intel without AVX-512 VNNI) they run on Eigen unless ``TF_ENABLE_ONEDNN_OPTS=1`` is set
before TensorFlow is imported. Measured on an AMD EPYC Zen 3 (AVX2 only) at 300x400, one step of
``nst-course run`` took 1.48-1.53 s on Eigen and 1.05-1.06 s with oneDNN (README, "Speed on
each CPU kind").
oneDNN only changes the order of floating-point sums (the same costs to float32 round-off:
tests/run/test_onednn.py runs the equivalence tests with it forced on and forced off), so every
process of ours that trains turns it on (:func:`enable_onednn`) unless the user set the
variable: the main job (``nst-course run``) for itself, and the embedded Dask cluster for its
workers (:func:`training_environment`, used by ``nst_course.batch.cluster.worker_environment``).

**Frozen weights** (``TF_ONEDNN_ASSUME_FROZEN_WEIGHTS``). oneDNN wants a convolution's filter
in a blocked layout of its own. For a filter that is a graph constant (the course's
``tf.constant``) TensorFlow reorders it once and keeps the copy; for a filter read from a
variable it falls back to the plain HWIO layout for batch 1, which is much slower. Constants,
however, cost memory: the GraphDef, every executor and every cached copy hold the VGG-19
kernels again (the main job peaks at 1.9 GiB at 400x300 with constants, 1.3 GiB with
variables: benchmarks/bench_speed.py).

``TF_ONEDNN_ASSUME_FROZEN_WEIGHTS=1`` (read once, when TensorFlow's first oneDNN convolution
is made) tells TensorFlow that every convolution's filter is fixed: filters read from
variables then get the constants' fast path (reordered once, at a kernel's first run).
That is true of the main job, whose only trainable value is the image, but not of a
program that trains convolution filters, so ``nst-course run`` turns it on for its own
process only (:func:`assume_frozen_weights`), before TensorFlow is imported, and the
library never does. ``nst_course.run.runner`` holds the weights in variables whenever the mode
is on (:func:`frozen_weights_active`), so that the graph computes the same numbers with
far less memory and no loss of speed (benchmarks/bench_speed.py).

The rule for both variables: a user's own setting always wins, and nothing here changes a
variable once TensorFlow is loaded (it could come too late, or change what other code in the
process expects). Importing this module imports nothing but the standard library.
"""

import os
import sys

#: TensorFlow's switch for its oneDNN CPU kernels, read once at import
#: (tensorflow/core/util/util.cc, IsMklEnabled): "1"/"true" on, "0"/"false" off, unset: the
#: wheel's own choice by CPU.
ONEDNN_VAR = "TF_ENABLE_ONEDNN_OPTS"

#: The environment variable TensorFlow reads (tensorflow/core/util/onednn_env_vars.cc).
FROZEN_WEIGHTS_VAR = "TF_ONEDNN_ASSUME_FROZEN_WEIGHTS"

#: What a process of ours that trains gets unless the user set it: both on.
TRAINING_DEFAULTS = {ONEDNN_VAR: "1", FROZEN_WEIGHTS_VAR: "1"}


def _setting(value):
    """True / False for a variable's value as TensorFlow reads it, None for unset or unknown."""
    if value is None:
        return None
    value = value.strip().lower()
    if value in ("1", "true"):
        return True
    if value in ("0", "false"):
        return False
    return None


def training_environment(environ=None):
    """The oneDNN variables of a process of ours that trains, as a new dict: each of
    :data:`TRAINING_DEFAULTS`, or the user's own value where ``environ`` (default
    ``os.environ``) has one. Meant for a child process's environment, set before it imports
    TensorFlow (``nst_course.batch.cluster.worker_environment``)."""
    environ = os.environ if environ is None else environ
    return {name: environ.get(name, default) for name, default in TRAINING_DEFAULTS.items()}


def enable_onednn():
    """Turn oneDNN on for this process, if TensorFlow is not imported yet and the user has not
    set ``TF_ENABLE_ONEDNN_OPTS``; returns what the variable now asks for (True on, False
    off, None: unset or unreadable, TensorFlow's own choice).

    Safe for any TensorFlow program (oneDNN is TensorFlow's own default on newer CPUs; it
    changes float32 results only by the order of sums), so unlike the frozen-weights mode it
    is right for every process of ours that trains, and for the notebook (README, "Speed on
    each CPU kind").
    """
    if ONEDNN_VAR not in os.environ and "tensorflow" not in sys.modules:
        os.environ[ONEDNN_VAR] = TRAINING_DEFAULTS[ONEDNN_VAR]
    return _setting(os.environ.get(ONEDNN_VAR))


def prepare_training_process():
    """:func:`enable_onednn` and :func:`assume_frozen_weights` for this process: what
    ``nst-course run`` does before it imports TensorFlow. Returns (oneDNN asked for, frozen
    weights on)."""
    return enable_onednn(), assume_frozen_weights()


def onednn_in_use():
    """Whether the TensorFlow loaded in this process runs its CPU kernels on oneDNN: its own
    answer (``IsMklEnabled``, which also reflects the wheel's choice by CPU), or None when
    TensorFlow is not imported or does not say. Never imports TensorFlow."""
    if "tensorflow" not in sys.modules:
        return None
    try:
        from tensorflow.python.util import _pywrap_util_port
    except ImportError:
        return None
    return bool(_pywrap_util_port.IsMklEnabled())


def frozen_weights_active(environ=None):
    """True when the frozen-weights mode is on in this process's environment."""
    environ = os.environ if environ is None else environ
    return _setting(environ.get(FROZEN_WEIGHTS_VAR)) is True


def assume_frozen_weights():
    """Turn the mode on for this process, if TensorFlow is not imported yet and the user has
    not set the variable; returns whether it is on.

    Only for a process whose convolution filters never change after their first run, as in
    ``nst-course run``. Once TensorFlow is loaded the setting could come too late (or change
    what other code in the process expects), so it is then left alone.
    """
    if FROZEN_WEIGHTS_VAR not in os.environ and "tensorflow" not in sys.modules:
        os.environ[FROZEN_WEIGHTS_VAR] = TRAINING_DEFAULTS[FROZEN_WEIGHTS_VAR]
    return frozen_weights_active()
