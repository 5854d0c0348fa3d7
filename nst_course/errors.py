"""Errors meant for the person running the code: each message is one line that names the
file or value and says what to do. The command line prints them without a traceback.

:func:`describe` turns *any* exception (ours, the operating system's, TensorFlow's) into such
a line, so that ``nst-course`` never shows a traceback unless asked to with ``--debug``.
"""

import errno
import os
import re


class NSTError(Exception):
    """A problem with the user's input (file, image, option, weights): message is one line."""

    #: The command line's exit status for this error.
    exit_status = 1


class WeightsError(NSTError, ValueError):
    """The VGG weights are missing, unreadable or not what the network needs."""


class ImageError(NSTError, ValueError):
    """An input image is missing, unreadable or unusable."""


class OptionError(NSTError, ValueError):
    """An option value that cannot work (a usage error: exit status 2)."""

    exit_status = 2


class OutputError(NSTError):
    """The output directory cannot be used (a file is in the way, it is not writable, ...)."""


class CostNotFiniteError(NSTError):
    """The cost became NaN or Inf; the last finite image was kept (see the message)."""


def _first_line(text):
    text = str(text).strip()
    return text.splitlines()[0].strip() if text else ""


#: The temporary names of :func:`nst_course.files.atomic_write`: ``.<base>.<random>.tmp<ext>``.
_TEMPORARY = re.compile(r"^\.(?P<base>.+)\.[^.]+\.tmp(?P<ext>\.[^.]*)?$")


def _user_path(name):
    """The file the user knows: a temporary file of an atomic write becomes its target."""
    if name is None:
        return None
    name = os.fsdecode(name) if isinstance(name, bytes) else str(name)
    directory, base = os.path.split(name)
    match = _TEMPORARY.match(base)
    if match:
        return os.path.join(directory, match.group("base") + (match.group("ext") or ""))
    return name


def _os_error(exc):
    """A line for an OSError: what happened to which file, and what to do."""
    # For a rename (os.replace) the second name is the destination: the file that matters.
    name = _user_path(getattr(exc, "filename2", None) or exc.filename)
    of = (": %s" % name) if name is not None else ""
    if isinstance(exc, FileNotFoundError):
        return "file or directory not found%s; check the path" % of
    if isinstance(exc, PermissionError):
        return "permission denied%s; check the file's permissions or choose another path" % of
    if isinstance(exc, IsADirectoryError):
        return "%s is a directory, not a file; give a file's path" % (name or "the path")
    if isinstance(exc, NotADirectoryError):
        return "a part of the path is a file, not a directory%s; choose another path" % of
    if exc.errno == errno.ENOSPC:
        return "no space left on the device%s; free some space or choose another --output-dir" % (
            " writing %s" % name if name is not None else ""
        )
    if exc.errno == errno.EROFS:
        return "read-only file system%s; choose another --output-dir" % of
    reason = exc.strerror or _first_line(exc) or type(exc).__name__
    return "%s%s; check the path and try again" % (reason, of)


def _tensorflow_error(exc):
    """A line for a TensorFlow error, or None if ``exc`` is not one (TF is not imported here)."""
    module = type(exc).__module__ or ""
    if not module.startswith("tensorflow"):
        return None
    name = type(exc).__name__
    message = _first_line(getattr(exc, "message", None) or exc)
    if name == "ResourceExhaustedError":
        return (
            "out of memory in TensorFlow (%s); try a smaller --width/--height or fewer "
            "style images" % message
        )
    return "TensorFlow failed (%s: %s); run again with --debug for details" % (name, message)


def describe(exc):
    """One line, without the program name, that explains ``exc`` to the user."""
    if isinstance(exc, NSTError):
        return _first_line(exc) or type(exc).__name__
    if isinstance(exc, MemoryError):
        return "out of memory; try a smaller --width/--height, or smaller input images"
    tf_line = _tensorflow_error(exc)
    if tf_line is not None:
        return tf_line
    if isinstance(exc, OSError):
        return _os_error(exc)
    return "unexpected error (%s: %s); run again with --debug to see where, and report it" % (
        type(exc).__name__,
        _first_line(exc),
    )


def exit_status(exc):
    """The command line's exit status for ``exc``: 2 for usage errors, 1 otherwise."""
    return getattr(exc, "exit_status", 1) if isinstance(exc, NSTError) else 1
