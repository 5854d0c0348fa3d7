"""Reading image files for the main job: any mode to 8-bit RGB, checked, resized.

The course's own functions expect images of exactly the right size; :func:`load_image` is how
``nst-course run`` (and the figures, the batch) reads whatever file it is given. Every problem
is an :class:`~nst_course.errors.ImageError` with one line naming the file and what to do.
"""

import os
import warnings
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ImageError
from .packaged import demo_fallback

#: The smallest image side the network accepts, in pixels. VGG halves the image five times
#: (five 2x2 poolings, 2**5 = 32): from 32 px on, every pooling still averages real pixels
#: and the deepest layers keep at least a 1x1 map made of the image rather than of padding.
MIN_SIDE = 32

#: Default largest input image, in pixels (50 megapixels, more than ordinary cameras give);
#: ``--max-pixels`` raises it. Guards against huge files and decompression bombs.
MAX_PIXELS = 50_000_000


def _open_error(path: str, exc: BaseException) -> ImageError:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ImageError("cannot read image %s (%s); check the file" % (path, reason))


def _check_readable(path: str) -> None:
    """Refuse a missing path, a directory, an unreadable or empty file with a clear line."""
    if not os.path.lexists(path):
        raise ImageError("image not found: %s; check the path (quote names with spaces)" % path)
    if not os.path.exists(path):
        raise ImageError("image %s is a broken link; point to the real file" % path)
    if os.path.isdir(path):
        raise ImageError("%s is a directory, not an image file; give the image's path" % path)
    if not os.path.isfile(path):  # a pipe or a device: reading it could block forever
        raise ImageError(
            "%s is not a regular file (a pipe or a device?); give an image file" % path
        )
    try:
        with open(path, "rb") as fh:
            first = fh.read(1)
    except PermissionError:
        raise ImageError(
            "cannot read image %s: permission denied; check the file's permissions" % path
        ) from None
    except OSError as exc:
        raise _open_error(path, exc) from None
    if not first:
        raise ImageError(
            "image %s is an empty file; give a JPEG, PNG, GIF, BMP, TIFF or WebP image" % path
        )


def _to_rgb(img: Any) -> Any:
    """Any Pillow mode as 8-bit RGB: 16/32-bit grey scaled down, transparency over white."""
    mode = img.mode
    if mode.startswith("I;16") or mode in ("I", "F"):
        values = np.asarray(img, dtype=np.float64)
        top = values.max() if values.size else 0
        if mode.startswith("I;16") or top > 255:
            scale = 65535.0 if top <= 65535 else float(top)
            values = values * (255.0 / scale)
        elif mode == "F" and top <= 1.0:
            values = values * 255.0
        grey = np.clip(np.rint(values), 0, 255).astype(np.uint8)
        return Image.fromarray(grey, "L").convert("RGB")
    if mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img.convert("RGB")


def _open(path: str) -> Any:
    """Pillow's lazy image of ``path`` (header read, pixels not yet), or a one-line error.

    Pillow's own decompression-bomb limit (``Image.MAX_IMAGE_PIXELS``) stays as the process
    has it: ours (``max_pixels``) is checked by :func:`_check_size`, before any decoding.
    """
    try:
        with warnings.catch_warnings():  # Pillow's warning above its limit: ours decides
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(path)
    except UnidentifiedImageError:
        raise ImageError(
            "%s is not an image that can be read (JPEG, PNG, GIF, BMP, TIFF, "
            "WebP ...); give an image file" % path
        ) from None
    except Image.DecompressionBombError as exc:
        raise ImageError(
            "image %s is too large to read safely (%s); shrink it" % (path, exc)
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise _open_error(path, exc) from None


def _check_size(path: str, size: tuple[int, int], max_pixels: int | None, min_side: int) -> None:
    w, h = size
    if max_pixels is not None and w * h > max_pixels:
        raise ImageError(
            "image %s is %dx%d = %d pixels, above the limit of %d; shrink it or pass "
            "--max-pixels %d" % (path, w, h, w * h, max_pixels, w * h)
        )
    if min(w, h) < min_side:
        raise ImageError(
            "image %s is only %dx%d pixels; images must be at least %dx%d (the network "
            "halves them five times)" % (path, w, h, min_side, min_side)
        )


def _decode(path: str, img: Any) -> Any:
    """The first frame of ``img``, turned as its EXIF says, as 8-bit RGB (a Pillow image)."""
    try:
        img.seek(0)  # the first frame of an animation
        img.load()
        try:
            oriented = ImageOps.exif_transpose(img)
        except Exception:  # noqa: BLE001 - a broken EXIF block: keep the pixels as stored
            oriented = img
        return _to_rgb(oriented)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ImageError(
            "image %s is damaged or truncated (%s); export or download it again" % (path, reason)
        ) from None


def load_image(
    path: str | os.PathLike,
    width: int | None = None,
    height: int | None = None,
    max_pixels: int | None = MAX_PIXELS,
    min_side: int = MIN_SIDE,
) -> np.ndarray:
    """Read an image file as (height, width, 3) uint8 RGB, resized to ``width`` x ``height``.

    Any mode is converted to RGB (grayscale, RGBA and palette -- transparency over white --,
    16-bit, CMYK); the EXIF orientation of photos is honoured; an animated GIF gives its first
    frame. Resizing uses Pillow's Lanczos filter; with ``width``/``height`` None the image keeps
    its size. The course's own functions keep expecting images of exactly the right size:
    this is the main job's way in.

    Raises :class:`~nst_course.errors.ImageError` with a one-line message for a missing or
    unreadable file, a directory, a file that is not an image, a truncated image, an image
    with a side under ``min_side`` pixels or with more than ``max_pixels`` pixels (None: no
    limit).
    """
    path = demo_fallback(os.fspath(path))  # images/NAME: the shipped demo image if not here
    _check_readable(path)
    with _open(path) as img:
        _check_size(path, img.size, max_pixels, min_side)
        rgb = _decode(path, img)
    if width is not None and height is not None and rgb.size != (width, height):
        rgb = rgb.resize((int(width), int(height)), Image.Resampling.LANCZOS)
    return np.asarray(rgb, dtype=np.uint8)
