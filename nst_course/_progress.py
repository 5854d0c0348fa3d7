"""Progress bars for every part of the package, drawn by tqdm.

One rule everywhere (the main job's iterations, a download's bytes, a batch's jobs, a
figure's panels, a class's submissions): inside a Jupyter kernel, ``tqdm.auto``'s widget; on a
terminal, a tqdm bar redrawn in place; in a log or a pipe (CI), no bar at all but plain lines,
so logs stay readable. :class:`Reporter` is that rule for anything counted in steps;
:func:`bar` the tqdm bar itself. Plumbing, like ``_tf``: it imports nothing of the package.
"""

import shutil
import sys
from typing import Any

from tqdm import tqdm


def in_notebook() -> bool:
    """True inside a Jupyter (ZMQ) kernel, where ``tqdm.auto`` draws a widget."""
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return type(shell).__name__ == "ZMQInteractiveShell"


def is_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed file
        return False


def bar(total: int, stream: Any = None, tty: bool | None = None, **options: Any) -> Any:
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

    # a terminal that reports no size (0x0, e.g. a bare pty) gets 80x24: tqdm draws nothing
    # on a screen of 0 rows
    size = shutil.get_terminal_size((80, 24))
    options.setdefault("ncols", min(size.columns or 80, 100))
    options.setdefault("nrows", size.lines or 24)
    return tqdm(total=total, file=stream, mininterval=0.1, **options)


class Reporter:
    """Progress over ``total`` steps (jobs, panels, submissions): one reporter for the package.

    ``with Reporter(total, "panels") as progress: ... progress.advance(1, "content-conv1_2")``.
    On a terminal (or in Jupyter) a tqdm bar with ``label``, the postfix beside it; in a log or
    a pipe a plain line per :meth:`advance`, made from ``line`` (``{label}``, ``{done}``,
    ``{total}``, ``{postfix}``), so logs stay readable. ``enabled=False`` shows nothing.
    ``initial`` steps are done already (e.g. reused from an earlier run).
    """

    def __init__(
        self,
        total: int,
        label: str,
        *,
        stream: Any = None,
        enabled: bool = True,
        initial: int = 0,
        unit: str = "it",
        line: str = "{label} {done}/{total}: {postfix}",
    ) -> None:
        self.stream = sys.stdout if stream is None else stream
        self.total, self.label, self.done = int(total), label, int(initial)
        self.enabled, self.line = enabled, line
        self.bar = (
            bar(total, self.stream, initial=initial, desc=label, unit=unit) if enabled else None
        )

    def __enter__(self) -> "Reporter":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def plain(self) -> bool:
        """True when lines are written (no bar can be drawn here)."""
        return self.enabled and self.bar is None

    def advance(self, n: int = 1, postfix: str = "") -> None:
        """``n`` more steps are done; ``postfix`` says what (beside the bar, or in the line)."""
        self.done += n
        if self.bar is not None:
            if postfix:
                self.bar.set_postfix_str(postfix, refresh=False)
            self.bar.update(n)
        elif self.enabled:
            self.write(
                self.line.format(
                    label=self.label, done=self.done, total=self.total, postfix=postfix
                )
            )

    def note(self, text: str) -> None:
        """A line for a log only (a bar shows the same by itself, e.g. the steps reused)."""
        if self.plain:
            self.write(text)

    def write(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar (it stays as the last line)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
