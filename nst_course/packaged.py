"""The files that ship with the package: the demo images and the notebooks.

The repository keeps one copy of each, in its top-level ``images/`` and ``notebooks/``
folders; ``setup.py`` maps those folders into the wheel as ``nst_course/share/images`` and
``nst_course/share/notebooks`` (package data). So an installed package finds them beside its
own code, and a clone (or an editable install) finds them at the top of the repository.

``nst-course run`` with no ``--content``/``--style`` reads ``images/tubingen.jpg`` and
``images/monet.jpg`` relative to the working directory, as the course did; when those are not
there (an empty directory, a wheel installed anywhere), :func:`demo_fallback` gives the shipped
demo image of the same name instead.
"""

from __future__ import annotations

import os

_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_REPOSITORY = os.path.dirname(_PACKAGE)

#: The notebooks ``nst-course notebooks DIR`` writes: file name in DIR -> path under notebooks/.
NOTEBOOKS = {
    "Art_Generation_with_Neural_Style_Transfer.ipynb": (
        "student/Art_Generation_with_Neural_Style_Transfer.ipynb"
    ),
    "Art_Generation_with_Neural_Style_Transfer_solved.ipynb": (
        "Art_Generation_with_Neural_Style_Transfer.ipynb"
    ),
    "Demos.ipynb": "Demos.ipynb",
}


def _shipped(folder: str, probe: str) -> str | None:
    """``nst_course/share/<folder>`` in an installed package, else ``<folder>/`` at the top of
    the repository (a clone or an editable install), whichever holds ``probe``."""
    for candidate in (os.path.join(_PACKAGE, "share", folder), os.path.join(_REPOSITORY, folder)):
        if os.path.isfile(os.path.join(candidate, probe)):
            return candidate
    return None


def images_dir() -> str | None:
    """The folder of the demo images (``tubingen.jpg``, ``monet.jpg``, ... and their
    ``SOURCES.md``), or None when the package was installed without them."""
    return _shipped("images", "tubingen.jpg")


def notebooks_dir() -> str | None:
    """The folder of the notebooks (the solved walk-through, ``Demos.ipynb`` and
    ``student/``), or None when the package was installed without them."""
    return _shipped("notebooks", "Demos.ipynb")


def demo_fallback(path: str) -> str:
    """``path`` itself when it exists; else, for ``images/NAME`` (the course's relative form,
    the command line's defaults), the shipped demo image NAME when there is one; else
    ``path`` unchanged (the caller reports it missing)."""
    if os.path.lexists(path):
        return path
    head, name = os.path.split(os.path.normpath(path))
    if head != "images" or not name:
        return path
    folder = images_dir()
    shipped = os.path.join(folder, name) if folder else None
    return shipped if shipped and os.path.isfile(shipped) else path
