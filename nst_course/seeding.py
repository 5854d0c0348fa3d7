"""Reproduce TensorFlow 1's rule for op-level seeds, to get the course's published outputs.

The course's graded cells set a graph-level seed (``tf.set_random_seed(1)``) and then draw
``tf.random_normal(...)`` with no op-level seed. TensorFlow 1.x derived the missing op seed
from the graph: ``op_seed = graph._last_id``, the id of the newest op at that moment (inside
``random_normal`` three constants exist by then, so the course's two draws got op seeds 3
and 9). TensorFlow 2 counts the random ops of a graph instead (0, 1, ...), so the same cells
draw other numbers and print other values.

``tf1_seeding()`` switches the TF1 rule on for the code inside it, and only there::

    with tf1_seeding():
        tf.compat.v1.reset_default_graph()
        with tf.compat.v1.Session() as test:
            tf.compat.v1.set_random_seed(1)
            a_C = tf.compat.v1.random_normal([1, 4, 4, 3], mean=1, stddev=4)
            ...

Outside the block TensorFlow behaves exactly as usual.
"""

import contextlib
import threading

from tensorflow.python.framework import ops, random_seed

from . import _tf  # noqa: F401  (graph mode, as everywhere in the package)

_lock = threading.Lock()


def _graph_last_id(graph):
    """The TF1 ``Graph._last_id``: the number of ops created in ``graph`` so far."""
    nodes = getattr(graph, "_nodes_by_id", None)
    if nodes is not None:
        return len(nodes)
    return len(graph.get_operations())


def _tf1_get_seed(original):
    def get_seed(op_seed):
        graph = ops.get_default_graph()
        if (
            op_seed is None
            and not ops.executing_eagerly_outside_functions()
            and graph.seed is not None
        ):
            op_seed = _graph_last_id(graph)
        return original(op_seed)

    get_seed.__doc__ = original.__doc__
    return get_seed


@contextlib.contextmanager
def tf1_seeding():
    """Context manager: inside it, random ops without a seed get TF1's op seed (graph op count).

    With a graph-level seed set and an explicit op seed the result is the same as usual; with
    no graph-level seed nothing changes either (the draw stays nondeterministic).
    """
    with _lock:
        original = random_seed.get_seed
        random_seed.get_seed = _tf1_get_seed(original)
    try:
        yield
    finally:
        with _lock:
            random_seed.get_seed = original
