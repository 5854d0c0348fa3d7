"""Colour preservation (``--preserve-colors``): the content's colours, the result's luminance.

The result and the content image are split into luma and chroma with the full-range
ITU-R BT.601 YCbCr transform of JPEG/JFIF (8-bit RGB in [0, 255])::

    Y  =       0.299    R + 0.587    G + 0.114    B
    Cb = 128 - 0.168736 R - 0.331264 G + 0.5      B
    Cr = 128 + 0.5      R - 0.418688 G - 0.081312 B

and the output is (Y of the result, Cb and Cr of the content), turned back into RGB::

    R = Y + 1.402 (Cr - 128)
    G = Y - 0.344136 (Cb - 128) - 0.714136 (Cr - 128)
    B = Y + 1.772 (Cb - 128)

rounded and clipped to 8 bits. Where clipping bites (very bright or dark saturated colours)
the chroma can only be kept approximately.
"""

import os

import imageio.v2 as imageio
import numpy as np

from ..files import atomic_write
from ..images import to_uint8

_TO_YCBCR = np.array(
    [
        [0.299, 0.587, 0.114],
        [-0.168736, -0.331264, 0.5],
        [0.5, -0.418688, -0.081312],
    ]
)
_FROM_YCBCR = np.array(
    [
        [1.0, 0.0, 1.402],
        [1.0, -0.344136, -0.714136],
        [1.0, 1.772, 0.0],
    ]
)
_OFFSET = np.array([0.0, 128.0, 128.0])


def rgb_to_ycbcr(rgb):
    """RGB (..., 3) in [0, 255] -> float64 YCbCr (..., 3), full range (Cb, Cr centred on 128)."""
    return np.asarray(rgb, dtype=np.float64) @ _TO_YCBCR.T + _OFFSET


def ycbcr_to_rgb(ycbcr):
    """Float64 YCbCr (..., 3) -> float64 RGB (..., 3), not clipped."""
    return (np.asarray(ycbcr, dtype=np.float64) - _OFFSET) @ _FROM_YCBCR.T


def preserve_colors(content_rgb, generated_rgb):
    """Luminance of ``generated_rgb``, chroma of ``content_rgb``; both (H, W, 3), returns uint8.

    The two images must have the same height and width.
    """
    content = rgb_to_ycbcr(content_rgb)
    generated = rgb_to_ycbcr(generated_rgb)
    if content.shape != generated.shape:
        raise ValueError(
            "content %s and generated %s images differ in shape" % (content.shape, generated.shape)
        )
    mixed = np.concatenate([generated[..., :1], content[..., 1:]], axis=-1)
    return np.clip(np.rint(ycbcr_to_rgb(mixed)), 0, 255).astype(np.uint8)


def save_preserving_colors(path, image, content_rgb):
    """Save a normalised (1, H, W, 3) image as :func:`~nst_course.images.save_image` does, but
    with the colours of ``content_rgb`` (H, W, 3 uint8). Written atomically."""
    pixels = preserve_colors(content_rgb, to_uint8(image))
    ext = os.path.splitext(os.fspath(path))[1].lower()
    kwargs = {"quality": 95} if ext in (".jpg", ".jpeg") else {}
    atomic_write(path, lambda tmp: imageio.imwrite(tmp, pixels, **kwargs))
    return path
