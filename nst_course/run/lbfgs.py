"""L-BFGS (``--optimizer lbfgs`` and ``lbfgs-carry``), the optimiser of Gatys et al., on the
course's graph.

SciPy's ``minimize(method="L-BFGS-B")`` minimises J(G) over the flattened image
x = vec(G), G of shape (1, n_H, n_W, 3). Each evaluation assigns x to ``model['input']`` and
then one ``session.run`` returns both J and dJ/dG (``tf.gradients`` of the same J the course
builds). The bounds keep every normalised pixel in the valid range::

    -MEANS_c <= G[0, i, j, c] <= 255 - MEANS_c        (c = R, G, B)

so that adding the means back gives a pixel in [0, 255] with nothing to clip.

The stage's loop (:func:`nst_course.run.stage.train_stage`) calls :meth:`LBFGSStepper.step`
once per iteration, exactly where it runs Adam's ``train_step``, so printing, saving and
costs.csv behave the same for both: SciPy runs in a worker thread that pauses in its
per-iteration callback until the loop asks for the next iteration. One iteration may evaluate
J several times (line search). L-BFGS keeps its curvature memory (``maxcor`` pairs) inside
SciPy; a resumed run starts a fresh memory.

``--optimizer lbfgs-carry`` (:class:`CarriedStepper`) is an L-BFGS of our own in the main
thread: its step scaling (:class:`LBFGSState`) is handed from one stage of a coarse-to-fine
run to the next (``runner._train``), so the first full-size line search starts near a good
step, and ``--stop-below`` ends a stage once the cost stops falling.
"""

import dataclasses
import threading
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from .._tf import tf
from ..config import CONFIG

tf1 = tf.compat.v1

#: Number of (s, y) pairs L-BFGS remembers (SciPy's default).
MAXCOR = 10


def pixel_limits(shape):
    """(lower, upper): the bounds above for a normalised image of ``shape`` (1, n_H, n_W, 3),
    flattened, float64."""
    lower = np.broadcast_to(-CONFIG.MEANS, shape).astype(np.float64).ravel()
    upper = np.broadcast_to(255.0 - CONFIG.MEANS, shape).astype(np.float64).ravel()
    return lower, upper


def pixel_bounds(shape):
    """``scipy.optimize.Bounds`` of :func:`pixel_limits` (SciPy's L-BFGS-B)."""
    from scipy.optimize import Bounds

    return Bounds(*pixel_limits(shape))


class LBFGS:
    """The graph part of L-BFGS: dJ/dG and an op that writes an image into the variable.

    Build it (in ``build``) before the session runs the loop; it adds nothing per evaluation.
    ``carried`` (``--optimizer lbfgs-carry``): :meth:`stepper` makes a :class:`CarriedStepper`
    instead of SciPy's L-BFGS-B, which starts from the step scaling a coarser stage handed on
    (its ``carry``) and ends early when an iteration lowers J by less than ``stop`` times J
    (``--stop-below``). ``rough``: the graph computes in bfloat16 (``--precision``), said when
    a line search fails.
    """

    def __init__(
        self,
        J,
        variable,
        carried: bool = False,
        stop: float = 0.0,
        rough: bool = False,
        parts: tuple = (),
    ) -> None:
        self.carried = bool(carried)
        self.rough = bool(rough)  # J and dJ/dG computed in bfloat16 (--precision)
        self.stop = float(stop or 0.0)
        self.J = J
        self.variable = variable
        self.shape = tuple(variable.get_shape().as_list())
        (self.gradient,) = tf.gradients(J, [variable])
        self.value = tf1.placeholder(tf.float32, self.shape, name="lbfgs_image")
        self.assign = variable.assign(self.value)
        # Read in the same run as J: the cost lines then need no forward pass of their own
        # (a fetch list of its own would also cost a second executor: 0.1-0.15 s a stage).
        self.parts = tuple(parts)
        self.evaluated: tuple | None = None  # (image (1, n_H, n_W, 3), (J, *parts)) of the last

    def set_image(self, sess, x):
        """Write the flat or (1, n_H, n_W, 3) image ``x`` into the variable; returns it as
        written, (1, n_H, n_W, 3) float32."""
        image = np.reshape(x, self.shape).astype(np.float32)
        sess.run(self.assign, {self.value: image})
        return image

    def loss_and_gradient(self, sess, x):
        """J(x) and dJ/dx (float64, flat) at the flat image ``x``: one run for both (and for
        ``parts``, kept with the image for :meth:`costs_of`)."""
        image = self.set_image(sess, x)
        J, grad, *parts = sess.run([self.J, self.gradient, *self.parts])
        self.evaluated = (image, tuple(float(v) for v in (J, *parts)))
        return float(J), np.asarray(grad, dtype=np.float64).ravel()

    def costs_of(self, image):
        """(J, *parts) of ``image`` (1, n_H, n_W, 3) from the last evaluation, if that
        evaluation was of exactly this image; else None (the caller runs a forward pass)."""
        if self.evaluated is None or not np.array_equal(self.evaluated[0], image):
            return None
        return self.evaluated[1]

    def stepper(
        self,
        sess: Any,
        max_iterations: int,
        say: Callable[[str], None] | None = None,
        carry: "LBFGSState | None" = None,
    ) -> "Stepper":
        """An :class:`LBFGSStepper` (or, ``carried``, a :class:`CarriedStepper`) starting
        from the variable's current value. ``carry``: the :class:`LBFGSState` the stage
        before handed on (moved to this size by :func:`carry_state`; SciPy's ignores it)."""
        if not self.carried:
            return LBFGSStepper(self, sess, max_iterations, say=say)
        height, width = self.shape[1:3]
        return CarriedStepper(
            self,
            sess,
            max_iterations,
            say=say,
            carry=carry_state(carry, height, width),
            stop=self.stop,
        )


