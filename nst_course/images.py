"""The course's image helpers (``nst_utils``): normalise, noise, save.

Images inside the graph are float arrays of shape (1, n_H, n_W, 3) with the VGG mean pixel
``CONFIG.MEANS`` subtracted; files on disk are ordinary 8-bit RGB images.
"""

import os
import tempfile

import imageio.v2 as imageio
import numpy as np

from .config import CONFIG


def reshape_and_normalize_image(image):
    """Prepare an (n_H, n_W, 3) RGB image for VGG: add the batch axis, subtract the means.

    Returns an array of shape (1, n_H, n_W, 3). No resizing is done, as in the course.
    """
    image = np.reshape(image, ((1,) + image.shape))
    # Subtract the mean to match the expected input of VGG16
    image = image - CONFIG.MEANS
    return image


def generate_noise_image(content_image, noise_ratio=CONFIG.NOISE_RATIO, seed=None):
    """A noisy copy of the content image: the starting point of the optimisation.

    G0 = noise * noise_ratio + content_image * (1 - noise_ratio), noise ~ U(-20, 20).

    Arguments:
    content_image -- normalised content image, shape (1, n_H, n_W, 3)
    noise_ratio -- share of noise in the mix (the course's 0.6 by default)
    seed -- None draws from numpy's global random state, as the course does; an int or a
            ``numpy.random.Generator`` makes the noise reproducible

    Returns:
    input_image -- array of the content image's shape
    """
    shape = np.shape(content_image)
    if len(shape) != 4:
        shape = (1, CONFIG.IMAGE_HEIGHT, CONFIG.IMAGE_WIDTH, CONFIG.COLOR_CHANNELS)
    if seed is None:
        noise_image = np.random.uniform(-20, 20, shape).astype("float32")
    else:
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        noise_image = rng.uniform(-20, 20, shape).astype("float32")
    # Set the input_image to be a weighted average of the content_image and a noise_image
    input_image = noise_image * noise_ratio + content_image * (1 - noise_ratio)
    return input_image


def to_uint8(image):
    """Undo the normalisation: add ``CONFIG.MEANS``, clip to [0, 255], uint8, drop the batch axis."""
    image = np.asarray(image) + CONFIG.MEANS
    return np.clip(image[0], 0, 255).astype("uint8")


def _umask():
    """The process's file-creation mask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path, write):
    """Call ``write(tmp_path)`` and then move ``tmp_path`` onto ``path`` in one rename.

    The temporary file sits in the target's directory (created if missing) and keeps the
    target's extension, so format detection by name still works. A crash or an exception
    in ``write`` leaves ``path`` as it was and no temporary file behind.
    """
    path = os.fspath(path)
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    base, ext = os.path.splitext(os.path.basename(path))
    fd, tmp = tempfile.mkstemp(prefix="." + base + ".", suffix=".tmp" + ext, dir=directory)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 -> what open() would have given
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def save_image(path, image):
    """Save a normalised (1, n_H, n_W, 3) image to ``path`` as 8-bit RGB.

    Adds ``CONFIG.MEANS`` back, clips to [0, 255], converts to uint8 and writes ``image[0]``
    with imageio. The parent directory is created; the file is written atomically.
    """
    pixels = to_uint8(image)
    ext = os.path.splitext(os.fspath(path))[1].lower()
    kwargs = {"quality": 95} if ext in (".jpg", ".jpeg") else {}
    atomic_write(path, lambda tmp: imageio.imwrite(tmp, pixels, **kwargs))
    return path


#: The smallest image side the network accepts, in pixels. VGG halves the image five times
#: (five 2x2 poolings, 2**5 = 32): from 32 px on, every pooling still averages real pixels
#: and the deepest layers keep at least a 1x1 map made of the image rather than of padding.
MIN_SIDE = 32

#: Default largest input image, in pixels (50 megapixels, more than ordinary cameras give);
#: ``--max-pixels`` raises it. Guards against huge files and decompression bombs.
MAX_PIXELS = 50_000_000


def _open_error(path, exc):
    from .errors import ImageError

    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ImageError("cannot read image %s (%s); check the file" % (path, reason))


def _check_readable(path):
    """Refuse a missing path, a directory, an unreadable or empty file with a clear line."""
    from .errors import ImageError

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


def _to_rgb(img):
    """Any Pillow mode as 8-bit RGB: 16/32-bit grey scaled down, transparency over white."""
    from PIL import Image

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


def load_image(path, width=None, height=None, max_pixels=MAX_PIXELS, min_side=MIN_SIDE):
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
    from PIL import Image, ImageOps, UnidentifiedImageError

    from .errors import ImageError
    from .packaged import demo_fallback

    path = demo_fallback(os.fspath(path))  # images/NAME: the shipped demo image if not here
    _check_readable(path)
    saved_limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None  # our own limit below; Pillow's would warn or refuse
    try:
        try:
            img = Image.open(path)
        except UnidentifiedImageError:
            raise ImageError(
                "%s is not an image that can be read (JPEG, PNG, GIF, BMP, TIFF, "
                "WebP ...); give an image file" % path
            ) from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise _open_error(path, exc) from None
        with img:
            w, h = img.size
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
            try:
                img.seek(0)  # the first frame of an animation
                img.load()
                try:
                    oriented = ImageOps.exif_transpose(img)
                except Exception:  # noqa: BLE001 - a broken EXIF block: keep the pixels as stored
                    oriented = img
                rgb = _to_rgb(oriented)
            except (OSError, SyntaxError, ValueError, EOFError) as exc:
                reason = (
                    str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                )
                raise ImageError(
                    "image %s is damaged or truncated (%s); export or download it "
                    "again" % (path, reason)
                ) from None
    finally:
        Image.MAX_IMAGE_PIXELS = saved_limit
    if width is not None and height is not None and rgb.size != (width, height):
        rgb = rgb.resize((int(width), int(height)), Image.LANCZOS)
    return np.asarray(rgb, dtype=np.uint8)
