"""A compact cache of a MatConvNet file's conv layers, so that later loads skip the .mat.

The 510 MB ``imagenet-vgg-verydeep-19.mat`` is mostly fully connected layers the style
transfer never uses; ``scipy.io.loadmat`` must parse all of it. The first load writes the
layers up to pool5 (80 MB of float32) to an uncompressed ``.npz`` and later loads read that.

Where: ``<cache_dir>/npz/<file stem>-<first 16 hex digits of SHA-256(absolute source path)>.npz``
(:func:`cache_path`; ``cache_dir`` is ``$XDG_CACHE_HOME/nst-course`` or ``~/.cache/nst-course``).

Format (``numpy.savez``, read with ``allow_pickle=False``; every entry a plain array):

    format            'nst-course-vgg-conv-cache-1'
    source            absolute path of the .mat it was made from
    source_size       its size in bytes (int64)
    source_mtime_ns   its modification time in ns (int64)
    layout            the source's layout ('matconvnet-current', ...)
    names, types      the layer names and MatConvNet types up to pool5 (unicode arrays)
    kernel_<name>     (k, k, in, out) float32, for each conv layer
    bias_<name>       (out,) float32

Reading maps the file into memory (the arrays are read-only views of it; each member's CRC-32
is checked) instead of copying it through ``zipfile``: about twice as fast as ``numpy.load``.

The cache is used only while the source's size and mtime_ns equal the stored ones; otherwise
it is rebuilt. It is written atomically (temporary file + rename), so a crash never leaves a
half-written cache behind.
"""

import hashlib
import io
import mmap
import os
import struct
import sys
import zipfile
import zlib

import numpy as np

from ..errors import WeightsError
from ..files import atomic_write
from .matconvnet import read_matconvnet
from .model import VGGLayer, VGGWeights, validate
from .places import cache_dir

FORMAT = "nst-course-vgg-conv-cache-1"
#: With ``cache=None``, .mat files at least this large are cached (tiny test files are not).
MIN_SOURCE_BYTES = 32 * 1024 * 1024
#: Set to 0 to switch the automatic cache off.
ENV_VAR = "NST_VGG_CACHE"


def cache_path(source):
    """Where the cache of ``source`` lives (see the module docstring)."""
    absolute = os.path.abspath(os.fspath(source))
    digest = hashlib.sha256(absolute.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    stem = os.path.splitext(os.path.basename(absolute))[0]
    return os.path.join(cache_dir(), "npz", "%s-%s.npz" % (stem, digest))


def wanted(source, cache=None):
    """Whether :func:`~nst_course.weights.load_weights` should use the cache for ``source``."""
    if cache is not None:
        return bool(cache)
    if os.environ.get(ENV_VAR, "1").strip().lower() in ("0", "no", "off", "false"):
        return False
    try:
        return os.path.getsize(source) >= MIN_SOURCE_BYTES
    except OSError:
        return False


def source_stamp(source):
    """(absolute path, size, mtime_ns) of the source file: what invalidates a cache."""
    st = os.stat(source)
    return os.path.abspath(os.fspath(source)), int(st.st_size), int(st.st_mtime_ns)


def write_cache(weights, path, stamp):
    """Write the conv part of ``weights`` (a validated :class:`VGGWeights`) to ``path``."""
    source, size, mtime_ns = stamp
    arrays = {
        "format": np.array(FORMAT),
        "source": np.array(source),
        "source_size": np.array(size, dtype=np.int64),
        "source_mtime_ns": np.array(mtime_ns, dtype=np.int64),
        "layout": np.array(weights.layout),
        "names": np.array(weights.names()),
        "types": np.array([layer.type for layer in weights.layers]),
    }
    for layer in weights.layers:
        if layer.type == "conv":
            arrays["kernel_" + layer.name] = np.ascontiguousarray(layer.kernel, dtype=np.float32)
            arrays["bias_" + layer.name] = np.ascontiguousarray(layer.bias, dtype=np.float32)

    def save(tmp):
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)

    atomic_write(path, save)
    return path


