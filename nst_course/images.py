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


def load_image(path, width=None, height=None):
    """Read an image file as (height, width, 3) uint8 RGB, resized to ``width`` x ``height``.

    Any mode is converted to RGB (grayscale, RGBA, palette, 16-bit). Resizing uses Pillow's
    Lanczos filter; with ``width``/``height`` None the image keeps its size. The course's
    own functions keep expecting images of exactly the right size: this is the main job's
    way in.
    """
    from PIL import Image

    with Image.open(os.fspath(path)) as img:
        img.load()
        rgb = img.convert("RGB")
    if width is not None and height is not None and rgb.size != (width, height):
        rgb = rgb.resize((int(width), int(height)), Image.LANCZOS)
    return np.asarray(rgb, dtype=np.uint8)
