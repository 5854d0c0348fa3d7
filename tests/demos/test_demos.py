"""The paper's figures (nst_course.demos.figures, ``nst-course figure``), at a tiny size.

The panels' pixels are judged from the PNG files on disk with the course's formulas in numpy
(activations of the tiny test network), never from the numbers the renderer reported:

    J_content^[l](C, G) = sum((a_C - a_G)^2) / (4 n_H n_W n_C)
    J_style^[l](S, G)   = sum((G_S - G_G)^2) / (4 n_C^2 (n_H n_W)^2),  G = A A^T, A: (n_C, n_H n_W)
"""

import os
import subprocess
import sys

import imageio.v2 as imageio
import numpy as np
import pytest

from nst_course.demos import Settings, layers_figure, render
from nst_course.demos.figures import CONTENT_LAYERS, STYLE_LAYERS
from nst_course.images import generate_noise_image, reshape_and_normalize_image
from nst_course.loading import load_image
from tests.conftest import ROOT, cli_env

W, H, ITERATIONS = 40, 32, 20
CONTENT = os.path.join(ROOT, "images", "tubingen.jpg")
STYLE = os.path.join(ROOT, "images", "monet.jpg")


@pytest.fixture(scope="module")
def layers(tmp_path_factory, tiny_mat):
    out = tmp_path_factory.mktemp("figure") / "layers.png"
    settings = Settings(width=W, height=H, iterations=ITERATIONS)
    result = render(
        layers_figure(),
        CONTENT,
        STYLE,
        str(out),
        settings,
        weights=tiny_mat,
        workers=0,
        progress=False,
    )
    return result, settings


def activations(weights, images, names):
    """{name: [activation (n_H, n_W, n_C) per image]} of the (normalised) images."""
    import tensorflow as tf

    from nst_course.vgg import build_vgg, initialize_weights

    graph = tf.Graph()
    with graph.as_default():
        model = build_vgg(weights, height=H, width=W)
        with tf.compat.v1.Session(graph=graph) as sess:
            initialize_weights(sess)
            sess.run(tf.compat.v1.variables_initializer([model["input"]]))
            result = {name: [] for name in names}
            for image in images:
                sess.run(model["input"].assign(image))
                for name, value in zip(names, sess.run([model[n] for n in names])):
                    result[name].append(value[0].astype(np.float64))
    return result


def content_cost(a_C, a_G):
    n_H, n_W, n_C = a_C.shape
    return np.sum((a_C - a_G) ** 2) / (4 * n_H * n_W * n_C)


def style_cost(a_S, a_G):
    n_H, n_W, n_C = a_S.shape
    S, G = a_S.reshape(-1, n_C).T, a_G.reshape(-1, n_C).T
    return np.sum((S @ S.T - G @ G.T) ** 2) / (4 * n_C**2 * (n_H * n_W) ** 2)


def normalised(path):
    return reshape_and_normalize_image(imageio.imread(path)[..., :3])


def test_panel_count_labels_and_files(layers):
    result, _ = layers
    assert len(result.rendered) == 10 and os.path.isfile(result.path)
    content = [r for r in result.rendered if r.panel.row == 0]
    style = [r for r in result.rendered if r.panel.row == 1]
    assert [r.panel.label for r in content] == CONTENT_LAYERS
    assert [r.panel.label for r in style] == [
        "conv1_1",
        "conv1_1 ... conv2_1",
        "conv1_1 ... conv3_1",
        "conv1_1 ... conv4_1",
        "conv1_1 ... conv5_1",
    ]
    assert os.path.basename(style[2].path) == "layers-style-conv1_1-conv2_1-conv3_1.png"
    for r in result.rendered:
        assert imageio.imread(r.path).shape == (H, W, 3)
    grid = imageio.imread(result.path)
    assert grid.shape[1] > 6 * W and grid.shape[0] > 2 * H  # 5 panels + the inputs column


def test_content_panels_lose_detail_with_depth(layers, tiny):
    """Measured at conv1_2, the reconstruction from a deeper layer is further from the content."""
    result, _ = layers
    content = reshape_and_normalize_image(load_image(CONTENT, W, H))
    panels = [normalised(r.path) for r in result.rendered if r.panel.row == 0]
    acts = activations(tiny, [content] + panels, ["conv1_2"])["conv1_2"]
    costs = [content_cost(acts[0], a) for a in acts[1:]]
    # conv1_2 < conv2_2 < conv3_2; from there on the tiny network keeps almost nothing of the
    # content, and the deeper panels' costs stay level (measured: within a few percent)
    assert costs[0] < costs[1] < costs[2], costs
    assert min(costs[1:]) > 3 * costs[0] and min(costs[2:]) > 0.9 * max(costs[2:]), costs