def _load_arrays(path):
    """The arrays of an uncompressed .npz as read-only views of one memory map of the file.

    Each member's CRC-32 is checked, as ``zipfile`` would; dtypes that need pickle are refused.
    A member that is compressed (an .npz not written by :func:`write_cache`) is read with
    ``numpy.load`` instead.
    """
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        with open(path, "rb") as fh:
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        for info in infos:
            name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            if info.compress_type != zipfile.ZIP_STORED:
                with np.load(path, allow_pickle=False) as npz:
                    arrays[name] = npz[name]
                continue
            start = info.header_offset
            if mm[start : start + 4] != b"PK\x03\x04":
                raise ValueError("bad local header for %s" % info.filename)
            name_len, extra_len = struct.unpack("<HH", mm[start + 26 : start + 30])
            start += 30 + name_len + extra_len
            data = memoryview(mm)[start : start + info.file_size]
            if zlib.crc32(data) != info.CRC:
                raise ValueError("CRC-32 of %s does not match" % info.filename)
            head = io.BytesIO(data[:65600].tobytes())
            version = np.lib.format.read_magic(head)
            read_header = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = read_header(head)
            if dtype.hasobject:
                raise ValueError("%s holds Python objects" % info.filename)
            count = int(np.prod(shape, dtype=np.int64))
            array = np.frombuffer(data, dtype=dtype, count=count, offset=head.tell())
            arrays[name] = array.reshape(shape, order="F" if fortran else "C")
    return arrays


def read_cache(path, stamp=None):
    """Read a cache file into :class:`VGGWeights` (layout ``'cache'``; ``meta`` holds the
    source's path, size, mtime_ns and layout). With ``stamp`` (see :func:`source_stamp`),
    returns None when the cache was made from another path or another version of the file.
    Raises :class:`WeightsError` for a file that is not a readable cache."""
    path = os.fspath(path)
    try:
        npz = _load_arrays(path)
        if "format" not in npz or str(npz["format"]) != FORMAT:
            raise WeightsError(
                "%s is an .npz file but not an nst-course weights cache (%s)" % (path, FORMAT)
            )
        meta = {
            "source": str(npz["source"]),
            "source_size": int(npz["source_size"]),
            "source_mtime_ns": int(npz["source_mtime_ns"]),
            "source_layout": str(npz["layout"]),
            "cache": path,
        }
        if stamp is not None and (
            meta["source"],
            meta["source_size"],
            meta["source_mtime_ns"],
        ) != tuple(stamp):
            return None
        layers = []
        for name, kind in zip(npz["names"].tolist(), npz["types"].tolist()):
            if kind == "conv":
                layers.append(VGGLayer(name, kind, npz["kernel_" + name], npz["bias_" + name]))
            else:
                layers.append(VGGLayer(name, kind))
    except WeightsError:
        raise
    except (OSError, ValueError, KeyError, EOFError, struct.error, zipfile.BadZipFile) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise WeightsError(
            "cannot read the weights cache %s (%s); delete it and load the .mat "
            "again" % (path, reason)
        ) from None
    return validate(VGGWeights(layers, layout="cache", source=path, meta=meta))


def load_with_cache(source):
    """The conv layers of the .mat ``source``: from its cache when that is current, else read
    from the .mat (validated) and cached. A cache that cannot be written only warns."""
    source = os.fspath(source)
    stamp = source_stamp(source)
    cpath = cache_path(source)
    if os.path.isfile(cpath):
        try:
            cached = read_cache(cpath, stamp)
        except WeightsError:
            cached = None  # unreadable cache: rebuild it
        if cached is not None:
            return VGGWeights(
                cached.layers,
                layout=cached.meta["source_layout"],
                source=source,
                meta={"cache": cpath},
            )
    weights = validate(read_matconvnet(source, keep_fc=False))
    try:
        write_cache(weights, cpath, stamp)
        weights.meta["cache"] = cpath
    except OSError as exc:
        print(
            "nst-course: warning: could not write the weights cache %s (%s); loading works, "
            "only slower" % (cpath, exc),
            file=sys.stderr,
        )
    return weights
