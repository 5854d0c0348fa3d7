"""Progress display of the main job: a redrawn bar on a terminal, plain lines otherwise.

On a terminal (``stream.isatty()``) one line is redrawn in place::

    [##########..........]  100/200 iterations  1.07 s/iteration  1:47 left

When the output is a file or a pipe (a log, CI), a plain line is written every ``every``
iterations and at the end instead, so logs stay readable::

    progress: 100/200 iterations, 1.07 s/iteration, 1:47 left

Anything else printed during the run (the course's cost lines) goes through
:meth:`Progress.clear` first, so the bar never shares a line with it.
"""

import sys
import time


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
    tty -- force bar (True) or plain (False) mode; default ``stream.isatty()``
    clock -- a ``time.monotonic``-like function (tests pass a fake one)
    """

    WIDTH = 20  # characters of the bar
    REDRAW = 0.1  # seconds between redraws of the bar

    def __init__(self, total, stream=None, every=20, enabled=True, tty=None, clock=time.monotonic):
        self.total = max(0, int(total))
        self.stream = sys.stdout if stream is None else stream
        self.every = max(1, int(every))
        self.enabled = enabled
        if tty is None:
            isatty = getattr(self.stream, "isatty", None)
            tty = bool(isatty and isatty())
        self.tty = tty
        self.clock = clock
        self.done = 0
        self._start = None  # time of the first update
        self._first_done = 0  # iterations done at that time
        self._bar_shown = False
        self._last_draw = None

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
        """The status without the bar: ``'100/200 iterations  1.07 s/iteration  1:47 left'``."""
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
        if self.enabled and self.tty:
            self._draw()

    def update(self, done):
        """``done`` iterations are now finished."""
        self.done = int(done)
        if self._start is None:
            self._start = self.clock()
            self._first_done = 0
        if not self.enabled:
            return
        if self.tty:
            now = self.clock()
            due = self._last_draw is None or now - self._last_draw >= self.REDRAW
            if due or self.done >= self.total:
                self._draw()
        elif self.done % self.every == 0 or self.done == self.total:
            self._write("progress: " + ", ".join(self.text()) + "\n")

    def clear(self):
        """Remove the bar from the terminal so other text can be printed on a clean line."""
        if self.enabled and self.tty and self._bar_shown:
            self._write("\r\033[K")
            self._bar_shown = False

    def close(self):
        """End the display: on a terminal the bar stays as the last line."""
        if self.enabled and self.tty and self._bar_shown:
            self._write("\n")
            self._bar_shown = False

    # -------------------------------------------------------------- output

    def bar(self):
        filled = self.WIDTH if self.total == 0 else self.WIDTH * self.done // self.total
        return "[" + "#" * filled + "." * (self.WIDTH - filled) + "]"

    def _draw(self):
        self._last_draw = self.clock()
        self._write("\r\033[K" + self.bar() + "  " + "  ".join(self.text()))
        self._bar_shown = True

    def _write(self, text):
        self.stream.write(text)
        self.stream.flush()
