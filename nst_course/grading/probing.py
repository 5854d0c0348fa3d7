"""The inputs each check feeds a student's function: ``probes(name, seed=None)``.

A probe is a JSON-serialisable dict::

    {"id": "random-1", "kind": "call",
     "args": [{"as": "ndarray", "value": [[...]]}, {"as": "tensor", "value": [[...]]}],
     "kwargs": {"alpha": {"as": "number", "value": 1.0}}}

``as`` says how :func:`~nst_course.grading.observing.observe` hands the value over: a numpy
float32 array (``ndarray``), a float32 graph constant (``tensor``) or a Python float
(``number``). Kind ``course-cell`` is the course's own Expected Output cell: graph seed 1 and
``random_normal(shape, mean=1, stddev=4)`` draws of the listed shapes, run inside
:func:`~nst_course.seeding.tf1_seeding`, so the published numbers come out. Kind ``model_nn``
describes a tiny style-transfer run (image size, iterations, images as nested lists).

The published examples never change; the random ones (numpy ``RandomState``, normal with mean 1
and standard deviation 4, as the course's draws) depend on ``seed``, so a submission cannot
hard-code its answers. Shapes include non-square images and other channel counts.
"""

import numpy as np

from .points import GRADED

#: The seed of the random probes when none is given.
DEFAULT_SEED = 1

#: (1, n_H, n_W, n_C) shapes of the random activations: non-square, one channel, more channels.
ACTIVATION_SHAPES = [(1, 3, 5, 2), (1, 6, 4, 4), (1, 2, 7, 1), (1, 5, 5, 8)]
#: (n_C, n_H*n_W) shapes of the random Gram matrix inputs (one square one: n_C == n_H*n_W).
MATRIX_SHAPES = [(3, 5), (4, 4), (2, 6), (5, 3), (1, 4)]
#: model_nn's run: a 32x40 image, 21 iterations (prints at 0 and 20, as the course does every 20).
MODEL_NN = {"height": 32, "width": 40, "iterations": 21, "weights_seed": 0}


def _array(rng, shape):
    return (1 + 4 * rng.standard_normal(shape)).astype(np.float32)


def _spec(value, kind):
    if kind == "number":
        return {"as": "number", "value": float(value)}
    return {"as": kind, "value": np.asarray(value, dtype=np.float32).tolist()}


def _rng(seed, salt):
    seed = DEFAULT_SEED if seed is None else int(seed)
    return np.random.RandomState((seed * 7919 + salt) % (2**32))


def _activation_pair_probes(seed, salt):
    """The two-activations probes of compute_content_cost and compute_layer_style_cost."""
    rng = _rng(seed, salt)
    probes = [{"id": "published", "kind": "course-cell", "draws": [[1, 4, 4, 3], [1, 4, 4, 3]]}]
    for k, shape in enumerate(ACTIVATION_SHAPES):
        first = "ndarray" if k % 2 == 0 else "tensor"  # as in model_nn (a_C numpy) and in the test
        probes.append(
            {
                "id": "random-%d" % (k + 1),
                "kind": "call",
                "args": [_spec(_array(rng, shape), first), _spec(_array(rng, shape), "tensor")],
            }
        )
    same = _array(rng, (1, 4, 3, 3))
    probes.append(
        {
            "id": "same-input",
            "kind": "call",
            "args": [_spec(same, "ndarray"), _spec(same, "tensor")],
        }
    )
    return probes


def _gram_probes(seed):
    rng = _rng(seed, 2)
    probes = [{"id": "published", "kind": "course-cell", "draws": [[3, 2]]}]
    for k, shape in enumerate(MATRIX_SHAPES):
        probes.append(
            {
                "id": "random-%d" % (k + 1),
                "kind": "call",
                "args": [_spec(_array(rng, shape), "tensor")],
            }
        )
    return probes


def published_total_cost_inputs():
    """The course's total_cost inputs: numpy seed 3, two ``np.random.randn()``."""
    state = np.random.RandomState(3)
    return float(state.randn()), float(state.randn())


def _total_cost_probes(seed):
    rng = _rng(seed, 4)
    J_content, J_style = published_total_cost_inputs()
    probes = [
        {
            "id": "published",
            "kind": "call",
            "args": [_spec(J_content, "number"), _spec(J_style, "number")],
        }
    ]
    numbers = lambda: 10 * rng.random_sample() + 0.1  # noqa: E731
    probes.append(
        {
            "id": "random-defaults",
            "kind": "call",
            "args": [_spec(numbers(), "number"), _spec(numbers(), "number")],
        }
    )
    for k, (alpha, beta) in enumerate([(1.0, 100.0), (0.5, 3.0)]):
        probes.append(
            {
                "id": "keywords-%d" % (k + 1),
                "kind": "call",
                "args": [_spec(numbers(), "number"), _spec(numbers(), "number")],
                "kwargs": {"alpha": _spec(alpha, "number"), "beta": _spec(beta, "number")},
            }
        )
    probes.append(
        {
            "id": "tensors",
            "kind": "call",
            "args": [_spec(numbers(), "tensor"), _spec(numbers(), "tensor")],
        }
    )
    probes.append(
        {
            "id": "tensors-keywords",
            "kind": "call",
            "args": [_spec(numbers(), "tensor"), _spec(numbers(), "tensor")],
            "kwargs": {"alpha": _spec(2.0, "number"), "beta": _spec(7.0, "number")},
        }
    )
    return probes


def _model_nn_probes(seed):
    rng = _rng(seed, 5)
    h, w = MODEL_NN["height"], MODEL_NN["width"]
    y, x = np.mgrid[0:h, 0:w]
    content = np.stack([x * 255.0 / (w - 1), y * 255.0 / (h - 1), np.full((h, w), 128.0)], -1)
    content = np.clip(content + rng.normal(0, 20, content.shape), 0, 255)
    style = np.clip(rng.uniform(0, 255, (h, w, 3)), 0, 255)
    means = np.array([123.68, 116.779, 103.939]).reshape((1, 1, 1, 3))
    content = content[None] - means
    style = style[None] - means
    noise = rng.uniform(-20, 20, content.shape)
    start = noise * 0.6 + content * 0.4
    probe = dict(
        MODEL_NN,
        id="tiny-run",
        kind="model_nn",
        content_image=_spec(content, "ndarray")["value"],
        style_image=_spec(style, "ndarray")["value"],
        input_image=_spec(start, "ndarray")["value"],
    )
    return [probe]


def probes(name, seed=None):
    """The inputs the check of graded function ``name`` feeds it (a list of JSON-able dicts)."""
    if name == "compute_content_cost":
        return _activation_pair_probes(seed, 1)
    if name == "gram_matrix":
        return _gram_probes(seed)
    if name == "compute_layer_style_cost":
        return _activation_pair_probes(seed, 3)
    if name == "total_cost":
        return _total_cost_probes(seed)
    if name == "model_nn":
        return _model_nn_probes(seed)
    raise ValueError("no checks for %r: the graded functions are %s" % (name, ", ".join(GRADED)))
