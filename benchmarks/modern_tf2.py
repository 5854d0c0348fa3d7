"""The same style-transfer step written the modern way, for comparison (run in a subprocess).

TensorFlow 2 eager + ``tf.function``, the TensorFlow tutorial's einsum Gram matrix, the
course's cost normalisations and weights, Adam(2.0), on the same VGG-19 weights, in two
variants:

  keras -- Keras layers (Conv2D with relu, AveragePooling2D) in a functional Model, as the
           tutorial does with ``tf.keras.applications.VGG19``;
  tfnn  -- the same network in plain ``tf.nn`` ops inside the ``tf.function`` (faster than
           Keras layers on TF 2.21 here; the benchmark compares against the faster variant).

Prints one JSON line: seconds per step; with ``serve`` it prints ``ready {json}`` (the version
and whether oneDNN is on) after two warm-up steps and then times one step per ``step`` line on stdin (bench_speed.py's interleaved timing).

    python benchmarks/modern_tf2.py WEIGHTS.npz HEIGHT WIDTH REPEATS [keras|tfnn] [serve]
"""

import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

STYLE = ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"]
CONTENT = "conv4_2"


def build_model(weights, height, width):
    """Keras functional VGG up to conv5_1 with the given kernels; outputs style + content layers."""
    inputs = tf.keras.Input((height, width, 3))
    x = inputs
    outputs = {}
    for name in weights["names"]:
        name = str(name)
        if name.startswith("pool"):
            x = tf.keras.layers.AveragePooling2D(2, 2, padding="same", name=name)(x)
            continue
        kernel, bias = weights[name + "_W"], weights[name + "_b"]
        layer = tf.keras.layers.Conv2D(
            kernel.shape[3], 3, padding="same", activation="relu", name=name
        )
        x = layer(x)
        layer.set_weights([kernel, bias])
        outputs[name] = x
        if name == "conv5_1":
            break
    model = tf.keras.Model(inputs, [outputs[n] for n in STYLE] + [outputs[CONTENT]])
    model.trainable = False
    return model


def build_tfnn(weights):
    """The network as a plain function of tf.nn ops: relu(conv2d + b), 2x2 average pools."""
    layers = [
        (str(n), weights.get(str(n) + "_W"), weights.get(str(n) + "_b")) for n in weights["names"]
    ]

    def model(x):
        outputs = {}
        for name, kernel, bias in layers:
            if name.startswith("pool"):
                x = tf.nn.avg_pool2d(x, 2, 2, "SAME")
                continue
            x = tf.nn.relu(tf.nn.conv2d(x, kernel, 1, "SAME") + bias)
            outputs[name] = x
            if name == "conv5_1":
                break
        return [outputs[n] for n in STYLE] + [outputs[CONTENT]]

    return model


def gram(a):
    return tf.linalg.einsum("bijc,bijd->bcd", a, a)[0]


def main():
    path, height, width, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    variant = sys.argv[5] if len(sys.argv) > 5 else "keras"
    weights = dict(np.load(path, allow_pickle=False))
    model = build_model(weights, height, width) if variant == "keras" else build_tfnn(weights)
    rng = np.random.default_rng(0)
    means = np.array([123.68, 116.779, 103.939], np.float32)
    content = (rng.uniform(0, 255, (1, height, width, 3)) - means).astype(np.float32)
    style = (rng.uniform(0, 255, (1, height, width, 3)) - means).astype(np.float32)
    *s_feats, _ = model(style)
    *_, c_feat = model(content)
    style_targets = [gram(a) for a in s_feats]
    image = tf.Variable(content + rng.uniform(-20, 20, content.shape).astype(np.float32) * 0.6)
    opt = tf.keras.optimizers.Adam(2.0)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            *feats, c = model(image)
            _, h, w, ch = c.shape
            j_content = tf.reduce_sum(tf.square(c - c_feat)) / (4 * h * w * ch)
            j_style = 0.0
            for a, target in zip(feats, style_targets):
                _, h, w, ch = a.shape
                j_style += (
                    0.2 * tf.reduce_sum(tf.square(gram(a) - target)) / (4 * ch**2 * (h * w) ** 2)
                )
            loss = 10 * j_content + 40 * j_style
        grad = tape.gradient(loss, image)
        opt.apply_gradients([(grad, image)])
        return loss

    for _ in range(2):
        step().numpy()
    if len(sys.argv) > 6 and sys.argv[6] == "serve":  # bench_speed.py's interleaved timing
        from tensorflow.python.util import _pywrap_util_port  # TensorFlow's own answer

        info = {
            "version": "tensorflow " + tf.__version__,
            "onednn": bool(_pywrap_util_port.IsMklEnabled()),
        }
        print("ready " + json.dumps(info), flush=True)
        for line in sys.stdin:
            if line.strip() != "step":
                break
            t = time.perf_counter()
            step().numpy()
            print(time.perf_counter() - t, flush=True)
        return
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        step().numpy()
        times.append(time.perf_counter() - t)
    print(json.dumps({"s_per_step": float(np.median(times)), "times": times}))


if __name__ == "__main__":
    main()
