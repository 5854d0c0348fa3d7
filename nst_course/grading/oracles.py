"""What the supervisor prepares for a sandbox and checks after it, from its own computation.

- :func:`gram_table`: the values ``gram_matrix`` must give inside
  ``compute_layer_style_cost``'s sandbox, G = A A^T computed here (float64, then float32) for
  every matrix the check expects: the right unrolling of each probe's a_S and a_G, and the
  known wrong ones the judge names (so a wrong unrolling still gets its named hint, with the
  same words as in the notebook). The sandbox's
  ``gram_matrix`` looks values up; it holds no code of the solution.
- :func:`model_nn_graph`: the course's cost graph for ``model_nn``'s sandbox, built here with
  the package's own functions on tiny weights and sent as data (a MetaGraphDef), with the costs
  at the start computed here.
- :func:`model_nn_evidence`: model_nn's points rest on what the supervisor checks itself: the
  cost J recomputed here at the image the function returned is below J at the input image,
  and the saved ``generated_image.jpg`` (read from the bytes the job sent, size-limited) is
  that image.

Results are cached per seed (every student of a run gets the same probes).
"""

import base64
import functools
import io
import json

import numpy as np

from .box import _key

MEANS = np.array([123.68, 116.779, 103.939]).reshape((1, 1, 1, 3))


def _draws(shapes):
    """The course-cell probes' activations, drawn exactly as the sandbox's observer draws them."""
    from .._tf import tf
    from ..seeding import tf1_seeding

    tf1 = tf.compat.v1
    graph = tf1.Graph()
    with tf1_seeding(), graph.as_default(), tf1.Session(graph=graph) as sess:
        tf1.set_random_seed(1)
        args = [tf1.random_normal(shape, mean=1, stddev=4) for shape in shapes]
        return sess.run(args)


def _unrollings(a):
    """The matrices a student's compute_layer_style_cost may hand to gram_matrix for the
    activations ``a`` (1, n_H, n_W, n_C), as the judge names them (the mistakes' values as
    :mod:`nst_course.grading.reference` computes them): the right unrolling (n_C, n_H*n_W);
    reshaped straight to (n_C, n_H*n_W) ("no-transpose"); reshaped straight and transposed
    ("reshape-then-transpose"); reshaped to (n_H*n_W, n_C) and never transposed (its Gram
    matrix is A^T A: "gram-transposed"). Unrolling with n_H*n_H or n_W*n_W gives the right
    matrix where it is a valid shape (n_H == n_W) and a reshape error elsewhere."""
    a = np.asarray(a, dtype=np.float32)
    _, n_H, n_W, n_C = a.shape
    straight = a.reshape(n_C, n_H * n_W)
    pixels_by_channels = a.reshape(n_H * n_W, n_C)
    return [pixels_by_channels.T, straight, straight.T, pixels_by_channels]


def gram_table(probes: list) -> dict:
    """{key of A: A A^T} for the matrices compute_layer_style_cost's check expects."""
    return _gram_table(json.dumps(probes, sort_keys=True))


@functools.lru_cache(maxsize=4)
def _gram_table(probes_json):
    probes = json.loads(probes_json)
    table = {}
    for probe in probes:
        if probe["kind"] == "course-cell":
            arrays = _draws(probe["draws"])
        else:
            arrays = [np.asarray(spec["value"], np.float32) for spec in probe.get("args", [])]
        for array in arrays:
            for A in _unrollings(array):
                A = np.ascontiguousarray(A, dtype=np.float32)
                G = A.astype(np.float64) @ A.astype(np.float64).T
                table[_key(A)] = G.astype(np.float32).tolist()
    return table


