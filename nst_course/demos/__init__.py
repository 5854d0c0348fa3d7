"""Teaching demos: the paper's figures (``nst-course figure``) and the live view of a run in
Jupyter.

Public names: :func:`run_live` (:mod:`.live`); :func:`layers_figure`, :func:`tradeoff_figure`,
:class:`Settings` and :func:`render` (:mod:`.figures`); :func:`explore` (:mod:`.explorer`, the
notebook's alpha/beta/depth sliders). Importing this package does not import TensorFlow.

May import the course's modules, :mod:`nst_course.weights`, :mod:`nst_course.run` and
:mod:`nst_course.batch`; never the command line.
"""

from .figures import Settings, layers_figure, render, tradeoff_figure  # noqa: F401
from .live import run_live  # noqa: F401


def explore(*args, **kwargs):
    """The alpha/beta/depth explorer of the demos notebook (:func:`.explorer.explore`)."""
    from .explorer import explore as _explore

    return _explore(*args, **kwargs)
