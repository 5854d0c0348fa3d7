"""One optimisation of the main job, in memory: the engine behind each figure panel and the
live view.

It is the main job's driver (:func:`nst_course.run.stage.train_stage`: the graph, the Adam or
L-BFGS loop, the start image) with collaborators of its own: the costs stay in memory
(:class:`~nst_course.run.stage.MemoryLog`), no file is written along the way, and the result
comes back as an 8-bit image. So a panel is a picklable value in, a picklable value out, and
can run on any Dask worker (:mod:`nst_course.batch.cluster`).

    Trained(image, rows, start, final)
      image -- (H, W, 3) uint8, the optimised image
      rows  -- [(iteration, total, content, style)] every ``print_every`` iterations and
               the last one
      start -- (J, J_content, J_style) of the start image, before the first step
      final -- (J, J_content, J_style) of the optimised image
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..run.quiet import import_tensorflow_quietly

tf = import_tensorflow_quietly()  # the package's graph mode, without TensorFlow's chatter
from ..images import to_uint8  # noqa: E402
from ..run.checks import check_options  # noqa: E402
from ..run.graph import Prepared, RunGraph, initial_image  # noqa: E402
from ..run.options import RunOptions  # noqa: E402
from ..run.schedule import whole  # noqa: E402
from ..run.stage import MemoryLog, NoProgress, Reporting, StageProgress, train_stage  # noqa: E402


@dataclass
class Trained:
    image: np.ndarray
    rows: list
    start: tuple
    final: tuple


def quiet_options(opts: RunOptions) -> RunOptions:
    """``opts`` for an in-memory run: no printed lines, no files saved along the way."""
    return replace(opts, quiet=True, save_every=0, checkpoint_every=0, resume=None)


def train(
    opts: RunOptions,
    prepared: Prepared,
    progress: StageProgress | None = None,
    on_rows: Callable[[list], None] | None = None,
    on_session: Callable[[Any, RunGraph], None] | None = None,
) -> Trained:
    """Optimise one image with the main job's driver; returns :class:`Trained`.

    ``opts`` -- a :class:`~nst_course.run.options.RunOptions` (checked here; its images are
    ``prepared``'s, its files are not written: see :func:`quiet_options`).
    ``progress`` -- a :class:`~nst_course.run.stage.StageProgress` (the live view's redraw).
    ``on_rows(rows)`` -- called with the cost rows so far each time one is added.
    ``on_session(sess, graph)`` -- called once the graph is built (the live view reads the
    image through it).
    """
    opts = quiet_options(opts)
    check_options(opts)
    log = MemoryLog(on_rows)
    start_image = initial_image(opts, prepared)
    measured: dict = {}

    def started(sess: Any, graph: RunGraph) -> None:
        measured["start"] = start_costs(sess, graph, start_image)
        if on_session is not None:
            on_session(sess, graph)

    report = Reporting(log, progress if progress is not None else NoProgress())
    result = train_stage(
        opts, whole(opts), prepared, report, start_image=start_image, on_session=started
    )
    return Trained(to_uint8(result.image), log.rows, measured["start"], result.final)


def start_costs(sess: Any, graph: RunGraph, image: np.ndarray) -> tuple:
    """(J, J_content, J_style) of ``image``, e.g. the start image before the first step.

    The image variable is set through its own initializer with a fed value: no new op (a new
    assign op would change ops of a graph that a session has run; TensorFlow warns then)."""
    variable = graph.model["input"]
    init = variable.initializer
    sess.run(init, feed_dict={init.inputs[1]: image})
    return tuple(float(v) for v in sess.run([graph.J, graph.J_content, graph.J_style]))
