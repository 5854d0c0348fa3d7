"""Rendering a figure: check it, reuse or render each panel (here or on Dask), draw the grid.

Every panel is an optimisation of the main job (:func:`nst_course.demos.panels.render_panel`,
the driver :func:`nst_course.run.stage.train_stage`), run in this process or as a task of
the batch engine on Dask (:mod:`nst_course.batch.cluster`); each is written as a PNG of its
own next to the grid, and a panel whose file was rendered with the same settings is reused.
"""

import contextlib
import os
import sys
import time
import warnings
from dataclasses import dataclass

from .._progress import Reporter
from ..batch.cluster import TaskFailed, connect, default_split, run_tasks
from ..errors import NSTError, OptionError
from ..loading import load_image
from ..run.checks import check_options, check_output_dir
from ..run.outputs import weights_label
from ..run.safety import deferred_signals
from ..weights import find_weights, untrained_warning
from .figures import Figure, Settings
from .grid import caption, compose
from .panels import Panel, Rendered, options_dict, panel_key, read_panel, render_panel, write_panel

#: RunOptions fields that do not decide a panel's pixels (left out of its key).
NOT_IN_KEY = (
    "content",
    "style",
    "output_dir",
    "weights",
    "quiet",
    "save_every",
    "checkpoint_every",
    "resume",
    "require_pretrained",
    "max_pixels",
    "low_memory",
)


def check(figure: Figure, settings: Settings, output: str) -> None:
    """The main job's checks (:func:`nst_course.run.checks.check_options`: layer names, size,
    iterations...) for every panel, and the output's; before any work and without TensorFlow."""
    if not str(output).lower().endswith(".png"):
        raise OptionError("--output %s: the figure is a PNG; give a path ending in .png" % output)
    if settings.optimizer not in ("adam", "lbfgs"):
        raise OptionError("--optimizer %s: not adam or lbfgs" % settings.optimizer)
    for panel in figure.panels:
        check_options(settings.run_options(**panel.options))
    directory = os.path.dirname(os.path.abspath(output))
    check_output_dir(
        directory,
        [os.path.basename(output)]
        + [os.path.basename(panel_path(output, p)) for p in figure.panels],
    )


def panel_path(output: str, panel: Panel) -> str:
    """The panel's own file, beside the grid: ``<grid stem>-<panel name>.png``."""
    stem = os.path.splitext(os.fspath(output))[0]
    return "%s-%s.png" % (stem, panel.name)


@dataclass
class Result:
    path: str
    rendered: list  # [Rendered], in the figure's panel order
    seconds: float = 0.0

    @property
    def panel_paths(self) -> list:
        return [r.path for r in self.rendered]


def weights_source(weights=None):
    """The weights every panel uses, resolved once: a path or 'random' (untrained; a warning
    on stderr when nothing was found, as ``nst-course run`` does), and a label for captions."""
    found = find_weights(weights)
    if found is None:
        print(untrained_warning(), file=sys.stderr, flush=True)
        found = "random"
    return found, weights_label(found)


def weights_id(source):
    """What identifies a weight set in a panel's key: 'random' or the file's path, size, time."""
    if source == "random":
        return "random"
    st = os.stat(source)
    return [os.path.abspath(source), int(st.st_size), int(st.st_mtime_ns)]


def panel_options(settings: Settings, panel: Panel) -> dict:
    """The RunOptions values of ``panel`` that decide its pixels (its key's options)."""
    data = options_dict(settings.run_options(**panel.options))
    for name in NOT_IN_KEY:
        data.pop(name, None)
    return data


def _sort_panels(figure, settings, output, inputs):
    """({name: Rendered} reused from their files, {name: (panel, key, path, payload)} to do)."""
    content_rgb, style_rgb, source, wid = inputs
    rendered, todo = {}, {}
    for panel in figure.panels:
        options = panel_options(settings, panel)
        key = panel_key(options, content_rgb, style_rgb, wid)
        path = panel_path(output, panel)
        found = read_panel(path, key)
        if found is not None:
            rendered[panel.name] = Rendered(panel, found[0], found[1], found[2], path, True)
        else:
            payload = {"options": options, "content": content_rgb, "style": style_rgb}
            todo[panel.name] = (panel, key, path, dict(payload, weights=source))
    return rendered, todo


