"""Working stand-ins for the image functions SciPy removed from ``scipy.misc`` (in SciPy 1.2/1.3).

The course's notebooks read images with ``scipy.misc.imread``; learners' copies sometimes also
use ``imresize``, ``imsave``, ``toimage``, ``fromimage`` or ``bytescale``. ``nst-course port``
rewrites ``scipy.misc.NAME`` to ``scipy_misc.NAME`` (this module). Each function keeps the old
signature and returns what the old one returned, built on Pillow:

- :func:`imread` -> ``numpy.ndarray`` uint8, (H, W) for grey images, (H, W, 3) for RGB,
  (H, W, 4) for RGBA (palette images are expanded); ``flatten=True`` gives float32 (H, W).
- :func:`imresize` -> uint8 array; ``size`` is a percentage (int), a fraction (float) or
  (height, width); non-uint8 input is first byte-scaled to 0..255 (as the old one did).
- :func:`imsave` writes uint8 arrays as they are and byte-scales any other dtype
  (min -> 0, max -> 255), exactly the old behaviour (a well-known surprise with floats).
"""

import numpy as np
from PIL import Image

#: The names this module provides (what ``nst-course port`` rewrites).
PROVIDED = ("imread", "imsave", "imresize", "toimage", "fromimage", "bytescale")

_INTERP = {"nearest": 0, "lanczos": 1, "bilinear": 2, "bicubic": 3, "cubic": 3}


def bytescale(data, cmin=None, cmax=None, high=255, low=0):
    """Scale ``data`` linearly to uint8: cmin -> low, cmax -> high (defaults: data's min, max).

    uint8 input is returned unchanged. out = (data - cmin) * (high - low) / (cmax - cmin) + low,
    rounded half up and clipped to [low, high].
    """
    data = np.asarray(data)
    if data.dtype == np.uint8:
        return data
    if high > 255 or low < 0 or high < low:
        raise ValueError("bytescale needs 0 <= low <= high <= 255")
    cmin = data.min() if cmin is None else cmin
    cmax = data.max() if cmax is None else cmax
    span = cmax - cmin
    if span < 0:
        raise ValueError("cmax must be >= cmin")
    if span == 0:
        span = 1
    scale = float(high - low) / span
    out = (data - cmin) * scale + low
    return (np.clip(out, low, high) + 0.5).astype(np.uint8)


def fromimage(im, flatten=False, mode=None):
    """A Pillow image as a numpy array (palette images expanded to RGB/RGBA)."""
    if not isinstance(im, Image.Image):
        raise TypeError("fromimage needs a PIL image")
    if mode is not None:
        if mode != im.mode:
            im = im.convert(mode)
    elif im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if flatten:
        im = im.convert("F")
    elif im.mode == "1":
        im = im.convert("L")
    return np.array(im)


def imread(name, flatten=False, mode=None):
    """Read an image file as an array (the old ``scipy.misc.imread``): uint8 (H, W, 3) for a
    JPEG photo; ``flatten=True``: float32 grey (H, W); ``mode``: a Pillow mode to convert to."""
    with Image.open(name) as im:
        return fromimage(im, flatten=flatten, mode=mode)


def toimage(arr, high=255, low=0, cmin=None, cmax=None, pal=None, mode=None, channel_axis=None):
    """An array as a Pillow image: 2-D -> 'L', (H, W, 3) -> 'RGB', (H, W, 4) -> 'RGBA'.

    Arrays that are not uint8 are byte-scaled to [low, high] first (see :func:`bytescale`).
    ``channel_axis`` moves the colour axis last when it is elsewhere.
    """
    data = np.asarray(arr)
    if np.iscomplexobj(data):
        raise ValueError("cannot convert a complex array to an image")
    if channel_axis is not None and data.ndim == 3:
        data = np.moveaxis(data, channel_axis, -1)
    if data.ndim == 3 and data.shape[-1] not in (3, 4) and data.shape[0] in (3, 4):
        data = np.moveaxis(data, 0, -1)  # colour first: the old function accepted it too
    if data.ndim == 2:
        if mode == "F":
            return Image.fromarray(data.astype(np.float32), "F")
        if mode == "I":
            return Image.fromarray(data.astype(np.int32), "I")
        image = Image.fromarray(bytescale(data, cmin, cmax, high, low), "L")
        if pal is not None:
            image = image.convert("P")
            image.putpalette(np.asarray(pal, dtype=np.uint8).ravel().tolist())
        return image
    if data.ndim != 3 or data.shape[-1] not in (3, 4):
        raise ValueError(
            "an image array must be (H, W), (H, W, 3) or (H, W, 4); got %s" % (data.shape,)
        )
    channels = data.shape[-1]
    return Image.fromarray(
        bytescale(data, cmin, cmax, high, low), mode or ("RGB" if channels == 3 else "RGBA")
    )


def imsave(name, arr, format=None):
    """Save an array as an image file (the old ``scipy.misc.imsave``; non-uint8 is byte-scaled)."""
    image = toimage(arr, channel_axis=2)
    if format is None:
        image.save(name)
    else:
        image.save(name, format)


def imresize(arr, size, interp="bilinear", mode=None):
    """Resize an image array (the old ``scipy.misc.imresize``); returns uint8.

    ``size``: int -> percent of the current size, float -> fraction, tuple -> (height, width)
    (a third entry, channels, is ignored). ``interp``: nearest, lanczos, bilinear, bicubic, cubic.
    """
    image = toimage(arr, mode=mode)
    height, width = np.asarray(arr).shape[:2]
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        new = (int(width * size / 100.0), int(height * size / 100.0))
    elif isinstance(size, (float, np.floating)):
        new = (int(width * size), int(height * size))
    else:
        new = (int(size[1]), int(size[0]))
    if interp not in _INTERP:
        raise ValueError("interp must be one of %s" % ", ".join(sorted(_INTERP)))
    return fromimage(image.resize(new, resample=_INTERP[interp]))


def __getattr__(name):
    raise AttributeError(
        "scipy.misc.%s is not provided by nst-course's stand-in (only %s); use Pillow or imageio "
        "for it" % (name, ", ".join(PROVIDED))
    )
