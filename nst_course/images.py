"""The course's image helpers (``nst_utils``): normalise, noise, save.

Images inside the graph are float arrays of shape (1, n_H, n_W, 3) with the VGG mean pixel
``CONFIG.MEANS`` subtracted; files on disk are ordinary 8-bit RGB images. Reading image files
of any kind is the main job's (:mod:`nst_course.loading`); writing files atomically is
:mod:`nst_course.files`'s.
"""

import os

import imageio.v2 as imageio
import numpy as np

from .config import CONFIG
from .files import atomic_write


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
