"""Every way a weights file can be wrong gives one clear line, through the library and through
``nst-course weights verify`` (exit status 1); good files verify with exit status 0."""

import copy
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest
import scipy.io

from nst_course import WeightsError
from nst_course import weights as W
from nst_course.weights import cli as weights_cli
from nst_course.weights.synthetic import write_keras_h5, write_matconvnet


def _load_error(path):
    with pytest.raises(WeightsError) as info:
        W.load_weights(str(path), cache=False)
    message = str(info.value)
    assert "\n" not in message
    return message


def _verify(path, tmp_path, *extra, env=None):
    environ = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "xdg"))
    environ.pop("NST_VGG_MODEL", None)
    environ.update(env or {})
    args = [sys.executable, "-m", "nst_course", "weights", "verify"] + ([str(path)] if path else [])
    return subprocess.run(
        args + list(extra),
        capture_output=True,
        text=True,
        env=environ,
        cwd=str(tmp_path),
        timeout=60,
    )


def _cli_error(proc):
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nst-course: error: "), proc.stderr
    return lines[0][len("nst-course: error: ") :]


def _mat(tmp_path, weights, name="bad.mat"):
    return write_matconvnet(str(tmp_path / name), weights)


# --------------------------------------------------------------------------- through the library


def test_missing_file(tmp_path):
    path = tmp_path / "nope.mat"
    assert _load_error(path) == (
        "weights file not found: %s; run `nst-course weights download` "
        "or give the right path" % path
    )


def test_not_a_weights_file(tmp_path):
    path = tmp_path / "picture.bin"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    assert _load_error(path) == (
        "%s is not a VGG weights file (expected a MatConvNet .mat, a Keras .h5 or an .npz cache; "
        "it starts with %r)" % (path, b"\x89PNG\r\n\x1a\n" + b"\0" * 8)
    )


def test_text_named_mat(tmp_path):
    path = tmp_path / "notes.mat"
    path.write_text("these are not weights\n" * 10)
    message = _load_error(path)
    assert message.startswith("cannot read %s as a MATLAB .mat file (" % path)
    assert message.endswith("); is it truncated or not a .mat?")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.mat"
    path.write_bytes(b"")
    assert _load_error(path) == "weights file %s is empty (0 bytes); download it again" % path


@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("keep", [0.5, -10])
def test_truncated_mat(tmp_path, tiny, keep, compressed):
    whole = write_matconvnet(str(tmp_path / "whole.mat"), tiny, do_compression=compressed)
    assert W.load_weights(whole, cache=False).names()[-1] == "pool5"
    data = open(whole, "rb").read()
    cut = int(len(data) * keep) if keep > 0 else len(data) + keep
    path = tmp_path / "cut.mat"
    path.write_bytes(data[:cut])
    message = _load_error(path)
    assert message.startswith("%s is truncated: an element at byte " % path)
    assert message.endswith("the file ends at %d; download it again" % cut)


def test_mat_without_layers(tmp_path):
    path = tmp_path / "other.mat"
    scipy.io.savemat(str(path), {"net": np.zeros(3), "meta": np.ones(2)})
    assert _load_error(path) == (
        "%s has no 'layers' variable (found: meta, net); not a MatConvNet VGG file" % path
    )


def test_mat_v73(tmp_path):
    path = tmp_path / "v73.mat"
    path.write_bytes(
        b"MATLAB 7.3 MAT-file, Platform: GLNXA64".ljust(512, b" ") + b"\x89HDF\r\n\x1a\n"
    )
    assert _load_error(path).startswith("%s is a MATLAB v7.3 (HDF5) file" % path)


def test_missing_layer(tmp_path, tiny):
    bad = copy.deepcopy(tiny)
    del bad.layers[34:36]  # conv5_4 and relu5_4
    assert _load_error(_mat(tmp_path, bad)) == (
        "%s: layer 34 is named 'pool5', expected 'conv5_4'; not a VGG-19/VGG-16 MatConvNet file"
        % (tmp_path / "bad.mat")
    )


