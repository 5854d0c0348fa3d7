"""Building the full cost graph and running the optimisation: the course's ``model_nn``.

The course's sequence, which :func:`build_graph` performs in one call::

    sess.run(model['input'].assign(content_image))
    a_C = sess.run(model['conv4_2']); J_content = compute_content_cost(a_C, model['conv4_2'])
    sess.run(model['input'].assign(style_image))
    J_style = compute_style_cost(model, STYLE_LAYERS)
    J = total_cost(J_content, J_style, alpha=10, beta=40)
    train_step = tf.train.AdamOptimizer(2.0).minimize(J)
"""

import os
from collections import namedtuple

import numpy as np

from . import registry
from ._tf import tf
from .config import CONFIG, CONTENT_LAYER, STYLE_LAYERS
from .costs import compute_content_cost, compute_style_cost, total_cost
from .images import save_image
from .vgg import build_vgg
from .weights import load_weights

tf1 = tf.compat.v1

#: The handles of a built style-transfer graph.
NSTGraph = namedtuple("NSTGraph", "model J J_content J_style train_step")


def _default_session(sess):
    sess = sess or tf1.get_default_session()
    if sess is None:
        raise RuntimeError(
            "no session: pass sess= or create tf.compat.v1.InteractiveSession() first"
        )
    return sess


def build_graph(
    content_image,
    style_image,
    weights=None,
    sess=None,
    alpha=10,
    beta=40,
    learning_rate=2.0,
    style_layers=STYLE_LAYERS,
    content_layer=CONTENT_LAYER,
    pooling="avg",
):
    """Build the whole style-transfer graph the course's way and return its handles.

    Arguments:
    content_image, style_image -- normalised images (1, n_H, n_W, 3) of the same size
                                  (see ``reshape_and_normalize_image``)
    weights -- a weights file path or :class:`~nst_course.weights.VGGWeights`
               (default: the lookup order of :func:`nst_course.weights.find_weights`,
               which includes the course's ``CONFIG.VGG_MODEL``)
    sess -- the session to evaluate a_C and a_S with (default: the default session)
    alpha, beta -- weights of J_content and J_style in J
    learning_rate -- Adam's learning rate (the course's 2.0)
    style_layers -- list of (layer name, coefficient); content_layer -- a layer name
    pooling -- 'avg' (the course's) or 'max'

    Returns:
    NSTGraph(model, J, J_content, J_style, train_step)
    """
    sess = _default_session(sess)
    _, n_H, n_W, _ = np.shape(content_image)
    if np.shape(style_image) != np.shape(content_image):
        raise ValueError(
            "content image %s and style image %s must have the same shape"
            % (np.shape(content_image), np.shape(style_image))
        )
    model = build_vgg(load_weights(weights), height=n_H, width=n_W, pooling=pooling)
    with sess.as_default():
        sess.run(model["input"].assign(content_image))
        out = model[content_layer]
        a_C = sess.run(out)
        J_content = compute_content_cost(a_C, out)
        sess.run(model["input"].assign(style_image))
        J_style = compute_style_cost(model, style_layers)
    J = total_cost(J_content, J_style, alpha=alpha, beta=beta)
    optimizer = tf1.train.AdamOptimizer(learning_rate)
    train_step = optimizer.minimize(J)
    handles = NSTGraph(model, J, J_content, J_style, train_step)
    registry.remember(model["input"].graph, **handles._asdict())
    return handles


def _find_train_op(graph):
    """The newest op that groups optimiser updates (what ``optimizer.minimize`` returned)."""
    for op in reversed(graph.get_operations()):
        if op.type == "NoOp" and any(
            c.type.startswith(("ResourceApply", "Apply")) for c in op.control_inputs
        ):
            return op
    return None


def _handles(sess, handles):
    graph = sess.graph
    if handles is not None:
        return handles
    found = {name: registry.lookup(graph, name) for name in ("model", "J", "J_content", "J_style")}
    train_step = _find_train_op(graph)
    missing = [name for name, value in found.items() if value is None]
    if train_step is None:
        missing.append("train_step")
    if missing:
        raise RuntimeError(
            "model_nn could not find %s in the session's graph: build the graph with "
            "load_vgg_model, compute_content_cost, compute_style_cost, total_cost and "
            "optimizer.minimize(J) first (or use build_graph)" % ", ".join(missing)
        )
    return NSTGraph(train_step=train_step, **found)


def model_nn(
    sess,
    input_image,
    num_iterations=200,
    handles=None,
    output_dir=None,
    print_every=20,
    progress=False,
):
    """Run the optimisation: the course's ``model_nn``.

    Initialises the variables, assigns ``input_image`` (1, n_H, n_W, 3) to ``model['input']``,
    runs ``train_step`` ``num_iterations`` times; every ``print_every`` (20) iterations prints
    the total, content and style cost and saves ``<output_dir>/<i>.png``; at the end saves
    ``<output_dir>/generated_image.jpg``.

    The graph handles (model, J, J_content, J_style, train_step) are those the graded
    functions built last in ``sess.graph``, or ``handles`` (an :class:`NSTGraph`).
    ``output_dir`` defaults to ``CONFIG.OUTPUT_DIR`` ('output/'). ``progress=True`` (opt-in)
    adds a ``tqdm.auto`` bar over the iterations: a widget in Jupyter, a bar on stderr
    elsewhere; the printed cost lines stay the course's.

    Returns:
    generated_image -- the final image, shape (1, n_H, n_W, 3), normalised
    """
    model, J, J_content, J_style, train_step = _handles(sess, handles)
    output_dir = CONFIG.OUTPUT_DIR if output_dir is None else output_dir
    sess.run(tf1.global_variables_initializer())
    sess.run(model["input"].assign(input_image))
    generated_image = None
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=num_iterations, desc="model_nn", unit="it")
    for i in range(num_iterations):
        sess.run(train_step)
        if bar is not None:
            bar.update(1)
        if i % print_every == 0:
            Jt, Jc, Js, generated_image = sess.run([J, J_content, J_style, model["input"]])
            print("Iteration " + str(i) + " :")
            print("total cost = " + str(Jt))
            print("content cost = " + str(Jc))
            print("style cost = " + str(Js))
            save_image(os.path.join(output_dir, str(i) + ".png"), generated_image)
    if bar is not None:
        bar.close()
    generated_image = sess.run(model["input"])
    save_image(os.path.join(output_dir, "generated_image.jpg"), generated_image)
    return generated_image
