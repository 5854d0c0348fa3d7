"""Which weights a run uses and loading them: the lookup order, the untrained fallback, and
:func:`load_weights` for every source.

The result of every reader is a :class:`VGGWeights`: the network's layer list in file order,
each entry with its name, its MatConvNet type and, for convolutions, the kernel (k, k, in, out)
float32 and bias (out,) float32, used as stored (MatConvNet's (height, width, in, out) order,
which is what the course feeds to ``tf.nn.conv2d``).

Sources (:func:`load_weights`):

- a MatConvNet ``.mat`` (``imagenet-vgg-verydeep-19.mat`` or ``-16.mat``; current or older
  layout); the first load of a large one writes a compact ``.npz`` cache of its conv layers
  (:mod:`nst_course.weights.cache`) that later loads read instead;
- Keras's ``vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`` (:mod:`nst_course.weights.keras`);
- such an ``.npz`` cache itself;
- ``'random'``: the untrained fallback (VGG-19 shapes, He-scaled normal weights, fixed seed).

Lookup order when no explicit source is given (:func:`find_weights`), for the library and the
command line alike:

1. the ``NST_VGG_MODEL`` environment variable (a path, or ``random``);
2. ``pretrained-model/imagenet-vgg-verydeep-19.mat`` under the working directory (the course's
   place, ``CONFIG.VGG_MODEL``);
3. ``imagenet-vgg-verydeep-19.mat`` in the per-user cache directory :func:`cache_dir`
   (``$XDG_CACHE_HOME/nst-course``, else ``~/.cache/nst-course``), where
   ``nst-course weights download`` puts it.
"""

import os
import sys

from ..errors import WeightsError
from . import cache as conv_cache
from .matconvnet import HDF5_MAGIC, MAT73_MAGIC, detect_format, read_matconvnet
from .model import DOWNLOAD_COMMAND, ENV_VAR, VGGWeights, validate
from .places import default_locations, searched_places


def find_weights(path=None):
    """The weights to use, by the lookup order; None when there are none.

    1. ``path`` when given (returned as is, even if it does not exist: an explicit choice is
       never replaced by another file; loading it then says it is missing);
    2. ``$NST_VGG_MODEL`` when set (a path or ``random``); a path there that does not exist
       is an error, not a reason to look further;
    3. ``pretrained-model/imagenet-vgg-verydeep-19.mat`` under the working directory;
    4. ``imagenet-vgg-verydeep-19.mat`` in :func:`cache_dir`.

    Returns a path (str), ``'random'`` or None.
    """
    if path is not None:
        return os.fspath(path)
    env = os.environ.get(ENV_VAR)
    if env:
        if env == "random" or os.path.exists(env):
            return env
        raise WeightsError(
            "$%s is set to %s, which does not exist; fix or unset it (or run `%s`)"
            % (ENV_VAR, env, DOWNLOAD_COMMAND)
        )
    for _, candidate in default_locations():
        if os.path.isfile(candidate):
            return candidate
    return None


def not_found_message():
    return "no VGG weights found (searched %s); get them with `%s` or pass a path" % (
        searched_places(),
        DOWNLOAD_COMMAND,
    )


def untrained_warning():
    """The lines printed when the main job falls back to the untrained network."""
    bar = "!" * 78
    return "\n".join(
        [
            bar,
            "WARNING: no pretrained VGG-19 weights found (searched %s)." % searched_places(),
            "WARNING: using an UNTRAINED network (random He-scaled weights). It still carries the",
            "WARNING: style's palette and fine texture onto the content, but the result is weaker.",
            "WARNING: get the real weights (510 MB) with:   %s" % DOWNLOAD_COMMAND,
            "WARNING: or pass --require-pretrained to make this an error.",
            bar,
        ]
    )


def weights_for_run(source=None, require_pretrained=False, warn=None):
    """The weights of the main job: :func:`load_weights` on the lookup order's result, or, when
    nothing is found, the untrained network after printing :func:`untrained_warning` (to
    stderr, or through ``warn(text)``). With ``require_pretrained`` a missing file is an
    error and ``'random'`` is refused. A :class:`VGGWeights` already loaded (e.g. kept by a
    batch worker for its jobs) is used as it is."""
    if isinstance(source, VGGWeights):
        return source
    if require_pretrained and source == "random":
        raise WeightsError("--weights random contradicts --require-pretrained; drop one of them")
    found = find_weights(source)
    if found == "random" and require_pretrained:
        raise WeightsError(
            "$%s=random contradicts --require-pretrained; unset it or drop the flag" % ENV_VAR
        )
    if found is None:
        if require_pretrained:
            raise WeightsError(not_found_message())
        text = untrained_warning()
        if warn is None:
            print(text, file=sys.stderr, flush=True)
        else:
            warn(text)
        return load_weights("random")
    return load_weights(found)


# --------------------------------------------------------------------------- loading


def load_weights(source=None, cache=None):
    """Weights from ``source``, in the course's (MatConvNet, RGB-input) convention.

    ``source`` -- a :class:`VGGWeights` (returned as is), ``'random'`` (the untrained
    fallback: VGG-19 shapes, He-scaled normal weights, seed 0), a path to a MatConvNet .mat,
    a Keras .h5 or an .npz cache, or None for the lookup order of :func:`find_weights`
    (a :class:`WeightsError` when it finds nothing: the library never falls back silently).

    ``cache`` -- for .mat files: True reads/writes the conv-layer cache, False never does,
    None (default) uses it for files of at least ``cache.MIN_SOURCE_BYTES`` unless
    ``$NST_VGG_CACHE`` is ``0``. Files read from a .mat or .h5 are validated (layer names,
    kernel shapes, finite values) before they are returned or cached. Arrays read from a
    cache are read-only views of the memory-mapped file (copy one to change it).
    """
    if isinstance(source, VGGWeights):
        return source
    if source is None:
        source = find_weights()
        if source is None:
            raise WeightsError(not_found_message())
    if source == "random":
        from .synthetic import random_vgg_weights

        return random_vgg_weights(include_fc=False)
    path = os.fspath(source)
    kind = _format_for(path)
    if kind == "npz":
        from .cache import read_cache

        return read_cache(path)
    if kind == "h5":
        from .keras import read_keras_h5

        return validate(read_keras_h5(path))

    if conv_cache.wanted(path, cache):
        return conv_cache.load_with_cache(path)
    return validate(read_matconvnet(path, keep_fc=False))


def _format_for(path):
    """detect_format, except that an unrecognised file named *.mat goes to scipy (MAT v4)."""
    try:
        return detect_format(path)
    except WeightsError:
        if path.lower().endswith(".mat") and os.path.isfile(path) and os.path.getsize(path) >= 128:
            with open(path, "rb") as fh:
                if not fh.read(520).startswith((MAT73_MAGIC, HDF5_MAGIC)):
                    return "mat"
        raise
