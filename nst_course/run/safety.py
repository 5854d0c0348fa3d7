"""Nothing lost: Ctrl-C and SIGTERM during a run, and a cost that stops being a number.

* :func:`install_signal_handlers` makes SIGINT (Ctrl-C) and SIGTERM raise :class:`Interrupted`
  (a ``KeyboardInterrupt``) in the main thread; the command line does this first thing and
  exits with ``128 + signal`` (130 for SIGINT, 143 for SIGTERM) and one line saying what was
  saved where.
* :class:`StepWatch` runs one optimisation step at a time and checks the cost: when it becomes
  NaN or Inf the run stops, the last image with a finite cost is saved as the run's
  ``generated_image.jpg``, and :class:`~nst_course.errors.CostNotFiniteError` says so. It also
  holds signals during an iteration (:func:`deferred_signals`): Ctrl-C takes effect between
  two iterations, never in the middle of a step, a cost line or a save; a second signal while
  one is held stops at once.
* :func:`save_on_interrupt` wraps the optimisation (inside the TensorFlow session): on an
  interruption it saves the current image as ``<output-dir>/interrupted.png`` and, when
  checkpoints are on, the resumable state, then re-raises with that news in the message.
  Every file is written atomically, so even a forced stop leaves no half-written file.

The watch of the run in progress is kept in this module (one run per process, as the command
line does) so that an interruption can say after how many iterations it came.
"""

import contextlib
import math
import os
import signal

import numpy as np

from ..errors import CostNotFiniteError
from ..images import save_image

#: The file an interrupted run leaves its current image in (inside the output directory).
INTERRUPTED_NAME = "interrupted.png"
#: The file the last finite image goes to when the cost becomes NaN/Inf (the run's result name).
RESULT_NAME = "generated_image.jpg"

