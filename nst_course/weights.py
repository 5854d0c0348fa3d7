"""The VGG weights: where to find them, which file formats they come in, and reading them.

The result of every reader is a :class:`VGGWeights`: the network's layer list in file order,
each entry with its name, its MatConvNet type and, for convolutions, the kernel (k, k, in, out)
float32 and bias (out,) float32, used as stored (MatConvNet's (height, width, in, out) order,
which is what the course feeds to ``tf.nn.conv2d``).

Sources (:func:`load_weights`):

- a MatConvNet ``.mat`` (``imagenet-vgg-verydeep-19.mat`` or ``-16.mat``; current or older
  layout); the first load of a large one writes a compact ``.npz`` cache of its conv layers
  (:mod:`nst_course.weights_cache`) that later loads read instead;
- Keras's ``vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`` (:mod:`nst_course.weights_keras`);
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
import struct
import sys
from collections import namedtuple
from dataclasses import dataclass, field

import numpy as np

from .errors import WeightsError
from .layers import VGG16_LAYERS, VGG19_LAYERS, conv_part

#: The environment variable that names the weights file (or ``random``).
ENV_VAR = "NST_VGG_MODEL"
#: The file name of the MatConvNet VGG-19 weights.
DEFAULT_NAME = "imagenet-vgg-verydeep-19.mat"
#: The command that fetches the weights (named in messages).
DOWNLOAD_COMMAND = "nst-course weights download"

#: A published weights file: its name, layout, and what is known of its size and checksums.
KnownFile = namedtuple("KnownFile", "name layout url size sha256 md5")

KNOWN_FILES = (
    KnownFile(DEFAULT_NAME, "matconvnet-current",
              "https://www.vlfeat.org/matconvnet/models/imagenet-vgg-verydeep-19.mat",
              534904783, "abdb57167f82a2a1fbab1e1c16ad9373411883f262a1a37ee5db2e6fb0044695",
              "106118b7cf60435e6d8e04f6a6dc3657"),
    KnownFile(DEFAULT_NAME, "matconvnet-older", None, None, None,
              "8ee3263992981a1d26e73b3ca028a123"),
    KnownFile("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", "keras-h5",
              "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
              "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
              None, None, "253f8cb515780f3b799900260a226db6"),
)
#: The file ``nst-course weights download`` fetches by default.
DEFAULT_FILE = KNOWN_FILES[0]

#: Human-readable names of the layouts (``VGGWeights.layout``).
LAYOUTS = {
    "matconvnet-current": "MatConvNet, current layout (layers + meta)",
    "matconvnet-older": "MatConvNet, older layout (layers + normalization)",
    "matconvnet": "MatConvNet (layers only)",
    "keras-h5": "Keras h5 (vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5 layout)",
    "random": "untrained network (He-scaled normal weights, fixed seed)",
    "cache": "nst-course conv-layer cache (.npz)",
}


@dataclass
class VGGLayer:
    name: str
    type: str
    kernel: np.ndarray = None
    bias: np.ndarray = None


@dataclass
class VGGWeights:
    """A VGG network's layers in order; ``layout`` names where they came from."""

    layers: list
    layout: str = "unknown"
    source: str = None
    meta: dict = field(default_factory=dict)

    def names(self):
        return [layer.name for layer in self.layers]

    def __getitem__(self, name):
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def depth(self):
        """19 or 16, from the layer names (validated by :func:`validate`)."""
        return 16 if "conv5_4" not in self.names() else 19

    def drop_arrays(self):
        """Forget the kernels and biases, keeping names, layout and source (for reports).

        For a run whose graph holds its own copy of the weights: frees the arrays (or the
        pages of a memory-mapped cache). These weights cannot build a network afterwards.
        """
        for layer in self.layers:
            layer.kernel = layer.bias = None


# --------------------------------------------------------------------------- lookup