@functools.lru_cache(maxsize=4)
def _model_nn(probe_json):
    from .._tf import tf
    from ..training import build_graph
    from ..weights.synthetic import tiny_weights

    tf1 = tf.compat.v1
    probe = json.loads(probe_json)
    content = np.asarray(probe["content_image"], np.float32)
    style = np.asarray(probe["style_image"], np.float32)
    start = np.asarray(probe["input_image"], np.float32)
    graph = tf1.Graph()
    with graph.as_default(), tf1.Session(graph=graph) as sess, sess.as_default():
        handles = build_graph(
            content, style, weights=tiny_weights(seed=probe["weights_seed"]), sess=sess
        )
        meta = tf1.train.export_meta_graph(graph=graph, clear_devices=True)
        sess.run(tf1.global_variables_initializer())
        initial = float(sess.run(handles.J))
        sess.run(handles.model["input"].assign(start))
        at_input = float(sess.run(handles.J))
    spec = {
        "meta": base64.b64encode(meta.SerializeToString()).decode("ascii"),
        "model": {k: v.name for k, v in handles.model.items() if k != "input"},
        "input": handles.model["input"].name,
        "J": handles.J.name,
        "J_content": handles.J_content.name,
        "J_style": handles.J_style.name,
        "train_step": handles.train_step.name,
    }
    return spec, {"initial_value": initial, "input_image": at_input}, (graph, handles)


def model_nn_graph(probe: dict) -> tuple:
    """(graph spec for the sandbox, the start costs computed here) for model_nn's probe."""
    spec, start, _ = _model_nn(json.dumps(probe, sort_keys=True))
    return spec, start


def cost_at(probe: dict, image: np.ndarray) -> float:
    """J at ``image`` (1, n_H, n_W, 3), on the supervisor's own graph for ``probe``."""
    from .._tf import tf

    tf1 = tf.compat.v1
    _, _, (graph, handles) = _model_nn(json.dumps(probe, sort_keys=True))
    with tf1.Session(graph=graph) as sess:
        sess.run(tf1.global_variables_initializer())
        sess.run(handles.model["input"].assign(np.asarray(image, np.float32)))
        return float(sess.run(handles.J))


def _image(record, name):
    from PIL import Image

    data = (record.get("images") or {}).get(name)
    if not data:
        return None
    try:
        with Image.open(io.BytesIO(bytes.fromhex(data))) as image:
            return np.asarray(image.convert("RGB"), np.float64)
    except Exception:  # noqa: BLE001 - any undecodable file is the same failure
        return None


def model_nn_evidence(probe: dict, record: dict, start_costs: dict) -> str | None:
    """None when the supervisor's own checks confirm model_nn's run, else the reason."""
    from .judging import as_array

    value = np.asarray(as_array(record.get("value", [])), np.float64)
    shape = (1, probe["height"], probe["width"], 3)
    if value.shape != shape or not np.all(np.isfinite(value)):
        return "model_nn: the returned image is not a finite array of shape %s" % (shape,)
    final = cost_at(probe, value)
    if not final < start_costs["input_image"]:
        return (
            "model_nn: the cost at the image it returned (%.6g, recomputed by the grader) is not "
            "below the cost at the input image (%.6g)" % (final, start_costs["input_image"])
        )
    expected = np.clip(value + MEANS, 0, 255).astype(np.uint8)[0].astype(np.float64)
    last = "output/%d.png" % (probe["iterations"] - 1)
    for name, exact in (("output/generated_image.jpg", False), (last, True)):
        if exact and (probe["iterations"] - 1) % 20:
            continue  # the course saves a PNG every 20 iterations: none at the last one
        saved = _image(record, name)
        if saved is None:
            return "model_nn: %s was not saved as an image file (at most 1 MB)" % name
        if saved.shape != expected.shape:
            return "model_nn: %s has shape %s, not %s" % (name, saved.shape, expected.shape)
        # the PNG of the last iteration is the returned image exactly; the JPEG (lossy, with
        # colour subsampling on a noisy image) only roughly
        tolerance = 1.0 if exact else 40.0
        if float(np.mean(np.abs(saved - expected))) > tolerance:
            return "model_nn: %s is not the image model_nn returned" % name
    return None
