"""Which graph nodes the course's cells built last, per graph.

The course's ``model_nn(sess, input_image)`` reads the notebook's globals ``model``, ``J``,
``J_content``, ``J_style`` and ``train_step``. A package cannot see a notebook's globals, so
the graded functions note what they built here, keyed by the graph, and ``model_nn`` looks
them up. Entries live as long as their graph: they are kept *on* the graph object (an
attribute), so a graph that nothing else uses is freed with its handles. (A
``WeakKeyDictionary`` keyed by the graph would keep every graph alive for ever: its values,
tensors and operations, hold the graph strongly.)
"""

from ._tf import tf

#: The attribute of a ``tf.Graph`` that holds its handles.
_ATTR = "_nst_course_handles"


def remember(graph=None, **handles):
    """Record graph handles (e.g. ``model=...``, ``J=...``) for ``graph`` (default: the current)."""
    if graph is None:
        graph = _graph_of(handles)
    store = getattr(graph, _ATTR, None)
    if store is None:
        store = {}
        setattr(graph, _ATTR, store)
    store.update(handles)


def lookup(graph, name):
    """The handle last recorded under ``name`` for ``graph``, or None."""
    return getattr(graph, _ATTR, {}).get(name)


def _graph_of(handles):
    for value in handles.values():
        g = getattr(value, "graph", None)
        if g is not None:
            return g
        if isinstance(value, dict):
            for v in value.values():
                g = getattr(v, "graph", None)
                if g is not None:
                    return g
    return tf.compat.v1.get_default_graph()