def test_each_style_panel_lowered_its_own_style_cost_tenfold(layers, tiny):
    result, settings = layers
    style = reshape_and_normalize_image(load_image(STYLE, W, H))
    content = reshape_and_normalize_image(load_image(CONTENT, W, H))
    start = generate_noise_image(
        content, noise_ratio=1.0, seed=np.random.default_rng(settings.seed)
    )
    panels = [(r.panel, normalised(r.path)) for r in result.rendered if r.panel.row == 1]
    acts = activations(tiny, [style, start] + [p[1] for p in panels], STYLE_LAYERS)
    for k, (panel, _) in enumerate(panels):
        names = STYLE_LAYERS[: k + 1]

        def cost(index):
            return sum(style_cost(acts[n][0], acts[n][index]) / len(names) for n in names)

        before, after = cost(1), cost(2 + k)
        assert before / after >= 10, (panel.name, before, after)


def test_rendered_panels_are_reused(layers, tiny_mat):
    result, settings = layers
    stamps = {r.path: os.stat(r.path).st_mtime_ns for r in result.rendered}
    victim = result.rendered[3].path
    os.unlink(victim)
    again = render(
        layers_figure(),
        CONTENT,
        STYLE,
        result.path,
        settings,
        weights=tiny_mat,
        workers=0,
        progress=False,
    )
    assert [r.reused for r in again.rendered] == [k != 3 for k in range(10)]
    assert all(os.stat(p).st_mtime_ns == t for p, t in stamps.items() if p != victim)
    np.testing.assert_array_equal(imageio.imread(victim), again.rendered[3].image)
    # other settings: nothing is reused
    changed = render(
        layers_figure(["conv1_2"], ["conv1_1"]),
        CONTENT,
        STYLE,
        result.path,
        Settings(width=W, height=H, iterations=ITERATIONS, seed=1),
        weights=tiny_mat,
        workers=0,
        progress=False,
    )
    assert [r.reused for r in changed.rendered] == [False, False]


def run_cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "nst_course", "figure"] + list(args),
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=cwd,
        timeout=600,
    )


def test_tradeoff_on_dask_workers_from_the_command_line(tmp_path, tiny_mat):
    out = tmp_path / "t.png"
    done = run_cli(
        "tradeoff",
        "--content",
        CONTENT,
        "--style",
        STYLE,
        "--width",
        str(W),
        "--height",
        str(H),
        "--iterations",
        "5",
        "--ratios",
        "1e6,1e2",
        "--depths",
        "1,3",
        "--weights",
        tiny_mat,
        "--output",
        str(out),
        "--workers",
        "2",
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no TensorFlow or Dask chatter
    names = sorted(os.listdir(tmp_path))
    assert names == sorted(
        ["t.png"] + ["t-ratio%s-depth%d.png" % (r, d) for r in ("1e+06", "100") for d in (1, 3)]
    )
    assert "4 panels (0 reused)" in done.stdout
    images = [imageio.imread(tmp_path / n) for n in names if n != "t.png"]
    assert all(im.shape == (H, W, 3) for im in images)
    assert len({im.tobytes() for im in images}) == 4  # panels differ from each other


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["layers", "--width", "16"],
            "--width 16 is too small: the network needs at least 32 pixels",
        ),
        (
            ["layers", "--content-layers", "conv1_2,conv9_9"],
            "unknown content layer 'conv9_9'; valid layers: conv1_1,",
        ),
        (["tradeoff", "--ratios", "1,0"], "argument --ratios: '0' must be greater than 0"),
        (
            ["tradeoff", "--style-layers", "conv1_1,pool9", "--depths", "2"],
            "unknown style layer 'pool9'; valid layers",
        ),
        (["layers", "--content", "missing.jpg"], "image not found: missing.jpg"),
    ],
)
def test_bad_input_is_one_line(tmp_path, args, message):
    if "--content" not in args:
        args = args + ["--content", CONTENT]
    done = run_cli(*args, "--style", STYLE, "--output", str(tmp_path / "f.png"), cwd=str(tmp_path))
    assert done.returncode in (1, 2)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nst-course: error: ") and message in lines[0], (
        done.stderr
    )
    assert os.listdir(tmp_path) == []  # nothing written
