"""Writing files so that a reader never sees half of one: :func:`atomic_write` and two
shorthands for text and bytes.

Plumbing, like ``_tf``: it imports nothing of the package, so every part (the course's image
helpers, the weights cache, the main job's reports, the batch's results) may use it.
"""

import os
import tempfile
from collections.abc import Callable


def _umask() -> int:
    """The process's file-creation mask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, write: Callable[[str], object]) -> str:
    """Call ``write(tmp_path)`` and then move ``tmp_path`` onto ``path`` in one rename.

    The temporary file sits in the target's directory (created if missing) and keeps the
    target's extension, so format detection by name still works. A crash or an exception
    in ``write`` leaves ``path`` as it was and no temporary file behind. Returns ``path``.
    """
    path = os.fspath(path)
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    base, ext = os.path.splitext(os.path.basename(path))
    fd, tmp = tempfile.mkstemp(prefix="." + base + ".", suffix=".tmp" + ext, dir=directory)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 -> what open() would have given
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def write_text(path: str | os.PathLike, text: str) -> str:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns ``path``."""

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)

    return atomic_write(path, write)


def write_bytes(path: str | os.PathLike, data: bytes) -> str:
    """Write ``data`` to ``path`` atomically; returns ``path``."""

    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            fh.write(data)

    return atomic_write(path, write)
