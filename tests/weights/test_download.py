"""``weights download`` end to end against a real HTTP server on 127.0.0.1 (no mocks).

The server serves a generated file and honours ``Range: bytes=N-``; it can cut the first
transfer in the middle (Content-Length promises the whole file, the socket closes after half).
"""

import hashlib
import http.server
import io
import os
import re
import socket
import subprocess
import sys
import threading

import numpy as np
import pytest

from nst_course.weights.download import DownloadError, Progress, download

PAYLOAD = np.random.default_rng(7).integers(0, 256, 300_000, dtype=np.uint8).tobytes()
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = "TestServer/1"

    def log_message(self, *args):  # keep the test output clean
        pass

    def do_GET(self):
        srv = self.server
        srv.requests.append((self.path, self.headers.get("Range")))
        if self.path != "/vgg.mat":
            self.send_error(404, "Not Found")
            return
        start = 0
        match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
        if match and srv.ranges:
            start = int(match.group(1))
            if start >= len(PAYLOAD):
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(PAYLOAD))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header(
                "Content-Range", "bytes %d-%d/%d" % (start, len(PAYLOAD) - 1, len(PAYLOAD))
            )
        else:
            self.send_response(200)
        body = PAYLOAD[start:]
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        if srv.cuts_left > 0:  # promise everything, send half, hang up
            srv.cuts_left -= 1
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body)


