"""Start images beyond the course's noisy content image (``--init content-colors``): opt-in.

The content image recoloured with the style image's colour statistics in RGB (the
"colour histogram matching" of Gatys et al., *Preserving color in neural artistic style
transfer*, 2016, used the other way round): each pixel x (a 3-vector, 0-255) of the content
image becomes

    x' = A (x - mu_C) + mu_S,        A = Sigma_S^(1/2) Sigma_C^(-1/2)

with mu_C, Sigma_C (3,), (3, 3) the content pixels' mean and covariance and mu_S, Sigma_S the
style image's; the square roots are the symmetric ones (eigendecomposition). Then the mean of
x' is mu_S and its covariance A Sigma_C A^T = Sigma_S exactly, before x' is clipped to [0, 255].
The style cost's Gram matrices at the first layers see mostly colour, so a start that already
has the style's colours begins with a far lower style cost than the content image (see
docs/performance/time-to-picture.md for what it buys).
"""

import numpy as np

from ..config import CONFIG

#: The named start images of ``--init`` (any other value is an image file): the course's
#: noisy content image, the content image, the (first) style image, :func:`colour_matched`.
STARTS = ("noise", "content", "style", "content-colors")

#: Added to the covariance's eigenvalues before the inverse square root: a flat (single-colour)
#: channel would otherwise divide by zero. In grey levels squared.
EPSILON = 1e-3


def _sqrt_and_inverse_sqrt(cov):
    """Symmetric Sigma^(1/2) and Sigma^(-1/2) of a (3, 3) covariance matrix."""
    values, vectors = np.linalg.eigh(cov)
    values = np.maximum(values, 0.0) + EPSILON
    root = (vectors * np.sqrt(values)) @ vectors.T
    inverse_root = (vectors / np.sqrt(values)) @ vectors.T
    return root, inverse_root


def colour_transfer(content_rgb: np.ndarray, style_rgb: np.ndarray) -> np.ndarray:
    """The content pixels (..., 3) with the style pixels' (..., 3) RGB mean and covariance,
    as float64, not clipped (values in grey levels, 0-255 scale)."""
    x = np.asarray(content_rgb, dtype=np.float64).reshape(-1, 3)
    s = np.asarray(style_rgb, dtype=np.float64).reshape(-1, 3)
    mu_c, mu_s = x.mean(axis=0), s.mean(axis=0)
    _, inv_root_c = _sqrt_and_inverse_sqrt(np.cov(x, rowvar=False, bias=True))
    root_s, _ = _sqrt_and_inverse_sqrt(np.cov(s, rowvar=False, bias=True))
    A = root_s @ inv_root_c
    out = (x - mu_c) @ A.T + mu_s
    return out.reshape(np.shape(content_rgb))


def colour_matched(content: np.ndarray, style: np.ndarray) -> np.ndarray:
    """The start image for ``--init content-colors``: a normalised content image (1, H, W, 3)
    recoloured with the normalised style image's (1, h, w, 3) RGB mean and covariance
    (:func:`colour_transfer` on the de-normalised pixels), clipped to [0, 255] and
    normalised again: (1, H, W, 3) float32."""
    means = CONFIG.MEANS.reshape(1, 1, 1, 3)
    rgb = colour_transfer(np.asarray(content) + means, np.asarray(style) + means)
    return (np.clip(rgb, 0.0, 255.0) - means).astype(np.float32)
