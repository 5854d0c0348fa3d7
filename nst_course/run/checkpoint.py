"""Resumable runs: ``--checkpoint-every N`` and ``--resume DIR``.

Every N iterations the runner writes ``<output_dir>/checkpoint.npz`` (one file, replaced
atomically, so a crash leaves the previous checkpoint whole). It holds:

- every global variable of the run's graph by name: the image ``input`` (1, n_H, n_W, 3),
  Adam's slots ``input/Adam`` (m) and ``input/Adam_1`` (v) of the same shape, and the scalars
  ``beta1_power`` and ``beta2_power``;
- the number of iterations done (the next iteration to run);
- the cost rows logged so far (iteration, total, content, style);
- the options of the run, as JSON;
- in a coarse-to-fine run (``--scales``, nst_course.run.schedule), the index of the scale it
  was taken at: ``input`` and Adam's slots then have that scale's size, and ``--resume``
  continues at that scale.

``--resume DIR`` rebuilds the same graph from the saved options, loads the variables and
continues with the next iteration, so an Adam run resumed from a checkpoint ends with the
same image and costs.csv as the uninterrupted run (up to float32 rounding). L-BFGS keeps its
curvature memory inside SciPy, which is not saved: a resumed L-BFGS run continues from the
saved image with a fresh memory.
"""

import dataclasses
import json
import os

import numpy as np

from .._tf import tf
from ..errors import NSTError, OptionError
from ..files import atomic_write

tf1 = tf.compat.v1

FILENAME = "checkpoint.npz"
FORMAT = 1

#: Options that only schedule the work or its reports: on --resume a value given now (one
#: that differs from the default) wins over the saved one.
SCHEDULE = (
    "iterations",
    "print_every",
    "save_every",
    "checkpoint_every",
    "quiet",
    "output_dir",
    "max_pixels",
    "low_memory",
)
#: Options not stored (they do not describe the run).
NOT_STORED = ("resume",)
#: How weights that are not a path (an in-memory VGGWeights) are recorded.
IN_MEMORY = "<in-memory weights>"


@dataclasses.dataclass
class Checkpoint:
    iteration: int
    variables: dict
    options: dict
    cost_rows: list
    path: str
    scale: int | None = None  # index of the scale of a coarse-to-fine run (None: one scale)


def checkpoint_path(location):
    """The checkpoint file of ``location``: a run's directory or the file itself."""
    location = os.fspath(location)
    return os.path.join(location, FILENAME) if os.path.isdir(location) else location


def options_to_dict(opts):
    """The run's options as JSON-able values (``style_layers`` as [name, weight] lists)."""
    out = {}
    for f in dataclasses.fields(opts):
        if f.name in NOT_STORED:
            continue
        value = getattr(opts, f.name)
        if f.name == "weights" and value is not None and not isinstance(value, str):
            value = IN_MEMORY
        elif f.name == "style_layers":
            value = [[name, float(w)] for name, w in value]
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def save(directory, sess, iteration, opts, cost_rows=(), scale=None):
    """Write the checkpoint of ``sess``'s graph after ``iteration`` iterations, atomically.

    ``scale``: the index of the scale a coarse-to-fine run is at (nst_course.run.schedule);
    ``opts`` are then the whole run's options, not the scale's."""
    with sess.graph.as_default():
        variables = tf1.global_variables()
    names = [v.op.name for v in variables]
    values = sess.run(variables)
    meta = {
        "format": FORMAT,
        "iteration": int(iteration),
        "variables": names,
        "options": options_to_dict(opts),
    }
    if scale is not None:
        meta["scale"] = int(scale)
    arrays = {
        "meta": np.array(json.dumps(meta)),
        "costs": np.asarray(list(cost_rows), dtype=np.float64).reshape(-1, 4),
    }
    for i, value in enumerate(values):
        arrays["v%d" % i] = np.asarray(value)

    def write(tmp):
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)

    return atomic_write(os.path.join(os.fspath(directory), FILENAME), write)