@pytest.fixture
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.requests, srv.cuts_left, srv.ranges = [], 0, True
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    srv.url = "http://127.0.0.1:%d/vgg.mat" % srv.server_address[1]
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch, tmp_path):
    for name in (
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def _files(directory):
    return sorted(os.listdir(directory))


def test_clean_download_verifies_and_renames(server, tmp_path):
    out = io.StringIO()
    dest = tmp_path / "w" / "vgg.mat"
    assert download(server.url, dest=str(dest), sha256=SHA, out=out, chunk=16384) == str(dest)
    assert dest.read_bytes() == PAYLOAD
    assert _files(dest.parent) == ["vgg.mat"]  # no .part left
    assert server.requests == [("/vgg.mat", None)]
    text = out.getvalue()
    assert "SHA-256 verified; saved %s" % dest in text
    # not a terminal: plain progress lines, one per 10 %, ending at 100 %
    percents = re.findall(r"^\s*(\d+\.\d)% \[", text, flags=re.M)
    assert percents[-1] == "100.0" and len(percents) == 10


def test_second_download_is_a_no_op(server, tmp_path):
    dest = tmp_path / "vgg.mat"
    download(server.url, dest=str(dest), sha256=SHA, out=io.StringIO())
    out = io.StringIO()
    download(server.url, dest=str(dest), sha256=SHA, out=out)
    assert len(server.requests) == 1 and "nothing to do" in out.getvalue()


def test_cut_transfer_is_resumed_at_once(server, tmp_path):
    server.cuts_left = 1
    dest = tmp_path / "vgg.mat"
    out = io.StringIO()
    download(server.url, dest=str(dest), sha256=SHA, out=out)
    assert dest.read_bytes() == PAYLOAD
    half = len(PAYLOAD) // 2
    assert server.requests == [("/vgg.mat", None), ("/vgg.mat", "bytes=%d-" % half)]
    assert "resuming from byte %d" % half in out.getvalue()


def test_cut_transfer_resumes_on_the_next_run(server, tmp_path):
    server.cuts_left = 1
    dest = tmp_path / "vgg.mat"
    with pytest.raises(DownloadError) as info:
        download(server.url, dest=str(dest), sha256=SHA, retries=0, out=io.StringIO())
    half = len(PAYLOAD) // 2
    part = str(dest) + ".part"
    assert str(info.value) == (
        "download of %s stopped (connection closed at %d of %d bytes); the %d bytes fetched are "
        "kept in %s: run the same command again to resume"
        % (server.url, half, len(PAYLOAD), half, part)
    )
    assert not dest.exists() and open(part, "rb").read() == PAYLOAD[:half]
    download(server.url, dest=str(dest), sha256=SHA, retries=0, out=io.StringIO())
    assert dest.read_bytes() == PAYLOAD and not os.path.exists(part)
    assert server.requests[-1] == ("/vgg.mat", "bytes=%d-" % half)


def test_server_without_range_support_restarts(server, tmp_path):
    server.ranges = False
    dest = tmp_path / "vgg.mat"
    with open(str(dest) + ".part", "wb") as fh:
        fh.write(b"garbage that must not stay at the front")
    out = io.StringIO()
    download(server.url, dest=str(dest), sha256=SHA, out=out)
    assert dest.read_bytes() == PAYLOAD and "starting again from the beginning" in out.getvalue()


def test_checksum_mismatch_deletes_the_file(server, tmp_path):
    dest = tmp_path / "vgg.mat"
    wrong = "0" * 64
    with pytest.raises(DownloadError) as info:
        download(server.url, dest=str(dest), sha256=wrong, out=io.StringIO())
    assert str(info.value) == (
        "checksum mismatch for %s: SHA-256 %s, expected %s; the bad file was deleted, nothing was "
        "saved to %s" % (server.url, SHA, wrong, dest)
    )
    assert _files(tmp_path) == []


def test_default_checksum_is_the_published_one(server, tmp_path):
    """Without --sha256 the published VGG-19 checksum applies, so this payload is refused."""
    with pytest.raises(
        DownloadError,
        match="expected abdb57167f82a2a1fbab1e1c16ad9373411883f262a1a37ee5db2e6fb0044695",
    ):
        download(server.url, dest=str(tmp_path / "x.mat"), out=io.StringIO())
    assert _files(tmp_path) == []


def test_404_is_one_clear_line(server, tmp_path):
    url = server.url.replace("vgg.mat", "missing.mat")
    with pytest.raises(DownloadError) as info:
        download(url, dest=str(tmp_path / "x.mat"), sha256=SHA, out=io.StringIO())
    assert (
        str(info.value) == "download of %s failed: HTTP 404 Not Found; check the URL (--url)" % url
    )
    assert _files(tmp_path) == []


def test_refused_connection(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens on this port now
    url = "http://127.0.0.1:%d/vgg.mat" % port
    with pytest.raises(DownloadError) as info:
        download(url, dest=str(tmp_path / "x.mat"), sha256=SHA, out=io.StringIO())
    message = str(info.value)
    assert message.startswith("cannot connect to %s (" % url) and "refused" in message.lower()
    assert message.endswith("); check the network or --url") and "\n" not in message
    assert _files(tmp_path) == []


def test_bad_sha256_option(tmp_path):
    with pytest.raises(DownloadError, match=r"--sha256 'xyz' is not 64 hexadecimal digits"):
        download("http://127.0.0.1:9/x.mat", dest=str(tmp_path / "x.mat"), sha256="xyz")


def test_default_dest_is_the_user_cache(server, tmp_path):
    path = download(server.url, sha256=SHA, out=io.StringIO())
    assert path == str(tmp_path / "xdg" / "nst-course" / "imagenet-vgg-verydeep-19.mat")
    assert open(path, "rb").read() == PAYLOAD


def test_progress_bar_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    out = Tty()
    bar = Progress(1000, out=out)
    bar.update(500)
    bar.close()
    text = out.getvalue()  # tqdm's bar, left at 50 %: the download stopped half way
    assert text.startswith("\rdownload:") and "50%" in text and "500/1.00k" in text
    assert text.endswith("\n") and "100%" not in text


def test_command_line_download(server, tmp_path):
    dest = tmp_path / "cli.mat"
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "xdg"), no_proxy="127.0.0.1")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "nst_course",
            "weights",
            "download",
            "--url",
            server.url,
            "--dest",
            str(dest),
            "--sha256",
            SHA,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(dest) and dest.read_bytes() == PAYLOAD
    assert "100.0%" in proc.stderr
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "nst_course",
            "weights",
            "download",
            "--url",
            server.url + "x",
            "--dest",
            str(tmp_path / "other.mat"),
            "--sha256",
            SHA,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        "nst-course: error: download of %sx failed: HTTP 404 Not Found; check the URL (--url)"
        % server.url
    )
