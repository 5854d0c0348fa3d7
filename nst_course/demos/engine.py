"""One optimisation of the main job, in memory: the engine behind each figure panel and the
live view.

It is :mod:`nst_course.run.runner`'s code path (``build`` for the graph and its costs,
``optimize`` for the Adam or L-BFGS loop, ``initial_image`` for the start), without the
report files of ``nst-course run``: the images arrive as arrays, the costs stay in memory,
and the result comes back as an 8-bit image. So a panel is a picklable value in, a picklable
value out, and can run on any Dask worker (:mod:`nst_course.batch.cluster`).

    Trained(image, rows, start, final)
      image -- (H, W, 3) uint8, the optimised image
      rows  -- [(iteration, total, content, style)] every ``print_every`` iterations
      start -- (J, J_content, J_style) of the start image, before the first step
      final -- (J, J_content, J_style) of the optimised image
"""

from dataclasses import dataclass, replace

import numpy as np

from ..run.quiet import import_tensorflow_quietly

tf = import_tensorflow_quietly()  # the package's graph mode, without TensorFlow's chatter
from ..images import reshape_and_normalize_image, to_uint8  # noqa: E402
from ..run.checks import check_options  # noqa: E402
from ..run.runner import Prepared, build, initial_image, optimize  # noqa: E402
from ..vgg import release_weight_values  # noqa: E402

tf1 = tf.compat.v1


@dataclass
class Trained:
    image: np.ndarray
    rows: list
    start: tuple
    final: tuple


class MemoryLog:
    """The cost rows of a run, kept in memory (the interface of ``runner.CostLog``)."""

    def __init__(self, on_add=None):
        self.rows = []
        self.on_add = on_add

    def add(self, iteration, total, content, style):
        self.rows.append((int(iteration), float(total), float(content), float(style)))
        if self.on_add is not None:
            self.on_add(self.rows)


def prepared_from_arrays(content_rgb, style_rgbs, weights):
    """A :class:`~nst_course.run.runner.Prepared` from 8-bit RGB arrays already at the output
    size (the work :func:`~nst_course.run.runner.prepare` does with files)."""
    content_rgb = np.ascontiguousarray(content_rgb, dtype=np.uint8)
    style_rgbs = [np.ascontiguousarray(s, dtype=np.uint8) for s in style_rgbs]
    return Prepared(
        content_rgb=content_rgb,
        style_rgbs=style_rgbs,
        content=reshape_and_normalize_image(content_rgb),
        styles=[reshape_and_normalize_image(s) for s in style_rgbs],
        weights=weights,
    )


def quiet_options(opts):
    """``opts`` for an in-memory run: no printed lines, no files saved along the way."""
    return replace(opts, quiet=True, save_every=0, checkpoint_every=0, resume=None)


def train(opts, prepared, progress=None, on_rows=None, on_session=None):
    """Optimise one image with the main job's graph and loop; returns :class:`Trained`.

    ``opts`` -- a :class:`~nst_course.run.runner.RunOptions` (checked here; its images are
    ``prepared``'s, its files are not written: see :func:`quiet_options`).
    ``progress`` -- a :class:`~nst_course.run.progress.Progress`-like object for ``optimize``.
    ``on_rows(rows)`` -- called with the cost rows so far each time one is added.
    ``on_session(sess, graph)`` -- called once the graph is built (the live view reads the
    image through it).
    """
    opts = quiet_options(opts)
    check_options(opts)
    graph_tf = tf.Graph()
    with graph_tf.as_default():
        if opts.seed is not None:
            tf1.set_random_seed(opts.seed)
        with tf1.Session(graph=graph_tf) as sess:
            graph = build(opts, prepared, sess)
            release_weight_values(graph_tf)
            start_image = initial_image(opts, prepared)
            if on_session is not None:
                on_session(sess, graph)
            log = MemoryLog(on_rows)
            final_image = optimize(opts, graph, sess, start_image, log, progress=progress)
            final = tuple(float(v) for v in sess.run([graph.J, graph.J_content, graph.J_style]))
            start = start_costs(sess, graph, start_image)
    return Trained(image=to_uint8(final_image), rows=log.rows, start=start, final=final)


def start_costs(sess, graph, image):
    """(J, J_content, J_style) of ``image``, e.g. the start image once the run is over.

    The image variable is set through its own initializer with a fed value: no new op (a new
    assign op would change ops of a graph that a session has run; TensorFlow warns then)."""
    variable = graph.model["input"]
    init = variable.initializer
    sess.run(init, feed_dict={init.inputs[1]: image})
    return tuple(float(v) for v in sess.run([graph.J, graph.J_content, graph.J_style]))
