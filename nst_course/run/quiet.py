"""Keeping TensorFlow's start-up chatter from the user (the command line and the notebook).

Importing TensorFlow writes, from C++, lines such as::

    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 ... port.cc:153] oneDNN custom operations are on. ...
    I0000 ... cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.

``TF_CPP_MIN_LOG_LEVEL`` silences TensorFlow's C++ logs once its logging has started, but not
these, which come before: :func:`import_tensorflow_quietly` therefore imports TensorFlow with
file descriptor 2 pointed at a temporary file, which is shown only if the import fails. It
also turns off TensorFlow's Python-side deprecation messages.
"""

import importlib
import os
import sys
import tempfile
import warnings


def import_with_stderr_captured(module):
    """Import ``module`` with fd 2 (C/C++ stderr and Python's) going to a temporary file.

    What was written is dropped if the import succeeds and written to stderr if it fails.
    Where fd 2 cannot be redirected the module is imported plainly. Returns the module.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        return importlib.import_module(module)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            return importlib.import_module(module)
        except BaseException as exc:
            os.dup2(saved, 2)
            if not isinstance(exc, KeyboardInterrupt):  # Ctrl-C/SIGTERM: no chatter, just stop
                captured.seek(0)
                sys.stderr.write(captured.read().decode("utf-8", "replace"))
                sys.stderr.flush()
            raise
        finally:
            try:
                sys.stderr.flush()
            except (OSError, ValueError):
                pass
            os.dup2(saved, 2)
            os.close(saved)


def import_tensorflow_quietly():
    """Import TensorFlow (in the package's graph mode) without its start-up chatter.

    Sets ``TF_CPP_MIN_LOG_LEVEL=3`` unless it is set already, imports ``nst_course._tf`` with
    stderr captured (a no-op if TensorFlow is already imported), and turns TensorFlow's
    Python deprecation messages off. Returns the ``tensorflow`` module.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" not in sys.modules:
        import_with_stderr_captured("nst_course._tf")
    else:
        importlib.import_module("nst_course._tf")
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    try:
        from tensorflow.python.util import deprecation

        deprecation._PRINT_DEPRECATION_WARNINGS = False
    except ImportError:  # pragma: no cover - an internal module that may move
        pass
    warnings.filterwarnings(
        "ignore", category=DeprecationWarning, module=r"(tensorflow|keras|absl)"
    )
    return tf
