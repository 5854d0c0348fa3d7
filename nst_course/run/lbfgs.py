"""L-BFGS (``--optimizer lbfgs``), the optimiser of Gatys et al., on the course's graph.

SciPy's ``minimize(method="L-BFGS-B")`` minimises J(G) over the flattened image
x = vec(G), G of shape (1, n_H, n_W, 3). Each evaluation assigns x to ``model['input']`` and
then one ``session.run`` returns both J and dJ/dG (``tf.gradients`` of the same J the course
builds). The bounds keep every normalised pixel in the valid range::

    -MEANS_c <= G[0, i, j, c] <= 255 - MEANS_c        (c = R, G, B)

so that adding the means back gives a pixel in [0, 255] with nothing to clip.

The runner's loop calls :meth:`LBFGSStepper.step` once per iteration, exactly where it runs
Adam's ``train_step``, so printing, saving and costs.csv behave the same for both: SciPy runs
in a worker thread that pauses in its per-iteration callback until the loop asks for the next
iteration. One iteration may evaluate J several times (line search). L-BFGS keeps its
curvature memory (``maxcor`` pairs) inside SciPy; a resumed run starts a fresh memory.
"""

import threading

import numpy as np

from .._tf import tf
from ..config import CONFIG

tf1 = tf.compat.v1

#: Number of (s, y) pairs L-BFGS remembers (SciPy's default).
MAXCOR = 10


def pixel_bounds(shape):
    """``scipy.optimize.Bounds`` for a normalised image of ``shape`` (1, n_H, n_W, 3), flattened."""
    from scipy.optimize import Bounds

    lower = np.broadcast_to(-CONFIG.MEANS, shape).astype(np.float64).ravel()
    upper = np.broadcast_to(255.0 - CONFIG.MEANS, shape).astype(np.float64).ravel()
    return Bounds(lower, upper)


class LBFGS:
    """The graph part of L-BFGS: dJ/dG and an op that writes an image into the variable.

    Build it (in ``build``) before the session runs the loop; it adds nothing per evaluation.
    """

    def __init__(self, J, variable):
        self.J = J
        self.variable = variable
        self.shape = tuple(variable.get_shape().as_list())
        (self.gradient,) = tf.gradients(J, [variable])
        self.value = tf1.placeholder(tf.float32, self.shape, name="lbfgs_image")
        self.assign = variable.assign(self.value)

    def set_image(self, sess, x):
        """Write the flat or (1, n_H, n_W, 3) image ``x`` into the variable."""
        sess.run(self.assign, {self.value: np.reshape(x, self.shape).astype(np.float32)})

    def loss_and_gradient(self, sess, x):
        """J(x) and dJ/dx (float64, flat) at the flat image ``x``: one run for both."""
        self.set_image(sess, x)
        J, grad = sess.run([self.J, self.gradient])
        return float(J), np.asarray(grad, dtype=np.float64).ravel()

    def stepper(self, sess, max_iterations, say=None):
        """An :class:`LBFGSStepper` starting from the variable's current value."""
        return LBFGSStepper(self, sess, max_iterations, say=say)


class LBFGSStepper:
    """One L-BFGS iteration per :meth:`step`; the variable holds the iterate after each.

    If L-BFGS stops on its own before ``max_iterations`` (converged, or the line search found
    no lower cost), later steps leave the image as it is and ``message`` says why.
    """

    def __init__(self, lbfgs, sess, max_iterations, say=None):
        self.lbfgs = lbfgs
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