class Stepper(Protocol):
    """What the stage's loop (:func:`nst_course.run.stage.train_stage`) needs of an L-BFGS
    stepper: one iteration per :meth:`step`; :attr:`stopped` once it ended the stage early
    (``--stop-below``); :meth:`state` what it hands to the next stage."""

    stopped: bool

    def step(self) -> bool: ...

    def state(self) -> "LBFGSState | None": ...

    def close(self) -> None: ...


class LBFGSStepper:
    """One L-BFGS iteration per :meth:`step`; the variable holds the iterate after each.

    If L-BFGS stops on its own before ``max_iterations`` (converged, or the line search found
    no lower cost), later steps leave the image as it is and ``message`` says why; the stage
    still runs its iterations (:attr:`stopped` stays False, as before ``--stop-below``).
    """

    stopped = False  # a :class:`Stepper`: never ends a stage early

    def __init__(self, lbfgs, sess, max_iterations, say=None):
        self.lbfgs = lbfgs
        # loaded here, before the stage puts BLAS on one thread (nst_course.run.blas): SciPy
        # brings a BLAS of its own
        import scipy.optimize  # noqa: F401

        self.sess = sess
        self.max_iterations = int(max_iterations)
        self.say = say
        self.iterations = 0
        self.finished = False
        self.message = None
        self.result = None
        self._error = None
        self._stop = False
        self._thread = None
        self._go = threading.Event()
        self._done = threading.Event()

    # -- main thread
    def step(self):
        """Run one iteration; False once L-BFGS has stopped (the image then stays put)."""
        if self.finished:
            return False
        if self._thread is None:
            x0 = np.asarray(self.sess.run(self.lbfgs.variable), dtype=np.float64).ravel()
            self._thread = threading.Thread(
                target=self._work, args=(x0,), daemon=True, name="nst-lbfgs"
            )
            self._thread.start()
        else:
            self._go.set()
        self._done.wait()
        self._done.clear()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        if self.finished and self.say is not None:
            self.say("L-BFGS stopped after %d iterations: %s" % (self.iterations, self.message))
        return not self.finished

    def state(self) -> "LBFGSState | None":
        """Nothing to hand on: SciPy keeps its curvature memory to itself."""
        return None

    def close(self):
        """Stop the worker thread (call after the last step)."""
        if self._thread is not None and not self.finished:
            self._stop = True
            self._go.set()
            self._thread.join()

    # -- worker thread
    def _callback(self, intermediate_result):
        # SciPy >= 1.11 passes an OptimizeResult (and honours StopIteration); older ones x_k.
        self.lbfgs.set_image(self.sess, getattr(intermediate_result, "x", intermediate_result))
        self.iterations += 1
        self._done.set()
        self._go.wait()
        self._go.clear()
        if self._stop:
            raise StopIteration

    def _work(self, x0):
        from scipy.optimize import minimize

        try:
            self.result = minimize(
                lambda x: self.lbfgs.loss_and_gradient(self.sess, x),
                x0,
                jac=True,
                method="L-BFGS-B",
                bounds=pixel_bounds(self.lbfgs.shape),
                callback=self._callback,
                options={
                    "maxiter": self.max_iterations + 1,
                    "maxcor": MAXCOR,
                    "maxfun": max(15000, 50 * self.max_iterations),
                    "ftol": 0.0,
                    "gtol": 0.0,
                },
            )
            self.message = str(self.result.message)
            if not self._stop:  # stopped on its own: leave L-BFGS's answer in the variable
                self.lbfgs.set_image(self.sess, self.result.x)
        except BaseException as exc:  # handed to the main thread by step()
            self._error = exc
        finally:
            self.finished = True
            self._done.set()


# --------------------------------------------------------------------------- carried L-BFGS

