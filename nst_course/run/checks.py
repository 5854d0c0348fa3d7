"""Checks of a run's options and output directory, done before any work starts.

The command line's argument types already refuse most bad values (zero, negative or
non-numbers) as usage errors; :func:`check_options` repeats the checks for code that builds
:class:`~nst_course.run.options.RunOptions` itself, and adds the ones that span options.
:func:`check_output_dir` makes sure the results can be written *before* minutes of work,
without creating anything yet.
"""

import math
import numbers
import os
import tempfile

from ..errors import OptionError, OutputError
from ..layers import VGG19_LAYERS, conv_part
from ..loading import MIN_SIDE, load_image
from .precision import resolve as resolve_precision
from .schedule import check_schedule
from .start import STARTS


def _flag(name):
    return "--" + name.replace("_", "-")


def _number(opts, name, minimum=None, above=None, integer=False, maximum=None):
    value = getattr(opts, name)
    kind = "a whole number" if integer else "a number"
    ok_type = isinstance(value, numbers.Integral if integer else numbers.Real)
    if isinstance(value, bool) or not ok_type:
        raise OptionError("%s %r is not %s" % (_flag(name), value, kind))
    if not math.isfinite(value):
        raise OptionError("%s %r is not a finite number" % (_flag(name), value))
    if above is not None and not value > above:
        raise OptionError("%s %r must be greater than %s" % (_flag(name), value, above))
    if minimum is not None and value < minimum:
        raise OptionError("%s %r must be at least %s" % (_flag(name), value, minimum))
    if maximum is not None and value > maximum:
        raise OptionError("%s %r must be at most %s" % (_flag(name), value, maximum))


def check_options(opts):
    """Raise :class:`~nst_course.errors.OptionError` (one line) for an option that cannot work."""
    for name in ("width", "height"):
        _number(opts, name, above=0, integer=True)
        if getattr(opts, name) < MIN_SIDE:
            raise OptionError(
                "%s %d is too small: the network needs at least %d pixels per "
                "side (it halves the image five times)"
                % (_flag(name), getattr(opts, name), MIN_SIDE)
            )
    _number(opts, "iterations", above=0, integer=True)
    _number(opts, "print_every", above=0, integer=True)
    _number(opts, "save_every", minimum=0, integer=True)
    _number(opts, "learning_rate", above=0)
    _number(opts, "alpha", minimum=0)
    _number(opts, "beta", minimum=0)
    _number(opts, "noise_ratio", minimum=0, maximum=1)
    _number(opts, "tv_weight", minimum=0)
    _number(opts, "style_scale", above=0)
    _number(opts, "checkpoint_every", minimum=0, integer=True)
    _number(opts, "max_pixels", above=0, integer=True)
    _number(opts, "stop_below", minimum=0, maximum=1)
    if opts.stop_below and opts.optimizer != "lbfgs-carry":  # only that stepper measures it
        raise OptionError(
            "--stop-below works with --optimizer lbfgs-carry only, not %s" % opts.optimizer
        )
    if opts.width * opts.height > opts.max_pixels:
        raise OptionError(
            "--width %d x --height %d = %d pixels is above --max-pixels %d; choose "
            "a smaller size or raise --max-pixels"
            % (opts.width, opts.height, opts.width * opts.height, opts.max_pixels)
        )
    if not opts.style:
        raise OptionError("--style: give at least one style image")
    for name, weight in opts.style_layers:
        if (
            isinstance(weight, bool)
            or not isinstance(weight, numbers.Real)
            or not math.isfinite(weight)
            or weight < 0
        ):
            raise OptionError(
                "--style-layers: the weight of %s, %r, must be a finite number "
                "0 or more" % (name, weight)
            )
    check_layer_names(opts)
    resolve_precision(opts.precision)  # bfloat16 where the CPU has no bfloat16 units: refused

    check_schedule(opts)  # --scales, --scale-iterations, --upsample
    if opts.style_layers and not any(weight > 0 for _, weight in opts.style_layers):
        raise OptionError(
            "--style-layers: every weight is 0; give at least one layer a weight above 0"
        )