def render(
    figure: Figure,
    content: str,
    style: str,
    output: str,
    settings: Settings | None = None,
    weights=None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    stream=None,
) -> Result:
    """Render ``figure`` from the image files ``content`` and ``style`` into ``output`` (PNG).

    ``workers`` -- 0: every panel in this process, one after the other; N: an embedded Dask
    cluster of N single-threaded worker processes; None: in this process when at most one
    panel is left to render, else an embedded cluster split as the batch engine splits this
    machine's cores (:func:`nst_course.batch.cluster.default_split`).
    ``scheduler`` -- the address of an existing Dask scheduler to run the panels on.
    ``progress`` -- a bar over the panels (a terminal or Jupyter) or plain lines (a log).
    Panels whose files were rendered with the same settings are reused. Returns a
    :class:`Result`.
    """
    started = time.time()
    settings = settings or Settings()
    check(figure, settings, output)
    from . import engine  # noqa: F401  (TensorFlow imported quietly, before the main job's modules)

    content_rgb = load_image(content, settings.width, settings.height)
    style_rgb = load_image(style, settings.width, settings.height)
    source, label = weights_source(weights)
    inputs = (content_rgb, style_rgb, source, weights_id(source))
    rendered, todo = _sort_panels(figure, settings, output, inputs)
    total, reused = len(figure.panels), len(rendered)
    with Reporter(
        total, "panels", stream=stream, enabled=progress, initial=reused, unit="panel"
    ) as report:
        if reused:
            report.note("%d of %d panels reused from an earlier run" % (reused, total))
        for name, result in _run(todo, workers, scheduler):
            panel, key, path, _ = todo[name]
            done = Rendered(
                panel,
                result["image"],
                tuple(result["start"]),
                tuple(result["final"]),
                path,
                False,
                result.get("rows", []),
            )
            write_panel(path, done, key)
            rendered[name] = done
            report.advance(1, panel.name)
    ordered = [rendered[p.name] for p in figure.panels]
    compose(figure, ordered, content_rgb, style_rgb, output, caption(figure, settings, label))
    return Result(os.fspath(output), ordered, time.time() - started)


def _run(todo, workers, scheduler):
    """Yield (panel name, result dict) as the panels finish."""
    if not todo:
        return
    if scheduler is None and (workers == 0 or (workers is None and len(todo) <= 1)):
        for name, (_, _, _, payload) in todo.items():
            yield name, render_panel(payload)
        return

    if scheduler:  # an existing cluster: its workers as they are
        count = threads = None
    elif workers:  # N single-threaded worker processes
        count, threads = min(workers, len(todo)), 1
    else:  # the batch engine's split of this machine's cores
        count, threads = default_split()
        count = min(count, len(todo))
    with contextlib.ExitStack() as stack:
        # Ctrl-C while the cluster starts takes effect once it has started, so that it is
        # closed cleanly (a second Ctrl-C stops at once); Dask's note that its dashboard
        # port is taken by another cluster is of no use here.
        with deferred_signals(), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Port .* is already in use")
            client = stack.enter_context(
                connect(scheduler=scheduler, workers=count, threads_per_worker=threads)
            )
        payloads = {name: item[3] for name, item in todo.items()}
        for name, result in run_tasks(client, render_panel, payloads):
            if isinstance(result, TaskFailed):  # the finished panels are on disk already
                raise PanelError(
                    "panel %s failed on a worker (%s: %s); the panels done so far "
                    "are kept and reused by the next run"
                    % (name, result.error_type, result.message)
                )
            yield name, result


class PanelError(NSTError):
    """A panel's task raised on a Dask worker."""
