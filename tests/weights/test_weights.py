"""Weights: lookup order, the untrained fallback, the .npz cache, Keras h5, VGG-16."""

import copy
import os

import numpy as np
import pytest
import tensorflow as tf

from nst_course import WeightsError
from nst_course import weights as W
from nst_course.layers import BLOCK_CHANNELS, VGG19_LAYERS, conv_part
from nst_course.vgg import build_vgg
from nst_course.weights import cache as weights_cache
from nst_course.weights.synthetic import random_vgg_weights, write_keras_h5, write_matconvnet

tf1 = tf.compat.v1


@pytest.fixture
def place(tmp_path, monkeypatch):
    """An empty working directory, a private user cache, no $NST_VGG_MODEL."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("NST_VGG_MODEL", raising=False)
    monkeypatch.delenv("NST_VGG_CACHE", raising=False)
    return tmp_path


def _put(path, weights):
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    return write_matconvnet(str(path), weights)


# --------------------------------------------------------------------------- lookup order


def test_lookup_order(place, tiny, monkeypatch):
    cached = place / "xdg" / "nst-course" / "imagenet-vgg-verydeep-19.mat"
    course = "pretrained-model/imagenet-vgg-verydeep-19.mat"
    env = place / "elsewhere.mat"
    assert W.find_weights() is None
    _put(cached, tiny)
    assert W.find_weights() == str(cached)
    _put(place / "work" / course, tiny)
    assert W.find_weights() == course
    _put(env, tiny)
    monkeypatch.setenv("NST_VGG_MODEL", str(env))
    assert W.find_weights() == str(env)
    assert W.find_weights("explicit.mat") == "explicit.mat"  # explicit wins, even if missing
    monkeypatch.setenv("NST_VGG_MODEL", "random")
    assert W.find_weights() == "random"


def test_env_var_to_a_missing_file_is_an_error(place, monkeypatch):
    monkeypatch.setenv("NST_VGG_MODEL", str(place / "gone.mat"))
    with pytest.raises(WeightsError) as info:
        W.find_weights()
    assert str(info.value) == (
        "$NST_VGG_MODEL is set to %s, which does not exist; fix or unset it "
        "(or run `nst-course weights download`)" % (place / "gone.mat")
    )


def test_cache_dir_respects_xdg_and_falls_back_to_home(place, monkeypatch):
    assert W.cache_dir() == str(place / "xdg" / "nst-course")
    monkeypatch.setenv("HOME", str(place / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")  # the XDG spec wants absolute paths
    assert W.cache_dir() == str(place / "home" / ".cache" / "nst-course")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert W.cache_dir() == str(place / "home" / ".cache" / "nst-course")


def test_library_without_weights_says_what_to_do(place):
    with pytest.raises(WeightsError) as info:
        W.load_weights()
    assert str(info.value) == (
        "no VGG weights found (searched $NST_VGG_MODEL (unset), pretrained-model/imagenet-vgg-"
        "verydeep-19.mat, %s); get them with `nst-course weights download` or pass a path"
        % (place / "xdg" / "nst-course" / "imagenet-vgg-verydeep-19.mat")
    )


def test_load_weights_follows_the_lookup_order(place, tiny, monkeypatch):
    other = copy.deepcopy(tiny)
    other["conv1_1"].kernel = other["conv1_1"].kernel + 1
    _put(place / "xdg" / "nst-course" / "imagenet-vgg-verydeep-19.mat", other)
    np.testing.assert_array_equal(W.load_weights()["conv1_1"].kernel, other["conv1_1"].kernel)
    monkeypatch.setenv("NST_VGG_MODEL", _put(place / "env.mat", tiny))
    np.testing.assert_array_equal(W.load_weights()["conv1_1"].kernel, tiny["conv1_1"].kernel)


# --------------------------------------------------------------------------- untrained fallback


def test_main_job_falls_back_to_random_with_a_warning(place):
    lines = []
    weights = W.weights_for_run(None, warn=lines.append)
    assert weights.layout == "random"
    text = lines[0]
    assert "UNTRAINED" in text and "nst-course weights download" in text
    assert "--require-pretrained" in text


def test_warning_goes_to_stderr(place, capsys):
    W.weights_for_run(None)
    captured = capsys.readouterr()
    assert captured.out == "" and "WARNING: get the real weights" in captured.err


def test_require_pretrained_makes_it_an_error(place):
    with pytest.raises(WeightsError, match=r"^no VGG weights found \(searched"):
        W.weights_for_run(None, require_pretrained=True)
    with pytest.raises(WeightsError, match="--weights random contradicts --require-pretrained"):
        W.weights_for_run("random", require_pretrained=True)


def test_found_weights_are_used_without_warning(place, tiny, capsys):
    _put(place / "work" / "pretrained-model" / "imagenet-vgg-verydeep-19.mat", tiny)
    weights = W.weights_for_run(None, require_pretrained=True)
    assert weights.layout == "matconvnet-current" and capsys.readouterr().err == ""


def test_random_weights_are_he_scaled_vgg19_with_a_fixed_seed():
    a = W.load_weights("random")
    b = W.load_weights("random")
    assert a.names() == list(conv_part(VGG19_LAYERS))
    W.validate(a)
    in_ch = 3
    for layer in a.layers:
        if layer.type != "conv":
            continue
        out = BLOCK_CHANNELS[int(layer.name[4]) - 1]
        assert layer.kernel.shape == (3, 3, in_ch, out) and layer.kernel.dtype == np.float32
        np.testing.assert_array_equal(layer.kernel, b[layer.name].kernel)
        he = np.sqrt(2.0 / (9 * in_ch))
        assert abs(layer.kernel.std() / he - 1) < 0.05 and abs(layer.kernel.mean()) < 0.05 * he
        in_ch = out


# --------------------------------------------------------------------------- the .npz cache


def test_cache_written_once_and_read_back(place, tiny):
    src = _put(place / "vgg.mat", tiny)
    cpath = weights_cache.cache_path(src)
    assert os.path.dirname(cpath) == str(place / "xdg" / "nst-course" / "npz")
    first = W.load_weights(src, cache=True)
    assert os.path.isfile(cpath) and first.meta["cache"] == cpath
    assert os.listdir(os.path.dirname(cpath)) == [os.path.basename(cpath)]  # no temp files left
    with np.load(cpath, allow_pickle=False) as npz:  # plain arrays only: no pickle needed
        files = set(npz.files)
        assert all(npz[k].dtype != object for k in npz.files)
        assert int(npz["source_size"]) == os.path.getsize(src)
        assert int(npz["source_mtime_ns"]) == os.stat(src).st_mtime_ns
    convs = [n for n in conv_part(VGG19_LAYERS) if n.startswith("conv")]
    assert {k for k in files if k.startswith(("kernel_", "bias_"))} == (
        {"kernel_" + n for n in convs} | {"bias_" + n for n in convs}
    )  # no fc layers
    second = W.load_weights(src, cache=True)
    assert second.layout == "matconvnet-current" and second.names() == first.names()
    for name in convs:
        np.testing.assert_array_equal(second[name].kernel, tiny[name].kernel)
        np.testing.assert_array_equal(second[name].bias, tiny[name].bias)


def _cached(place, tiny):
    """A .mat loaded once (which writes its cache): (source, cache path, the cache's arrays)."""
    src = _put(place / "vgg.mat", tiny)
    W.load_weights(src, cache=True)
    cpath = weights_cache.cache_path(src)
    with np.load(cpath, allow_pickle=False) as npz:
        return src, cpath, {k: npz[k] for k in npz.files}


def test_cache_is_what_later_loads_read_until_the_source_changes(place, tiny):
    src, cpath, arrays = _cached(place, tiny)
    arrays["bias_conv1_1"] = np.full_like(arrays["bias_conv1_1"], 7.0)  # mark the cache
    np.savez(cpath, **arrays)
    assert np.all(W.load_weights(src, cache=True)["conv1_1"].bias == 7.0)  # read from the cache
    st = os.stat(src)
    os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # the source "changed"
    np.testing.assert_array_equal(
        W.load_weights(src, cache=True)["conv1_1"].bias, tiny["conv1_1"].bias
    )
    with np.load(cpath, allow_pickle=False) as npz:  # and the cache was rebuilt
        np.testing.assert_array_equal(npz["bias_conv1_1"], tiny["conv1_1"].bias)
        assert int(npz["source_mtime_ns"]) == os.stat(src).st_mtime_ns


def test_corrupt_cache_is_rebuilt(place, tiny):
    src = _put(place / "vgg.mat", tiny)
    cpath = weights_cache.cache_path(src)
    os.makedirs(os.path.dirname(cpath))
    with open(cpath, "wb") as fh:
        fh.write(b"PK\x03\x04 not really a zip")
    np.testing.assert_array_equal(
        W.load_weights(src, cache=True)["conv5_4"].kernel, tiny["conv5_4"].kernel
    )
    assert weights_cache.read_cache(cpath).meta["source"] == os.path.abspath(src)


def test_automatic_cache_only_for_large_files(place, tiny, monkeypatch):
    src = _put(place / "vgg.mat", tiny)
    W.load_weights(src)  # a 150 kB file: not worth a cache
    assert not os.path.exists(place / "xdg")
    monkeypatch.setattr(weights_cache, "MIN_SOURCE_BYTES", 1000)
    monkeypatch.setenv("NST_VGG_CACHE", "0")
    W.load_weights(src)
    assert not os.path.exists(place / "xdg")
    monkeypatch.delenv("NST_VGG_CACHE")
    W.load_weights(src)
    assert os.path.isfile(weights_cache.cache_path(src))


def test_cache_file_can_be_loaded_directly(place, tiny):
    src = _put(place / "vgg.mat", tiny)
    W.load_weights(src, cache=True)
    weights = W.load_weights(weights_cache.cache_path(src))
    assert weights.layout == "cache" and weights.meta["source_layout"] == "matconvnet-current"
    np.testing.assert_array_equal(weights["conv3_4"].kernel, tiny["conv3_4"].kernel)


def test_unwritable_cache_only_warns(place, tiny, capsys):
    src = _put(place / "vgg.mat", tiny)
    (place / "xdg").write_text("a file where the cache directory should be")
    weights = W.load_weights(src, cache=True)
    np.testing.assert_array_equal(weights["conv1_1"].kernel, tiny["conv1_1"].kernel)
    assert "could not write the weights cache" in capsys.readouterr().err


# --------------------------------------------------------------------------- Keras h5


def _activations(weights, image):
    tf1.reset_default_graph()
    model = build_vgg(weights, height=image.shape[1], width=image.shape[2])
    names = sorted(k for k in model if k != "input")
    with tf1.Session() as sess:
        sess.run(model["input"].assign(image))
        return dict(zip(names, sess.run([model[n] for n in names])))


def _np_conv_relu(x, kernel, bias):
    """SAME 3x3 cross-correlation + bias + relu in float64: (H, W, in) -> (H, W, out)."""
    xp = np.pad(x.astype(np.float64), ((1, 1), (1, 1), (0, 0)))
    out = np.zeros(x.shape[:2] + (kernel.shape[3],))
    for dy in range(3):
        for dx in range(3):
            out += xp[dy : dy + x.shape[0], dx : dx + x.shape[1]] @ kernel[dy, dx].astype(
                np.float64
            )
    return np.maximum(out + bias, 0)


@pytest.mark.parametrize("nested", [False, True])
def test_keras_h5_gives_the_same_activations_as_the_mat(tmp_path, tiny, tiny_mat, nested):
    h5 = write_keras_h5(str(tmp_path / "vgg19_notop.h5"), tiny, nested=nested)
    image = np.random.default_rng(3).normal(0, 60, (1, 12, 16, 3)).astype(np.float32)
    from_h5 = W.load_weights(h5)
    assert from_h5.layout == "keras-h5" and from_h5.names() == list(conv_part(VGG19_LAYERS))
    a = _activations(from_h5, image)
    b = _activations(W.load_weights(tiny_mat), image)
    assert sorted(a) == sorted(b) and "avgpool5" in a
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])


