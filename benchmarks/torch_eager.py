"""The same style-transfer step in PyTorch eager, for comparison (run in a subprocess).

What a user who picks PyTorch instead would write: the VGG-19 convolutions up to conv5_1 with
``torch.nn.functional`` (relu(conv2d + b), padding 1; 2x2 average pools, ``ceil_mode`` so that
odd sizes pool as TensorFlow's SAME does), NCHW tensors, the Gram matrix ``F F^T`` of the
activations unrolled to (n_C, n_H n_W), the course's cost normalisations and weights
(alpha 10, beta 40, 0.2 per style layer) and ``torch.optim.Adam(lr=2.0)`` on the image; the
same kernels as the other versions (HWIO in the .npz, OIHW here).

PyTorch is a benchmark-only dependency: run this under a Python that has it (bench_speed.py
``--torch-python``), never the package's. Prints one JSON line: seconds per step; with
``serve`` it prints ``ready {json}`` (the version and whether its convolutions run on oneDNN)
after two warm-up steps and then times one step per ``step`` line on stdin.

    python benchmarks/torch_eager.py WEIGHTS.npz HEIGHT WIDTH REPEATS [serve]
"""

import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

STYLE = ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"]
CONTENT = "conv4_2"


def build(weights):
    """The network up to conv5_1 as a function of an NCHW image: the style layers' then the
    content layer's activations."""
    layers = []
    for name in weights["names"]:
        name = str(name)
        if name.startswith("pool"):
            layers.append((name, None, None))
            continue
        kernel = torch.from_numpy(np.ascontiguousarray(weights[name + "_W"].transpose(3, 2, 0, 1)))
        bias = torch.from_numpy(weights[name + "_b"].reshape(-1).copy())
        layers.append((name, kernel, bias))
        if name == "conv5_1":
            break

    def model(x):
        outputs = {}
        for name, kernel, bias in layers:
            if kernel is None:
                x = F.avg_pool2d(x, 2, 2, ceil_mode=True)
                continue
            x = F.relu(F.conv2d(x, kernel, bias, padding=1))
            outputs[name] = x
        return [outputs[n] for n in STYLE] + [outputs[CONTENT]]

    return model


def gram(a):
    """G = F F^T with F the activations (1, C, H, W) unrolled to (C, H W)."""
    f = a.reshape(a.shape[1], -1)
    return f @ f.t()


def main():
    path, height, width, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    serve = len(sys.argv) > 5 and sys.argv[5] == "serve"
    weights = dict(np.load(path, allow_pickle=False))
    model = build(weights)
    rng = np.random.default_rng(0)
    means = np.array([123.68, 116.779, 103.939], np.float32)
    content = (rng.uniform(0, 255, (1, height, width, 3)) - means).astype(np.float32)
    style = (rng.uniform(0, 255, (1, height, width, 3)) - means).astype(np.float32)
    noisy = content + rng.uniform(-20, 20, content.shape).astype(np.float32) * 0.6

    def nchw(a):
        return torch.from_numpy(np.ascontiguousarray(a.transpose(0, 3, 1, 2)))

    with torch.no_grad():
        *s_feats, _ = model(nchw(style))
        *_, c_feat = model(nchw(content))
        style_targets = [gram(a) for a in s_feats]
    image = nchw(noisy).clone().requires_grad_(True)
    opt = torch.optim.Adam([image], lr=2.0)

    def step():
        opt.zero_grad(set_to_none=True)
        *feats, c = model(image)
        _, ch, h, w = c.shape
        j_content = torch.sum((c - c_feat) ** 2) / (4 * h * w * ch)
        j_style = 0.0
        for a, target in zip(feats, style_targets):
            _, ch, h, w = a.shape
            j_style = j_style + 0.2 * torch.sum((gram(a) - target) ** 2) / (
                4 * ch**2 * (h * w) ** 2
            )
        loss = 10 * j_content + 40 * j_style
        loss.backward()
        opt.step()
        return loss.detach().item()

    for _ in range(2):
        step()
    if serve:  # bench_speed.py's interleaved timing
        info = {
            "version": "torch " + torch.__version__,
            "threads": torch.get_num_threads(),
            "onednn": bool(torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        }
        print("ready " + json.dumps(info), flush=True)
        for line in sys.stdin:
            if line.strip() != "step":
                break
            t = time.perf_counter()
            step()
            print(time.perf_counter() - t, flush=True)
        return
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    print(json.dumps({"s_per_step": float(np.median(times)), "times": times}))


if __name__ == "__main__":
    main()