_HANDLED = (signal.SIGINT, signal.SIGTERM)
_deferring = 0
_pending: list[int] = []
_watch = None


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived. ``exit_status`` is 128 + the signal number."""

    def __init__(self, signum=signal.SIGINT, message=None):
        super().__init__(message or "")
        self.signum = int(signum)
        self.exit_status = 128 + self.signum
        self.message = message

    @property
    def signal_name(self):
        try:
            return signal.Signals(self.signum).name
        except ValueError:
            return "signal %d" % self.signum

    def describe(self):
        """One line for the user: what stopped the run and what was kept."""
        return self.message or "interrupted by %s" % self.signal_name


def _handler(signum, frame):
    if _deferring and not _pending:
        _pending.append(signum)  # raised when the deferring block ends
        return
    raise Interrupted(signum)  # not deferring, or a second signal: stop now


def install_signal_handlers():
    """Make SIGINT and SIGTERM raise :class:`Interrupted`; returns the previous handlers."""
    global _deferring
    _deferring = 0
    del _pending[:]
    previous = {}
    for signum in _HANDLED:
        try:
            previous[signum] = signal.signal(signum, _handler)
        except (ValueError, OSError):  # not the main thread, or not allowed here
            pass
    return previous


def restore_signal_handlers(previous):
    """Put back what :func:`install_signal_handlers` returned."""
    for signum, handler in previous.items():
        try:
            signal.signal(signum, handler)
        except (ValueError, OSError, TypeError):
            pass


def _hold():
    global _deferring
    _deferring += 1


def _release(drop=False):
    """End one :func:`_hold`; at the outermost, raise the signal that came meanwhile."""
    global _deferring
    _deferring = max(0, _deferring - 1)
    if not _deferring and _pending:
        signum = _pending[0]
        del _pending[:]
        if not drop:
            raise Interrupted(signum)


@contextlib.contextmanager
def deferred_signals(drop=False):
    """Hold SIGINT/SIGTERM while the block runs; raise the first one that came at its end.

    A second signal during the block stops it at once (a way out of anything that hangs).
    ``drop=True`` forgets a held signal instead (for blocks that end the run anyway).
    """
    _hold()
    try:
        yield
    except BaseException:
        _release(drop=True)
        raise
    _release(drop=drop)


def _finite(value):
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _forward_read(tensor, variable):
    """The read of ``variable`` that the forward pass to ``tensor`` uses, or None.

    Fetching it in the same ``sess.run`` as the training step gives the image the step's
    cost belongs to (the gradient depends on that read, so it happens before the update).
    """
    handle = getattr(variable, "handle", None)
    if handle is None:
        return None
    seen, todo = set(), [tensor.op]
    while todo:
        op = todo.pop()
        if op.name in seen:
            continue
        seen.add(op.name)
        if op.type == "ReadVariableOp" and op.inputs and op.inputs[0] is handle:
            return op.outputs[0]
        todo.extend(inp.op for inp in op.inputs)
    return None


class StepWatch:
    """Run the training step of the main job, one iteration at a time, watching the cost.

    ``step(i)`` runs ``graph.train_step`` and fetches, in the same run, the costs (total,
    content, style) and the image they belong to: the image *before* the update, i.e. after
    iteration i - 1 (no extra forward pass); ``before`` keeps them. A finite cost makes that
    image the "last finite image"; a NaN or Inf cost saves it as
    ``<output-dir>/generated_image.jpg`` and raises :class:`~nst_course.errors.CostNotFiniteError`.

    Signals are held from one ``step`` to the next, so Ctrl-C or SIGTERM takes effect between
    two iterations (never inside a step, a cost line or a save) and ``done`` is exactly the
    number of iterations whose work is complete: the image and state saved on an interruption
    belong together. A second signal stops at once.
    """

    def __init__(self, opts, sess, graph):
        global _watch
        self.opts = opts
        self.sess = sess
        self.graph = graph
        self.done = None  # iterations completed (set by the first step)
        self.last_finite = None  # (iteration, image (1, H, W, 3)) with a finite cost
        self.image_read = None
        self.before = None  # (total, content, style, image) before the last step's update
        if not callable(getattr(graph.train_step, "step", None)) and hasattr(graph.J, "op"):
            self.image_read = _forward_read(graph.J, graph.model["input"])
        self._holding = False
        _watch = self

    def step(self, i, run=None):
        """Run iteration ``i`` (``run()`` instead of ``train_step`` if given, e.g. L-BFGS).

        Returns the total cost of the image before the update (None with ``run``).
        """
        self.release()  # a signal that came during iteration i - 1 stops the run here
        if self.done is None:
            self.done = i
        _hold()
        self._holding = True
        if run is not None:
            run()
            self.done = i + 1
            return None
        fetch = [self.graph.train_step, self.graph.J, self.graph.J_content, self.graph.J_style]
        if self.image_read is not None:
            _, cost, content, style, image = self.sess.run(fetch + [self.image_read])
        else:
            image = self.sess.run(self.graph.model["input"])
            _, cost, content, style = self.sess.run(fetch)
        self.before = (cost, content, style, image)
        if not _finite(cost):
            self.stop(i, cost)
        if np.all(np.isfinite(image)):
            self.last_finite = (i, image)
        self.done = i + 1
        return cost

    def release(self, drop=False):
        """Stop holding signals (raising one that came meanwhile, unless ``drop``)."""
        if self._holding:
            self._holding = False
            _release(drop=drop)

    def stop(self, i, cost):
        """The cost at iteration ``i`` is not finite: keep the last finite image, then raise."""
        what = "NaN" if cost != cost else "infinite"
        advice = "try a smaller --learning-rate, smaller --alpha/--beta, or other weights"
        if self.last_finite is None:
            raise CostNotFiniteError(
                "the cost is %s at iteration %d, before any finite value; %s; nothing was "
                "saved" % (what, i, advice)
            )
        last_i, image = self.last_finite
        path = os.path.join(self.opts.output_dir, RESULT_NAME)
        save_image(path, image)
        raise CostNotFiniteError(
            "the cost became %s at iteration %d; stopped and kept the last finite image "
            "(iteration %d) as %s; %s" % (what, i, last_i, path, advice)
        )


def _save_current_image(opts, sess, graph):
    """Save the image in the graph now (or the last finite one) as interrupted.png."""
    watch = _watch
    image = None
    try:
        image = sess.run(graph.model["input"])
    except Exception:  # noqa: BLE001 - e.g. not initialised yet
        image = None
    if image is None or not np.all(np.isfinite(image)):
        image = watch.last_finite[1] if watch is not None and watch.last_finite else None
    if image is None:
        return None
    return save_image(os.path.join(opts.output_dir, INTERRUPTED_NAME), image)


@contextlib.contextmanager
def save_on_interrupt(opts, sess, graph, save_state=None, on_error=None, keep=True):
    """On SIGINT/SIGTERM in the block: save the current image (and state), then re-raise.

    ``save_state`` -- None, or a callable ``save_state(watch)`` that writes the resumable state
    (when checkpoints are on) and returns the directory to ``--resume`` from (or None).
    ``on_error`` -- None, or a callable run first when anything (an interruption, an error)
    leaves the block, e.g. ending a progress bar so the message gets a line of its own.
    ``keep`` -- False saves nothing (an in-memory run: a figure panel, the live view).
    The re-raised :class:`Interrupted` carries a one-line message naming what was saved where.
    A signal held by the :class:`StepWatch` when the block ends is handled the same way.
    """
    global _watch
    _watch = None
    try:
        try:
            yield
            if _watch is not None:
                _watch.release()  # a signal after the last iteration
        finally:
            if _watch is not None:
                _watch.release(drop=True)
    except BaseException as exc:
        with deferred_signals(drop=True):
            if on_error is not None:
                try:
                    on_error()
                except Exception:  # noqa: BLE001 - never hide the real problem
                    pass
            if not isinstance(exc, KeyboardInterrupt):
                raise
            signum = getattr(exc, "signum", signal.SIGINT)
            message = _interrupted_message(opts, sess, graph, signum, save_state, keep)
        raise Interrupted(signum, message) from None


def _interrupted_message(opts, sess, graph, signum, save_state, keep=True):
    """Save what an interrupted run has (image, state) and say so in one line."""
    name = Interrupted(signum).signal_name
    watch = _watch
    done = watch.done if watch is not None and watch.done is not None else 0
    started = watch is not None and watch.done is not None
    where = "after %d of %d iterations" % (done, opts.iterations)
    if not keep:
        return "interrupted by %s %s" % (name, where)
    saved = _save_current_image(opts, sess, graph) if started else None
    state = None
    if save_state is not None and started:
        try:
            state = save_state(watch)
        except Exception as state_exc:  # noqa: BLE001 - the image is saved anyway
            from ..errors import describe

            state = "not saved (%s)" % describe(state_exc)
    if saved is None:
        message = "interrupted by %s %s; nothing was saved" % (name, where)
    else:
        message = "interrupted by %s %s; the current image is saved as %s" % (name, where, saved)
    if state:
        if state.startswith("not saved"):
            message += "; the run's state was %s" % state
        else:
            message += "; continue with --resume %s" % state
    return message
