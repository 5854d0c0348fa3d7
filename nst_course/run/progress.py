"""Progress display of the main job, drawn by tqdm (:mod:`nst_course._progress`).

On a terminal a tqdm bar is redrawn in place; inside Jupyter it is ``tqdm.auto``'s widget::

    nst-course run:  50%|##########          | 100/200 [01:47<01:47, 1.07s/it]

When the output is a file or a pipe (a log, CI), a plain line is written every ``every``
iterations and at the end instead, so logs stay readable::

    progress: 100/200 iterations, 1.07 s/iteration, 1:47 left

Anything else printed during the run (the course's cost lines) goes through
:meth:`Progress.clear` first, so the bar never shares a line with it.
"""

import sys
import time

from .. import _progress


def format_duration(seconds):
    """``75.2`` -> ``'1:15'``, ``3725`` -> ``'1:02:05'`` (rounded to whole seconds)."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return "%d:%02d:%02d" % (hours, minutes, secs)
    return "%d:%02d" % (minutes, secs)


class Progress:
    """Iterations done, seconds per iteration and time left, for ``total`` iterations.

    Arguments:
    total -- number of iterations the run will do
    stream -- where to write (default ``sys.stdout``)
    every -- plain mode: write a line every ``every`` iterations (and at the end)
    enabled -- False writes nothing at all (``--quiet``)
    tty -- force bar (True) or plain (False) mode; default: a bar on a terminal or in Jupyter
    clock -- a ``time.monotonic``-like function for the plain lines (tests pass a fake one)
    """

    def __init__(self, total, stream=None, every=20, enabled=True, tty=None, clock=time.monotonic):
        self.total = max(0, int(total))
        self.stream = sys.stdout if stream is None else stream
        self.every = max(1, int(every))
        self.enabled = enabled
        self._tty = tty
        self.clock = clock
        self.done = 0
        self._start = None  # time of the first update
        self._first_done = 0  # iterations done at that time
        self._bar = None  # the tqdm bar, once started (terminal or notebook)

    @property
    def tty(self):
        """True when a bar is drawn (a terminal or a notebook), False for plain lines."""
        if self._tty is not None:
            return self._tty
        return _progress.in_notebook() or _progress.is_terminal(self.stream)

    # -------------------------------------------------------------- numbers

    def seconds_per_iteration(self):
        """Mean time of the iterations since the first update (None until two updates)."""
        if self._start is None or self.done <= self._first_done:
            return None
        return (self.clock() - self._start) / (self.done - self._first_done)

    def seconds_left(self):
        rate = self.seconds_per_iteration()
        return None if rate is None else rate * (self.total - self.done)

    def text(self):
        """The status as parts: ``['100/200 iterations', '1.07 s/iteration', '1:47 left']``."""
        rate = self.seconds_per_iteration()
        parts = ["%d/%d iterations" % (self.done, self.total)]
        if rate is not None:
            parts.append("%.2f s/iteration" % rate)
            if self.done < self.total:
                parts.append("%s left" % format_duration(self.seconds_left()))
            else:
                parts.append("%s in all" % format_duration(self.clock() - self._start))
        return parts

    # -------------------------------------------------------------- updates

    def start(self, done=0):
        """Mark the start of the loop, with ``done`` iterations already done (a resumed run)."""
        self.done = int(done)
        self._start = self.clock()
        self._first_done = self.done
        if self.enabled and self.tty and self._bar is None:
            self._bar = _progress.bar(
                self.total,
                self.stream,
                tty=True,
                initial=self.done,
                desc="nst-course run",
                unit="it",
            )

    def update(self, done):
        """``done`` iterations are now finished."""
        done = int(done)
        if self._start is None:
            self._start = self.clock()
            self._first_done = 0
        if self._bar is not None:
            self._bar.update(done - self.done)
        self.done = done
        if not self.enabled or self.tty:
            return
        if self.done % self.every == 0 or self.done == self.total:
            self.stream.write("progress: " + ", ".join(self.text()) + "\n")
            self.stream.flush()

    def clear(self):
        """Remove the bar from the terminal so other text can be printed on a clean line
        (tqdm redraws it at its next update)."""
        if self._bar is not None and not _progress.in_notebook():
            self._bar.clear()

    def close(self):
        """End the display: the bar stays as the last line."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