def test_file_ending_early(tmp_path, tiny):
    bad = copy.deepcopy(tiny)
    bad.layers = bad.layers[:20]
    assert _load_error(_mat(tmp_path, bad)) == (
        "%s ends after 20 layers; layer 'relu4_1' is missing" % (tmp_path / "bad.mat")
    )


def test_misnamed_layer(tmp_path, tiny):
    bad = copy.deepcopy(tiny)
    bad.layers[5].name = "conv2_one"
    assert _load_error(_mat(tmp_path, bad)) == (
        "%s: layer 5 is named 'conv2_one', expected 'conv2_1'; not a VGG-19/VGG-16 MatConvNet file"
        % (tmp_path / "bad.mat")
    )


def test_wrong_kernel_shape(tmp_path, tiny):
    bad = copy.deepcopy(tiny)
    bad["conv2_1"].kernel = bad["conv2_1"].kernel[:, :, :3, :]  # 3 input channels, not 4
    assert _load_error(_mat(tmp_path, bad)) == (
        "%s: layer 'conv2_1' has a kernel of shape (3, 3, 3, 6), expected (k, k, 4, out)"
        % (tmp_path / "bad.mat")
    )


@pytest.mark.parametrize("where, value", [("kernel", np.nan), ("bias", np.inf)])
def test_nan_and_inf(tmp_path, tiny, where, value):
    bad = copy.deepcopy(tiny)
    getattr(bad["conv3_2"], where).reshape(-1)[1] = value
    assert _load_error(_mat(tmp_path, bad)) == (
        "%s: layer 'conv3_2' contains NaN or Inf values" % (tmp_path / "bad.mat")
    )