def cache_dir():
    """The per-user cache directory: ``$XDG_CACHE_HOME/nst-course`` (when XDG_CACHE_HOME is an
    absolute path, as the XDG spec asks), else ``~/.cache/nst-course``. Not created here."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "nst-course")


def default_locations():
    """The places searched after ``$NST_VGG_MODEL``, in order: [(description, path)]."""
    from .config import CONFIG

    return [
        ("the course's place under the working directory", CONFIG.VGG_MODEL),
        ("the user cache", os.path.join(cache_dir(), DEFAULT_NAME)),
    ]


def searched_places():
    """One line naming every place the lookup order searches (for messages)."""
    env = os.environ.get(ENV_VAR)
    places = ["$%s (%s)" % (ENV_VAR, env if env else "unset")]
    places += [path for _, path in default_locations()]
    return ", ".join(places)


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
        searched_places(), DOWNLOAD_COMMAND)


def untrained_warning():
    """The lines printed when the main job falls back to the untrained network."""
    bar = "!" * 78
    return "\n".join([
        bar,
        "WARNING: no pretrained VGG-19 weights found (searched %s)." % searched_places(),
        "WARNING: using an UNTRAINED network (random He-scaled weights). It still carries the",
        "WARNING: style's palette and fine texture onto the content, but the result is weaker.",
        "WARNING: get the real weights (510 MB) with:   %s" % DOWNLOAD_COMMAND,
        "WARNING: or pass --require-pretrained to make this an error.",
        bar,
    ])


def weights_for_run(source=None, require_pretrained=False, warn=None):
    """The weights of the main job: :func:`load_weights` on the lookup order's result, or, when
    nothing is found, the untrained network after printing :func:`untrained_warning` (to
    stderr, or through ``warn(text)``). With ``require_pretrained`` a missing file is an
    error and ``'random'`` is refused."""
    if require_pretrained and source == "random":
        raise WeightsError("--weights random contradicts --require-pretrained; drop one of them")
    found = find_weights(source)
    if found == "random" and require_pretrained:
        raise WeightsError("$%s=random contradicts --require-pretrained; unset it or drop the flag"
                           % ENV_VAR)
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


# --------------------------------------------------------------------------- file formats

MAT5_MAGIC = b"MATLAB 5.0 MAT-file"
MAT73_MAGIC = b"MATLAB 7.3 MAT-file"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
ZIP_MAGIC = b"PK\x03\x04"


def check_file(path):
    """Raise :class:`WeightsError` unless ``path`` is an existing, non-empty regular file."""
    if not os.path.exists(path):
        raise WeightsError("weights file not found: %s; run `%s` or give the right path"
                           % (path, DOWNLOAD_COMMAND))
    if os.path.isdir(path):
        raise WeightsError("weights path is a directory, not a file: %s" % path)
    if os.path.getsize(path) == 0:
        raise WeightsError("weights file %s is empty (0 bytes); download it again" % path)


def detect_format(path):
    """The file's format from its first bytes: 'mat' (MATLAB v5), 'h5' (HDF5, as Keras
    writes), 'npz' (the conv-layer cache). Raises :class:`WeightsError` for anything else."""
    path = os.fspath(path)
    check_file(path)
    with open(path, "rb") as fh:
        head = fh.read(520)
    if head.startswith(MAT73_MAGIC):
        raise WeightsError(
            "%s is a MATLAB v7.3 (HDF5) file; MatConvNet weights are v5 files: use the published "
            "file or save it with -v7" % path)
    if head.startswith(MAT5_MAGIC):
        return "mat"
    if head.startswith(HDF5_MAGIC) or head[512:520] == HDF5_MAGIC:
        return "h5"
    if head.startswith(ZIP_MAGIC):
        return "npz"
    raise WeightsError(
        "%s is not a VGG weights file (expected a MatConvNet .mat, a Keras .h5 or an .npz cache; "
        "it starts with %r)" % (path, head[:16]))


def check_mat_complete(path):
    """Walk the top-level elements of a MATLAB v5 file; raise :class:`WeightsError` when the
    last one runs past the end of the file (a truncated download). Reads only the 8-byte tags."""
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        header = fh.read(128)
        if len(header) < 128:
            raise WeightsError("%s is truncated (%d bytes, shorter than a .mat header); download "
                               "it again" % (path, size))
        endian = "<" if header[126:128] == b"IM" else ">"
        pos = 128
        while pos < size:
            fh.seek(pos)
            tag = fh.read(8)
            if len(tag) < 8:
                break
            mtype, nbytes = struct.unpack(endian + "II", tag)
            if mtype >> 16:  # small data element: type and size packed in 4 bytes, 4 data bytes
                nbytes, step = 0, 8
            else:
                step = 8 + nbytes
                if mtype != 15:  # miCOMPRESSED elements are not padded
                    step += (-nbytes) % 8
            if pos + 8 + nbytes > size:
                raise WeightsError(
                    "%s is truncated: an element at byte %d needs %d bytes, the file ends at %d; "
                    "download it again" % (path, pos, 8 + nbytes, size))
            pos += step


def read_matconvnet(path, keep_fc=True):
    """Read a MatConvNet VGG file (current or older layout) into :class:`VGGWeights`.

    Fields are read by name (``name``, ``type``, ``weights``), never by position: the two
    published layouts order a layer's fields differently. Only the ``layers`` variable is
    read (plus the names of the others, for the layout). ``keep_fc=False`` keeps the layers
    up to pool5 only, so the fc layers' 470 MB are dropped as soon as they have been parsed.
    """
    import scipy.io

    path = os.fspath(path)
    check_file(path)
    try:
        check_mat_complete(path)
        names = [entry[0] for entry in scipy.io.whosmat(path)]
        mat = scipy.io.loadmat(path, variable_names=["layers"])
    except WeightsError:
        raise
    except Exception as exc:  # scipy raises several types for bad/truncated files
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise WeightsError(
            "cannot read %s as a MATLAB .mat file (%s); is it truncated or not a .mat?"
            % (path, reason)
        ) from None
    for name in names:  # the layout is told by the other variables' names
        mat.setdefault(name, None)
    return weights_from_mat(mat, path, keep_fc=keep_fc)


def weights_from_mat(mat, source="<mat>", keep_fc=True):
    """:class:`VGGWeights` from the dict that ``scipy.io.loadmat`` returned."""
    if "layers" not in mat or mat["layers"] is None:
        keys = sorted(k for k in mat if not k.startswith("__"))
        raise WeightsError(
            "%s has no 'layers' variable (found: %s); not a MatConvNet VGG file"
            % (source, ", ".join(keys) or "nothing")
        )
    if "meta" in mat:
        layout = "matconvnet-current"
    elif "normalization" in mat:
        layout = "matconvnet-older"
    else:
        layout = "matconvnet"
    cells = np.asarray(mat["layers"]).reshape(-1)
    layers = []
    for i, cell in enumerate(cells):
        where = "%s: layer %d" % (source, i)
        try:
            struct_ = np.asarray(cell).reshape(-1)[0]
        except (IndexError, TypeError):
            raise WeightsError("%s is not a struct" % where) from None
        if getattr(struct_, "dtype", None) is None or struct_.dtype.names is None:
            raise WeightsError("%s is not a struct" % where)
        name = _text(_struct_field(struct_, "name", where))
        kind = _text(_struct_field(struct_, "type", where))
        kernel = bias = None
        if kind == "conv":
            wb = np.asarray(_struct_field(struct_, "weights", where + " (%s)" % name)).reshape(-1)
            if wb.size < 2:
                raise WeightsError("%s (%s) has no kernel and bias" % (where, name))
            try:
                kernel = np.asarray(wb[0], dtype=np.float32)
                bias = np.asarray(wb[1], dtype=np.float32).reshape(-1)
            except (TypeError, ValueError):
                raise WeightsError("%s (%s): kernel or bias is not numeric" % (where, name)) from None
        layers.append(VGGLayer(name, kind, kernel, bias))
        if not keep_fc and name == "pool5":
            break
    return VGGWeights(layers, layout=layout, source=source)


def _text(value):
    """A MatConvNet char field as a Python str (loadmat gives array(['conv1_1']))."""
    value = np.asarray(value)
    if value.size == 0:
        return ""
    return str(value.reshape(-1)[0])


def _struct_field(struct_, name, where):
    names = struct_.dtype.names or ()
    if name not in names:
        raise WeightsError("%s has no field '%s' (fields: %s)" % (where, name, ", ".join(names)))
    return struct_[name]


# --------------------------------------------------------------------------- validation


def expected_names(weights):
    """The conv-part layer names (up to pool5) the weights should have: VGG-19 or VGG-16."""
    names = weights.names()
    if "conv3_4" not in names and len(names) in (len(VGG16_LAYERS), len(conv_part(VGG16_LAYERS))):
        return conv_part(VGG16_LAYERS)
    return conv_part(VGG19_LAYERS)


def validate(weights):
    """Check names, types, kernel shapes and finiteness of the layers up to pool5.

    Raises :class:`WeightsError` naming the first problem found.
    """
    expected = expected_names(weights)
    names = weights.names()
    src = weights.source or "weights"
    for i, want in enumerate(expected):
        if i >= len(names):
            raise WeightsError("%s ends after %d layers; layer '%s' is missing" % (src, i, want))
        if names[i] != want:
            raise WeightsError(
                "%s: layer %d is named '%s', expected '%s'; not a VGG-19/VGG-16 MatConvNet file"
                % (src, i, names[i], want)
            )
    in_channels = 3
    for layer in weights.layers[: len(expected)]:
        if not layer.name.startswith("conv"):
            continue
        k = layer.kernel
        if k is None or k.ndim != 4 or k.shape[0] != k.shape[1] or k.shape[2] != in_channels:
            raise WeightsError(
                "%s: layer '%s' has a kernel of shape %s, expected (k, k, %d, out)"
                % (src, layer.name, None if k is None else tuple(k.shape), in_channels)
            )
        if layer.bias is None or layer.bias.shape != (k.shape[3],):
            raise WeightsError(
                "%s: layer '%s' has a bias of shape %s, expected (%d,)"
                % (src, layer.name, None if layer.bias is None else layer.bias.shape, k.shape[3])
            )
        # a float64 sum is finite exactly when every value is (no float32 value can overflow it)
        if not (np.isfinite(np.add.reduce(k, axis=None, dtype=np.float64))
                and np.isfinite(np.add.reduce(layer.bias, axis=None, dtype=np.float64))):
            raise WeightsError("%s: layer '%s' contains NaN or Inf values" % (src, layer.name))
        in_channels = k.shape[3]
    return weights


# --------------------------------------------------------------------------- loading


def load_weights(source=None, cache=None):
    """Weights from ``source``, in the course's (MatConvNet, RGB-input) convention.

    ``source`` -- a :class:`VGGWeights` (returned as is), ``'random'`` (the untrained
    fallback: VGG-19 shapes, He-scaled normal weights, seed 0), a path to a MatConvNet .mat,
    a Keras .h5 or an .npz cache, or None for the lookup order of :func:`find_weights`
    (a :class:`WeightsError` when it finds nothing: the library never falls back silently).

    ``cache`` -- for .mat files: True reads/writes the conv-layer cache, False never does,
    None (default) uses it for files of at least ``weights_cache.MIN_SOURCE_BYTES`` unless
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
        from .weights_cache import read_cache

        return read_cache(path)
    if kind == "h5":
        from .weights_keras import read_keras_h5

        return validate(read_keras_h5(path))
    from . import weights_cache

    if weights_cache.wanted(path, cache):
        return weights_cache.load_with_cache(path)
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