def vgg_layer_names(pooling="avg"):
    """Every layer name a VGG-19 model dict has: conv1_1 ... conv5_4 and the five pools."""
    names = []
    for name in conv_part(VGG19_LAYERS):
        if name.startswith("conv"):
            names.append(name)
        elif name.startswith("pool"):  # the model dict's key, as vgg.pool_name makes it
            names.append("%spool%s" % (pooling, name[4:]))
    return names


def check_layer_names(opts):
    """Refuse layer names that no VGG network has (the weights' own list is checked later)."""
    check_layer_choice(opts.content_layer, opts.style_layers, vgg_layer_names(opts.pooling))
    if not opts.style_layers:
        raise OptionError("--style-layers: give at least one style layer")


def check_layer_choice(content_layer, style_layers, valid):
    """Raise :class:`OptionError` (one line, with the ``valid`` names) for a content layer or
    style layers ([(name, weight)]) not among ``valid``."""
    problems = []
    if content_layer not in valid:
        problems.append("content layer '%s'" % content_layer)
    unknown = [name for name, _ in style_layers if name not in valid]
    if unknown:
        problems.append(
            "style layer%s %s"
            % ("s" if len(unknown) > 1 else "", ", ".join("'%s'" % n for n in unknown))
        )
    if problems:
        raise OptionError(
            "unknown %s; valid layers: %s" % (" and ".join(problems), ", ".join(valid))
        )


def _nearest_existing(path):
    """``path`` itself or its closest ancestor that exists."""
    current = os.path.abspath(path)
    while not os.path.lexists(current):
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return current


def _writable_dir(directory):
    """True if a file can be created (and removed) in ``directory``; tried for real."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".nst-course-write-test.", dir=directory)
    except OSError:
        return False
    os.close(fd)
    try:
        os.unlink(probe)
    except OSError:
        pass
    return True


def output_names(opts):
    """The file names a run may write into its output directory (the course's and ours)."""
    names = [
        "generated_image.jpg",
        "costs.csv",
        "costs.png",
        "summary.png",
        "progress.gif",
        "interrupted.png",
        "checkpoint.npz",
    ]
    if opts.save_every:
        names += ["%d.png" % i for i in range(0, opts.iterations, opts.save_every)]
    return names


def check_output_dir(path, names=()):
    """Raise :class:`~nst_course.errors.OutputError` if ``path`` cannot hold the results.

    Nothing is created: a directory that does not exist yet is fine if it can be made in its
    closest existing ancestor (checked with ``os.access``; the directory itself, when it
    exists, with a real test file). ``names``: files the run will write there; a directory
    in the way of one is refused too.
    """
    path = os.fspath(path)
    if os.path.lexists(path) and not os.path.isdir(path):
        raise OutputError(
            "--output-dir %s is a file, not a directory; choose another path "
            "(nothing was changed)" % path
        )
    if os.path.isdir(path):
        if not _writable_dir(path):
            raise OutputError(
                "--output-dir %s is not writable; choose a directory you can write to" % path
            )
        for name in names:
            target = os.path.join(path, name)
            if os.path.isdir(target):
                raise OutputError(
                    "%s is a directory, but the run writes a file of that name "
                    "there; move it or choose another --output-dir" % target
                )
        return
    base = _nearest_existing(path)
    if not os.path.isdir(base):
        raise OutputError(
            "cannot create --output-dir %s: %s is a file, not a directory; "
            "choose another path" % (path, base)
        )
    if not os.access(base, os.W_OK | os.X_OK):
        raise OutputError(
            "cannot create --output-dir %s: %s is not writable; choose a "
            "directory you can write to" % (path, base)
        )


def input_images(opts):
    """The image files a run reads: content, style(s) and an ``--init`` image file."""
    paths = [opts.content] + list(opts.style)
    init = getattr(opts, "init", "noise")
    if init not in STARTS:
        paths.append(init)
    return paths


def preflight(opts):
    """Every check that needs no TensorFlow, done before it loads (a few seconds saved on
    each mistake): options, output directory, and each input image read once.

    ``opts`` is a :class:`~nst_course.run.options.RunOptions` or anything with the same attributes
    (the command line's parsed arguments).
    """
    check_options(opts)
    check_output_dir(opts.output_dir, output_names(opts))
    for path in input_images(opts):
        load_image(path, max_pixels=opts.max_pixels)