#: Armijo's sufficient-decrease constant of the backtracking line search.
ARMIJO = 1e-4

#: The carried step scaling is multiplied by (N_new / N_old) ** SIZE_POWER, N a scale's pixel
#: count. Theory for an intensive cost says 1 (dJ/dx ~ 1/N, inverse Hessian ~ N); measured
#: (benchmarks/bench_quality.py, docs/performance/time-to-picture.md) the fine scale's
#: curvature is stiffer (the detail the coarse scale lacks) and the full factor overshoots
#: about 3x at 0.5 -> 1 (the first full-size step then took 3 evaluations); with 1/4 the
#: first trial step is accepted.
SIZE_POWER = 0.25

#: Iterations over which ``--stop-below`` measures the decrease (a geometric mean): a single
#: slow iteration (L-BFGS's progress is uneven) does not end the run.
STOP_WINDOW = 3


@dataclasses.dataclass
class LBFGSState:
    """What :class:`CarriedStepper` hands to the next scale: ``gamma`` = s.y / y.y of its last
    accepted pair (L-BFGS's initial inverse Hessian H_0 = gamma I) and the (height, width) of
    the scale it was learnt at. (Upsampled (s, y) pairs were measured too and made the first
    full-size iterations worse: docs/performance/time-to-picture.md.)"""

    gamma: float
    size: tuple


def carry_state(state: "LBFGSState | None", height: int, width: int) -> "LBFGSState | None":
    """``state`` moved to a scale of (``height``, ``width``): gamma times
    (N_new / N_old) ** :data:`SIZE_POWER`, N the pixel counts. None stays None."""
    if state is None:
        return None
    h0, w0 = state.size
    ratio = float(height * width) / float(h0 * w0)
    return LBFGSState(state.gamma * ratio**SIZE_POWER, (int(height), int(width)))