class Checkpoints:
    """The checkpoint writer of a run (a :class:`~nst_course.run.stage.CheckpointWriter`):
    the run's options ``opts`` and, in a coarse-to-fine run, the index of the stage's scale."""

    def __init__(self, opts, scale=None):
        self.opts, self.scale = opts, scale

    def save(self, sess, done, rows):
        """Write the checkpoint after ``done`` iterations; returns the directory to resume from."""
        save(self.opts.output_dir, sess, done, self.opts, rows, scale=self.scale)
        return self.opts.output_dir


def load(location):
    """Read the checkpoint of ``location`` (a directory or the file); NSTError if unusable."""
    path = checkpoint_path(location)
    if not os.path.exists(path):
        raise NSTError(
            "--resume: no %s in %s (was the run started with --checkpoint-every?)"
            % (FILENAME, location)
        )
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != FORMAT:
                raise ValueError("format %r, expected %r" % (meta.get("format"), FORMAT))
            variables = {name: data["v%d" % i] for i, name in enumerate(meta["variables"])}
            rows = [(int(r[0]), float(r[1]), float(r[2]), float(r[3])) for r in data["costs"]]
    except NSTError:
        raise
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same one line
        raise NSTError(
            "--resume: cannot read %s (%s)"
            % (path, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        ) from None
    return Checkpoint(
        int(meta["iteration"]), variables, meta["options"], rows, path, meta.get("scale")
    )


def _normalise(name, value):
    if name == "style_layers" and value is not None:
        return [(str(n), float(w)) for n, w in value]
    if isinstance(value, tuple):
        return list(value)
    return value


def resume_options(opts):
    """The options to continue ``opts.resume`` with: the saved run's, except what is set now.

    Schedule options (:data:`SCHEDULE`) given now win; any other option given now (a value
    other than the default) must equal the saved one, or :class:`OptionError` says which
    differs. ``output_dir`` defaults to the checkpoint's directory.
    """
    ckpt = load(opts.resume)
    defaults = type(opts)()
    merged = dataclasses.replace(opts)
    for name, saved in ckpt.options.items():
        if not hasattr(opts, name):
            continue
        saved = _normalise(name, saved)
        current = _normalise(name, getattr(opts, name))
        default = _normalise(name, getattr(defaults, name))
        if name == "output_dir":
            if current == default:
                merged.output_dir = os.path.dirname(ckpt.path) or "."
            continue
        if name in SCHEDULE:
            if current == default:
                setattr(merged, name, saved)
            continue
        if name == "weights" and saved == IN_MEMORY:
            continue
        if current != default and current != saved:
            raise OptionError(
                "--resume continues the saved run with its settings: %s is %r there, "
                "not %r" % (name.replace("_", "-"), saved, current)
            )
        setattr(merged, name, saved)
    return merged


def restore(location, sess, log=None):
    """Load the saved variables into ``sess``'s graph (and the cost rows into ``log.rows``).

    Returns the iteration to continue with. Every global variable of the graph must be in the
    checkpoint with the same shape.
    """
    ckpt = load(location)
    with sess.graph.as_default():
        variables = tf1.global_variables()
    for var in variables:
        name = var.op.name
        if name not in ckpt.variables:
            raise NSTError(
                "--resume: %s has no variable '%s' (saved: %s); was it written with "
                "another optimizer?" % (ckpt.path, name, ", ".join(ckpt.variables))
            )
        value = ckpt.variables[name]
        shape = tuple(var.get_shape().as_list())
        if tuple(value.shape) != shape:
            raise NSTError(
                "--resume: '%s' in %s has shape %s, the run needs %s"
                % (name, ckpt.path, tuple(value.shape), shape)
            )
        var.load(value, sess)
    if log is not None:
        log.reset([row for row in ckpt.cost_rows if row[0] < ckpt.iteration])
    return ckpt.iteration
