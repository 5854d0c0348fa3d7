"""Progress bars for every part of the package, drawn by tqdm.

One rule everywhere (the main job's iterations, a download's bytes, a batch's jobs, a class's
submissions): inside a Jupyter kernel, ``tqdm.auto``'s widget; on a terminal, a tqdm bar
redrawn in place; in a log or a pipe (CI), no bar at all: the caller writes plain lines of its
own, so logs stay readable. Plumbing, like ``_tf``: it imports nothing of the package.
"""

import sys


def in_notebook():
    """True inside a Jupyter (ZMQ) kernel, where ``tqdm.auto`` draws a widget."""
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return type(shell).__name__ == "ZMQInteractiveShell"


def is_terminal(stream):
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed file
        return False


def bar(total, stream=None, tty=None, **options):
    """A tqdm bar for ``total`` steps, or None where plain lines belong (not a terminal, not
    a notebook). ``tty`` forces the terminal decision; ``options`` go to tqdm (``unit``,
    ``initial``, ``desc``, ``bar_format``...)."""
    stream = sys.stdout if stream is None else stream
    if in_notebook():
        try:
            from tqdm.auto import tqdm as auto

            return auto(total=total, **options)
        except ImportError:  # ipywidgets missing: tqdm.notebook cannot draw; plain lines then
            return None
    if not (is_terminal(stream) if tty is None else tty):
        return None
    import shutil

    from tqdm import tqdm

    # a terminal that reports no size (0x0, e.g. a bare pty) gets 80x24: tqdm draws nothing
    # on a screen of 0 rows
    size = shutil.get_terminal_size((80, 24))
    options.setdefault("ncols", min(size.columns or 80, 100))
    options.setdefault("nrows", size.lines or 24)
    return tqdm(total=total, file=stream, mininterval=0.1, **options)
