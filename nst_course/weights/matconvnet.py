"""Reading MatConvNet ``.mat`` VGG files (current and older layouts), and telling a weights
file's format from its first bytes."""

import os
import struct

import numpy as np

from ..errors import WeightsError
from .model import DOWNLOAD_COMMAND, VGGLayer, VGGWeights

MAT5_MAGIC = b"MATLAB 5.0 MAT-file"
MAT73_MAGIC = b"MATLAB 7.3 MAT-file"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
ZIP_MAGIC = b"PK\x03\x04"


def check_file(path):
    """Raise :class:`WeightsError` unless ``path`` is an existing, non-empty regular file."""
    if not os.path.exists(path):
        raise WeightsError(
            "weights file not found: %s; run `%s` or give the right path" % (path, DOWNLOAD_COMMAND)
        )
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
            "file or save it with -v7" % path
        )
    if head.startswith(MAT5_MAGIC):
        return "mat"
    if head.startswith(HDF5_MAGIC) or head[512:520] == HDF5_MAGIC:
        return "h5"
    if head.startswith(ZIP_MAGIC):
        return "npz"
    raise WeightsError(
        "%s is not a VGG weights file (expected a MatConvNet .mat, a Keras .h5 or an .npz cache; "
        "it starts with %r)" % (path, head[:16])
    )


def check_mat_complete(path):
    """Walk the top-level elements of a MATLAB v5 file; raise :class:`WeightsError` when the
    last one runs past the end of the file (a truncated download). Reads only the 8-byte tags."""
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        header = fh.read(128)
        if len(header) < 128:
            raise WeightsError(
                "%s is truncated (%d bytes, shorter than a .mat header); download "
                "it again" % (path, size)
            )
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
                    "download it again" % (path, pos, 8 + nbytes, size)
                )
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
                raise WeightsError(
                    "%s (%s): kernel or bias is not numeric" % (where, name)
                ) from None
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
