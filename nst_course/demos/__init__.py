"""Teaching demos: the paper's figures (``nst-course figure``) and the live view of a run in
Jupyter.

Public names: :func:`run_live` (:mod:`.live`); :func:`layers_figure`, :func:`tradeoff_figure`,
:class:`Settings` (:mod:`.figures`) and :func:`render` (:mod:`.rendering`); :func:`explore` (:mod:`.explorer`, the
notebook's alpha/beta/depth sliders). Importing this package does not import TensorFlow.

May import the course's modules, :mod:`nst_course.weights`, :mod:`nst_course.run` and
:mod:`nst_course.batch`; never the command line.
"""

from .figures import Settings, layers_figure, tradeoff_figure
from .live import run_live
from .rendering import render

__all__ = ["Settings", "explore", "layers_figure", "render", "run_live", "tradeoff_figure"]


def explore(*args, **kwargs):
    """The alpha/beta/depth explorer of the demos notebook (:func:`.explorer.explore`)."""
    from .explorer import explore as _explore

    return _explore(*args, **kwargs)