class CarriedStepper:
    """Projected L-BFGS in the main thread, one iteration per :meth:`step`, whose step scaling
    can come from a coarser scale (:class:`LBFGSState`).

    Direction: d = -H g by the two-loop recursion over the last :data:`MAXCOR` pairs
    (s_k = x_{k+1} - x_k, y_k = g_{k+1} - g_k, kept when s.y > 0) with H_0 = gamma I,
    gamma = s.y / y.y of the newest pair, or the carried gamma before the first pair.
    Components of d that would leave the pixel bounds from a pixel already on them are
    dropped. Step: x(t) = clip(x + t d, lower, upper), first trial t = 1 (H is scaled), then a
    quadratic fit kept in [0.1 t, 0.5 t] until Armijo's condition
    J(x(t)) <= J(x) + c1 g.(x(t) - x) holds: one evaluation of (J, dJ/dG) per iteration once
    the scaling is right (SciPy's L-BFGS-B starts each scale with a step of length 1/|g| and
    a line search of several evaluations). With no curvature at all (a run's first
    iteration) the first trial moves the largest pixel by ``first_move`` grey levels.

    ``stop`` > 0: the stepper stops (:attr:`stopped`) once the geometric mean of the relative
    decrease over the last :data:`STOP_WINDOW` iterations, (J_{k-w} / J_k)^(1/w) - 1, is
    below ``stop``. ``evaluations`` counts the (J, dJ/dG) evaluations; ``costs`` holds J
    after each iteration (the first entry: at the start).
    """

    def __init__(
        self,
        lbfgs: LBFGS,
        sess,
        max_iterations: int,
        say=None,
        carry: "LBFGSState | None" = None,
        stop: float = 0.0,
        first_move: float = 16.0,
    ):
        self.lbfgs = lbfgs
        self.sess = sess
        self.max_iterations = int(max_iterations)
        self.say = say
        self.stop = float(stop or 0.0)
        self.first_move = float(first_move)
        self.iterations = 0
        self.evaluations = 0
        self.finished = False
        self.stopped = False  # ended by the stop rule or a failed line search
        self.message: str | None = None
        self.costs: list[float] = []
        self.steps: list[float] = []  # the accepted step length t of each iteration
        # not pixel_bounds: importing scipy.optimize takes 0.15 s, a tenth of a small stage
        lower, upper = pixel_limits(lbfgs.shape)
        self.lower = lower.astype(np.float32)
        self.upper = upper.astype(np.float32)
        self.carried_gamma = None if carry is None else float(carry.gamma)
        self.gamma = self.carried_gamma
        self.pairs: list[tuple[np.ndarray, np.ndarray, float]] = []  # (s, y, 1 / s.y)
        # the iterate (flat float32), J there and dJ/dG there: set by the first step
        self.x: np.ndarray = np.empty(0, np.float32)
        self.J: float = float("nan")
        self.g: np.ndarray = np.empty(0, np.float32)

    def _evaluate(self, x):
        self.evaluations += 1
        J, g = self.lbfgs.loss_and_gradient(self.sess, x)
        return J, g.astype(np.float32)

    def _remember(self, s, y):
        sy = float(np.dot(s.astype(np.float64), y))
        yy = float(np.dot(y.astype(np.float64), y))
        if yy == 0.0 or sy <= 1e-10 * yy:
            return  # no positive curvature along s: the pair would break H's definiteness
        self.pairs.append((s, y, 1.0 / sy))
        del self.pairs[:-MAXCOR]
        self.gamma = sy / yy

    def direction(self, g):
        """d = -H g (two-loop recursion), the components leaving the bounds dropped."""
        q = g.astype(np.float64)
        alphas = []
        for s, y, rho in reversed(self.pairs):
            a = rho * float(np.dot(s, q))
            q -= a * y
            alphas.append(a)
        q *= self.gamma if self.gamma is not None else 1.0
        for (s, y, rho), a in zip(self.pairs, reversed(alphas)):
            q += (a - rho * float(np.dot(y, q))) * s
        d = (-q).astype(np.float32)
        d[((self.x <= self.lower) & (d < 0)) | ((self.x >= self.upper) & (d > 0))] = 0.0
        return d

    def step(self) -> bool:
        """Run one iteration; False once the stepper has stopped (the image then stays put)."""
        if self.finished:
            return False
        if not self.x.size:
            self.x = np.asarray(self.sess.run(self.lbfgs.variable), dtype=np.float32).ravel()
            self.J, self.g = self._evaluate(self.x)
            self.costs.append(self.J)
        d = self.direction(self.g)
        slope = float(np.dot(self.g.astype(np.float64), d))
        if not slope < 0:  # no descent along d (rounding in the pairs): start afresh
            self.pairs, self.gamma = [], None
            d = self.direction(self.g)
            slope = float(np.dot(self.g.astype(np.float64), d))
        t = 1.0
        if self.gamma is None:
            t = self.first_move / max(float(np.max(np.abs(d))), 1e-12)
        found = False
        for _ in range(20):
            x_new = np.clip(self.x + t * d, self.lower, self.upper)
            if np.array_equal(x_new, self.x):  # t * d below float32's resolution: no step left
                break
            J_new, g_new = self._evaluate(x_new)
            decrease = float(np.dot(self.g.astype(np.float64), x_new - self.x))
            if np.isfinite(J_new) and J_new <= self.J + ARMIJO * decrease:
                found = True
                break
            # the minimiser of the parabola through J(0), J'(0) = slope and J(t)
            curve = J_new - self.J - slope * t if np.isfinite(J_new) else 0.0
            fit = -slope * t * t / (2.0 * curve) if curve > 0 else 0.0
            t = min(max(fit, 0.1 * t), 0.5 * t)
        if not found:
            why = "the line search found no lower cost"
            if self.lbfgs.rough:  # bfloat16's gradient can be too rough near a minimum
                why += " (in bfloat16: --precision float32 computes J and dJ/dG exactly)"
            self.lbfgs.set_image(self.sess, self.x)  # not the last trial: the best image
            self._stop(why)
            return False
        self.steps.append(t)
        self._remember(x_new - self.x, g_new - self.g)
        self.x, self.J, self.g = x_new, J_new, g_new
        self.costs.append(self.J)
        self.lbfgs.set_image(self.sess, self.x)
        self.iterations += 1
        rate = self.decrease_rate()
        if self.stop and rate is not None and rate < self.stop:
            self._stop(
                "the cost fell by %.2g%% per iteration over the last %d, less than "
                "--stop-below %g" % (100 * rate, STOP_WINDOW, self.stop)
            )
        elif self.iterations >= self.max_iterations:
            self.finished = True
            self.message = "iteration limit"
        return True

    def decrease_rate(self) -> "float | None":
        """(J_{k-w} / J_k)^(1/w) - 1 over the last :data:`STOP_WINDOW` iterations (None
        before there are that many, or for a cost that is not positive)."""
        if len(self.costs) <= STOP_WINDOW or not self.costs[-1] > 0:
            return None
        return (self.costs[-1 - STOP_WINDOW] / self.costs[-1]) ** (1.0 / STOP_WINDOW) - 1.0

    def _stop(self, why):
        self.finished = self.stopped = True
        self.message = why
        if self.say is not None:
            self.say("L-BFGS stopped after %d iterations: %s" % (self.iterations, why))

    def state(self) -> "LBFGSState | None":
        """The step scaling learnt so far, for the next scale (None before the first pair)."""
        if self.gamma is None:
            return None
        return LBFGSState(self.gamma, tuple(self.lbfgs.shape[1:3]))

    def close(self):
        """Nothing to stop (no worker thread); for the runner's loop."""