def test_h5_without_the_groups(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(str(path), "w") as fh:
        fh.create_group("dense_1").create_dataset("kernel:0", data=np.zeros((4, 2)))
        fh.create_group("conv2d_1")
    assert _load_error(path) == (
        "%s has no group 'block1_conv1' (found: conv2d_1, dense_1); not Keras VGG weights like "
        "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5" % path
    )


def test_h5_missing_one_group(tmp_path, tiny):
    path = write_keras_h5(str(tmp_path / "k.h5"), tiny)
    with h5py.File(path, "a") as fh:
        del fh["block4_conv2"]
    assert _load_error(path) == (
        "%s has no group 'block4_conv2' (the Keras name of conv4_2); not complete Keras VGG-19 "
        "weights" % path
    )


def test_truncated_h5(tmp_path, tiny):
    data = open(write_keras_h5(str(tmp_path / "k.h5"), tiny), "rb").read()
    path = tmp_path / "cut.h5"
    path.write_bytes(data[: len(data) // 2])
    message = _load_error(path)
    assert message.startswith("cannot read %s as an HDF5 file (" % path)
    assert "truncated" in message and message.endswith("download it again")


def test_corrupt_cache_file(tmp_path):
    path = tmp_path / "c.npz"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 40)
    assert _load_error(path).startswith("cannot read the weights cache %s (" % path)


# --------------------------------------------------------------------------- checksums


def test_published_size_with_other_bytes_is_corrupt(tmp_path, tiny_mat, monkeypatch):
    data = open(tiny_mat, "rb").read()
    import hashlib

    known = W.KnownFile(
        "imagenet-vgg-verydeep-19.mat",
        "matconvnet-current",
        None,
        len(data),
        hashlib.sha256(data).hexdigest(),
        None,
    )
    monkeypatch.setattr(weights_cli, "KNOWN_FILES", (known,))
    assert weights_cli.checksum_status(tiny_mat)[0] is True
    bad = bytearray(data)
    bad[-1] ^= 1
    path = tmp_path / "imagenet-vgg-verydeep-19.mat"
    path.write_bytes(bytes(bad))
    verdict, text = weights_cli.checksum_status(str(path))
    assert verdict is False and text.startswith(
        "SHA-256 %s differs" % hashlib.sha256(bad).hexdigest()
    )
    with pytest.raises(
        WeightsError, match="the file is corrupt: run `nst-course weights download`"
    ):
        weights_cli.verify(str(path), say=lambda line: None)


def test_checksum_list_matches_the_code():
    here = os.path.join(os.path.dirname(__file__), "..", "..", "pretrained-model")
    sha_lines = open(os.path.join(here, "SHA256SUMS")).read().split()
    assert sha_lines == [W.DEFAULT_FILE.sha256, W.DEFAULT_FILE.name]
    md5 = dict(
        reversed(line.split()) for line in open(os.path.join(here, "MD5SUMS")).read().splitlines()
    )
    assert md5 == {k.name: k.md5 for k in W.KNOWN_FILES if k.layout != "matconvnet-older"}


# --------------------------------------------------------------------------- through the command line


def test_cli_verify_good_files(tmp_path, tiny, tiny_mat, tiny_mat_older):
    h5 = write_keras_h5(str(tmp_path / "k.h5"), tiny)
    for path, layout in [
        (tiny_mat, "MatConvNet, current layout (layers + meta)"),
        (tiny_mat_older, "MatConvNet, older layout (layers + normalization)"),
        (h5, "Keras h5 (vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5 layout)"),
    ]:
        proc = _verify(path, tmp_path)
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.splitlines()
        assert lines[0] == "file:     %s (%d bytes)" % (path, os.path.getsize(path))
        assert lines[1] == "layout:   %s" % layout
        assert lines[2].startswith("network:  VGG-19, 16 conv layers to pool5 checked")
        assert lines[3].startswith("checksum: not checked (%d bytes" % os.path.getsize(path))
        assert lines[-1] == "usable:   yes"


def test_cli_verify_cache_and_lookup(tmp_path, tiny_mat, monkeypatch):
    from nst_course.weights.cache import cache_path

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    W.load_weights(tiny_mat, cache=True)
    cpath = cache_path(tiny_mat)
    proc = _verify(cpath, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (
        "layout:   nst-course conv-layer cache (.npz) of %s (MatConvNet, current layout "
        "(layers + meta); current)" % os.path.abspath(tiny_mat)
    ) in proc.stdout
    proc = _verify(None, tmp_path, env={"NST_VGG_MODEL": tiny_mat})
    assert proc.returncode == 0 and proc.stdout.splitlines()[0] == (
        "found:    %s (by the lookup order)" % tiny_mat
    )
    message = _cli_error(_verify(None, tmp_path))
    assert message.startswith("no VGG weights found (searched $NST_VGG_MODEL (unset), ")


def test_cli_verify_bad_files(tmp_path, tiny, tiny_mat):
    assert _cli_error(_verify(tmp_path / "gone.mat", tmp_path)) == (
        "weights file not found: %s; run `nst-course weights download` or give the right path"
        % (tmp_path / "gone.mat")
    )
    data = open(tiny_mat, "rb").read()
    (tmp_path / "cut.mat").write_bytes(data[: len(data) // 3])
    assert "cut.mat is truncated" in _cli_error(_verify(tmp_path / "cut.mat", tmp_path))
    bad = copy.deepcopy(tiny)
    bad["conv1_2"].kernel[0, 0, 0, 0] = np.nan
    proc = _verify(_mat(tmp_path, bad), tmp_path)
    assert _cli_error(proc) == "%s: layer 'conv1_2' contains NaN or Inf values" % (
        tmp_path / "bad.mat"
    )
    assert proc.stdout.splitlines()[0].startswith("file:     %s" % (tmp_path / "bad.mat"))
    path = tmp_path / "other.h5"
    with h5py.File(str(path), "w") as fh:
        fh.create_group("dense_1")
    assert "has no group 'block1_conv1'" in _cli_error(_verify(path, tmp_path))
