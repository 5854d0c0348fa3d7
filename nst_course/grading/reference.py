"""Reference values in numpy (float64), and the values the known wrong approaches give.

The judge computes every expected value here, from the probes alone. ``CANDIDATES[name]`` lists
``(hint_id, function)`` pairs: the number a known mistake produces on the same inputs, so a
wrong result can be named. Shapes: activations ``(1, n_H, n_W, n_C)``; Gram inputs
``(n_C, n_H*n_W)``.
"""

import numpy as np

#: The course's published Expected Outputs (REFERENCE.md section 1).
PUBLISHED = {
    "compute_content_cost": 6.76559,
    "gram_matrix": [
        [6.42230511, -4.42912197, -2.09668207],
        [-4.42912197, 19.46583748, 19.56387138],
        [-2.09668207, 19.56387138, 20.6864624],
    ],
    "compute_layer_style_cost": 9.19028,
    "total_cost": 35.34667875478276,
}


def content_cost(a_C, a_G, k=4.0, dims=None, power=2, mean=False):
    """J_content = sum((a_C - a_G)^2) / (4 n_H n_W n_C); the keywords make the wrong variants."""
    _, n_H, n_W, n_C = a_G.shape
    d = a_C - a_G
    total = np.mean(d**2) if mean else np.sum(np.abs(d) ** power if power != 1 else d)
    n = (n_H * n_W * n_C) if dims is None else dims(n_H, n_W, n_C)
    return total / (k * n) if k else total


def unroll(a, how="right"):
    """(1, n_H, n_W, n_C) -> (n_C, n_H*n_W); ``how='straight'`` reshapes without the transpose,
    ``'then-transpose'`` gives the (n_H*n_W, n_C) matrix of reshaping straight and transposing."""
    _, n_H, n_W, n_C = a.shape
    if how == "right":
        return a.reshape(n_H * n_W, n_C).T
    straight = a.reshape(n_C, n_H * n_W)
    return straight if how == "straight" else straight.T


def gram(A):
    """G_A = A A^T."""
    return A @ A.T


def layer_style_cost(a_S, a_G, how="right", AtA=False, norm=None, diff="square", mean=False):
    """J_style^[l] = sum((G_S - G_G)^2) / (4 n_C^2 (n_H n_W)^2), and the wrong variants."""
    _, n_H, n_W, n_C = a_G.shape
    g = (lambda A: A.T @ A) if AtA else gram
    d = g(unroll(a_S, how)) - g(unroll(a_G, how))
    if diff == "square":
        total = np.mean(d**2) if mean else np.sum(d**2)
    elif diff == "abs":
        total = np.sum(np.abs(d))
    elif diff == "sqrt":
        total = np.sqrt(np.sum(d**2))
    else:
        total = np.sum(d)
    constant = 4.0 * n_C**2 * (n_H * n_W) ** 2 if norm is None else norm(n_H, n_W, n_C)
    return total / constant if constant else total


def total(J_content, J_style, alpha=10, beta=40):
    return alpha * J_content + beta * J_style


CANDIDATES = {
    "compute_content_cost": [
        ("missing-4", lambda c, g: content_cost(c, g, k=1.0)),
        ("reduce-mean", lambda c, g: content_cost(c, g, mean=True)),
        ("missing-constant", lambda c, g: content_cost(c, g, k=0)),
        ("wrong-dimensions", lambda c, g: content_cost(c, g, dims=lambda h, w, n: h * h * n)),
        ("wrong-dimensions", lambda c, g: content_cost(c, g, dims=lambda h, w, n: w * w * n)),
        ("no-square", lambda c, g: content_cost(c, g, power=1)),
        ("no-square", lambda c, g: np.sum(np.abs(c - g)) / (4.0 * np.prod(g.shape[1:]))),
        ("no-square", lambda c, g: np.sqrt(np.sum((c - g) ** 2)) / (4.0 * np.prod(g.shape[1:]))),
    ],
    "compute_layer_style_cost": [
        ("no-transpose", lambda s, g: layer_style_cost(s, g, how="straight")),
        ("reshape-then-transpose", lambda s, g: layer_style_cost(s, g, how="then-transpose")),
        ("gram-transposed", lambda s, g: layer_style_cost(s, g, AtA=True)),
        (
            "missing-4",
            lambda s, g: layer_style_cost(s, g, norm=lambda h, w, c: c**2 * (h * w) ** 2),
        ),
        (
            "missing-square-nC",
            lambda s, g: layer_style_cost(s, g, norm=lambda h, w, c: 4.0 * c * (h * w) ** 2),
        ),
        (
            "missing-square-nHnW",
            lambda s, g: layer_style_cost(s, g, norm=lambda h, w, c: 4.0 * c**2 * (h * w)),
        ),
        (
            "wrong-dimensions",
            lambda s, g: layer_style_cost(s, g, norm=lambda h, w, c: 4.0 * c**2 * (h * h) ** 2),
        ),
        (
            "wrong-dimensions",
            lambda s, g: layer_style_cost(s, g, norm=lambda h, w, c: 4.0 * c**2 * (w * w) ** 2),
        ),
        ("reduce-mean", lambda s, g: layer_style_cost(s, g, norm=lambda h, w, c: 1.0, mean=True)),
        ("reduce-mean", lambda s, g: layer_style_cost(s, g, mean=True)),
        ("missing-constant", lambda s, g: layer_style_cost(s, g, norm=lambda h, w, c: 1.0)),
        ("no-square", lambda s, g: layer_style_cost(s, g, diff="plain")),
        ("no-square", lambda s, g: layer_style_cost(s, g, diff="abs")),
        ("no-square", lambda s, g: layer_style_cost(s, g, diff="sqrt")),
    ],
    "gram_matrix": [
        ("gram-transposed", lambda A: A.T @ A),
    ],
}
