"""NumPy's BLAS on one thread while a stage trains (:func:`one_blas_thread`).

L-BFGS does its vector algebra in NumPy between two evaluations of J and dJ/dG: dot products
and updates of the image-sized vectors, in the carried stepper's two-loop recursion
(:mod:`nst_course.run.lbfgs`) and inside SciPy's L-BFGS-B. NumPy hands the dot products to its
BLAS (OpenBLAS in the wheels), which runs them on a pool of threads; after each call those
threads keep spinning on the cores for a while, waiting for more work, and TensorFlow's next
``session.run`` then shares the cores with them. Measured at 168x126 in bfloat16 on 2 cores
(``benchmarks/results/quality-2026-12-02-evening.json`` has the races): an evaluation took
0.048 s on its own and 0.062-0.091 s right after the stepper's ``direction``; with BLAS on one
thread, 0.045-0.051 s. The vectors are small (a few 100,000 values), so one thread costs the
algebra nothing that shows.

``threadpoolctl`` (the limiter of scikit-learn and joblib) sets the thread count of every BLAS
library loaded in the process, whatever it is (OpenBLAS, MKL, BLIS), and puts it back after:
an environment variable would come too late (NumPy is loaded before the command line reads its
options) and would change the process for good. Nothing else here changes a number: BLAS
threads only split the same sums.
"""

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Within the block, every BLAS library loaded so far runs on one thread (load SciPy's
    before: it has its own)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