def test_keras_file_is_bgr_and_the_conversion_matters(tmp_path, tiny):
    """The file's first kernel takes BGR input: Keras's own pipeline (BGR image, BGR means)
    on the raw file equals the course's RGB pipeline on the converted weights."""
    import h5py

    h5 = write_keras_h5(str(tmp_path / "k.h5"), tiny)
    with h5py.File(h5, "r") as fh:
        raw = fh["block1_conv1"]["block1_conv1_W_1:0"][()]
        bias = fh["block1_conv1"]["block1_conv1_b_1:0"][()]
    rgb = np.random.default_rng(4).uniform(0, 255, (10, 14, 3))
    course_input = rgb - np.array([123.68, 116.779, 103.939])
    keras_input = rgb[..., ::-1] - np.array([103.939, 116.779, 123.68])
    expected = _np_conv_relu(keras_input, raw, bias)
    got = _activations(W.load_weights(h5), course_input[None].astype(np.float32))["conv1_1"][0]
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-3)
    unconverted = _np_conv_relu(course_input, raw, bias)
    assert np.abs(unconverted - expected).max() > 1.0


def test_vgg16_from_mat_and_h5(tmp_path):
    weights = random_vgg_weights(depth=16, channels=(4, 4, 6, 6, 6, 8), seed=5)
    mat = write_matconvnet(str(tmp_path / "imagenet-vgg-verydeep-16.mat"), weights)
    h5 = write_keras_h5(str(tmp_path / "vgg16_notop.h5"), weights)
    image = np.random.default_rng(5).normal(0, 60, (1, 16, 16, 3)).astype(np.float32)
    a = _activations(W.load_weights(mat), image)
    b = _activations(W.load_weights(h5), image)
    assert "conv3_4" not in a and "conv5_3" in a and sorted(a) == sorted(b)
    assert W.load_weights(h5).depth() == 16
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])


def test_cache_reader_handles_compressed_and_refuses_pickles(place, tiny):
    src, cpath, arrays = _cached(place, tiny)
    packed = str(place / "packed.npz")
    np.savez_compressed(packed, **arrays)
    np.testing.assert_array_equal(W.load_weights(packed)["conv4_1"].kernel, tiny["conv4_1"].kernel)
    arrays["names"] = np.array(list(arrays["names"]), dtype=object)  # would need pickle
    pickled = str(place / "pickled.npz")
    np.savez(pickled, **arrays)
    with pytest.raises(
        WeightsError, match=r"pickled.npz \(names.npy holds Python objects\); delete it"
    ):
        W.load_weights(pickled)
