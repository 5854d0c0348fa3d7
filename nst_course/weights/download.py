"""Fetching the VGG-19 weights: ``nst-course weights download``.

:func:`download` streams the file to ``<dest>.part`` with a progress bar on stderr (a redrawn
bar on a terminal, a plain line every 10 % otherwise), resumes an interrupted transfer with an
HTTP ``Range`` request (also on a later run: the ``.part`` file is kept), checks the SHA-256 of
the whole file and only then renames it to ``dest``. A file whose checksum does not match is
deleted and the error says so.

Default source: the MatConvNet page's ``imagenet-vgg-verydeep-19.mat`` with its published
SHA-256 (``weights.DEFAULT_FILE``). Default destination: ``<cache_dir>/imagenet-vgg-verydeep-19.mat``
(``$XDG_CACHE_HOME/nst-course`` or ``~/.cache/nst-course``), the last place of the lookup order,
so the weights are found from any working directory.
"""

import hashlib
import http.client
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from .. import __version__, _progress
from ..errors import WeightsError
from .model import DEFAULT_FILE, DEFAULT_NAME
from .places import cache_dir, default_locations

CHUNK = 1 << 20


class DownloadError(WeightsError):
    """The download failed; the message says whether a ``.part`` file was kept to resume."""


class _Interrupted(Exception):
    """The transfer stopped before the end (kept bytes can be resumed)."""


def file_digests(path, chunk=CHUNK):
    """(sha256 hex, md5 hex) of a file, read once in chunks."""
    sha, md5 = hashlib.sha256(), hashlib.md5()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            sha.update(block)
            md5.update(block)
    return sha.hexdigest(), md5.hexdigest()


def default_dest(url):
    """Where a download of ``url`` goes without ``--dest``: a ``.mat`` always becomes
    ``<cache_dir>/imagenet-vgg-verydeep-19.mat`` (found by the lookup order); anything else
    keeps its own name in the cache directory."""
    name = os.path.basename(urllib.parse.urlparse(url).path) or DEFAULT_NAME
    if name.lower().endswith(".mat"):
        name = DEFAULT_NAME
    return os.path.join(cache_dir(), name)


def _human(n):
    return "%.1f MB" % (n / 1e6)


class Progress:
    """Progress of a download of ``total`` bytes (None when unknown) written to ``out``.

    On a terminal (or in Jupyter) a tqdm bar (:mod:`nst_course._progress`); otherwise a plain
    line at every 10 % (every 50 MB when the total is unknown), so logs stay readable.
    """

    WIDTH = 30  # characters of the plain lines' bar

    def __init__(self, total, initial=0, out=None, tty=None):
        self.out = sys.stderr if out is None else out
        self.total, self.initial, self.done = total, initial, initial
        self.start = time.monotonic()
        self.last_step = self._step(initial)
        self.bar = _progress.bar(
            total,
            self.out,
            tty=tty,
            initial=initial,
            unit="B",
            unit_scale=True,
            unit_divisor=1000,
            desc="download",
        )
        self.tty = self.bar is not None

    def _step(self, done):
        if self.total:
            return int(10 * done / self.total)
        return int(done // 50_000_000)

    def line(self):
        elapsed = max(time.monotonic() - self.start, 1e-9)
        rate = (self.done - self.initial) / elapsed
        if self.total:
            frac = min(self.done / self.total, 1.0)
            eta = (self.total - self.done) / rate if rate > 0 else 0
            fill = int(round(frac * self.WIDTH))
            return "%5.1f%% [%s%s] %s / %s  %.1f MB/s  ETA %d:%02d" % (
                100 * frac,
                "#" * fill,
                "." * (self.WIDTH - fill),
                _human(self.done),
                _human(self.total),
                rate / 1e6,
                eta // 60,
                eta % 60,
            )
        return "%s  %.1f MB/s" % (_human(self.done), rate / 1e6)

    def update(self, done):
        if self.bar is not None:
            self.bar.update(done - self.done)
            self.done = done
            return
        self.done = done
        step = self._step(done)
        if step > self.last_step:
            self.last_step = step
            self.out.write(self.line() + "\n")
            self.out.flush()

    def close(self):
        if self.bar is not None:
            self.bar.close()
            return
        if self.total is None or self.last_step < 10:  # the 100 % line is not out yet
            self.out.write(self.line() + "\n")
        self.out.flush()


def _check_hex(sha256):
    if sha256 is None or str(sha256).lower() in ("", "none", "skip"):
        return None
    value = str(sha256).strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise DownloadError("--sha256 %r is not 64 hexadecimal digits (or 'none')" % sha256)
    return value


def _fetch(url, part, out, timeout, chunk, progress):
    """Append the rest of ``url`` to ``part`` (from its current size, with a Range request)."""
    have = os.path.getsize(part) if os.path.exists(part) else 0
    headers = {"User-Agent": "nst-course/%s" % __version__}
    if have:
        headers["Range"] = "bytes=%d-" % have
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # nothing left to send: the .part file is complete
            return
        kept = " (the %d bytes fetched so far stay in %s)" % (have, part) if have else ""
        raise DownloadError(
            "download of %s failed: HTTP %d %s; check the URL (--url)%s"
            % (url, exc.code, exc.reason, kept)
        ) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        kept = (
            "; the %d bytes fetched so far stay in %s, run again to resume" % (have, part)
            if have
            else ""
        )
        raise DownloadError(
            "cannot connect to %s (%s); check the network or --url%s" % (url, reason, kept)
        ) from None
    with response:
        mode = "ab"
        if have and response.status == 206:
            match = re.match(r"bytes (\d+)-", response.headers.get("Content-Range", ""))
            if not match or int(match.group(1)) != have:
                os.remove(part)  # a range we did not ask for: start again from the beginning
                raise _Interrupted("the server answered the resume request with another range")
        elif have:
            have, mode = 0, "wb"  # the server ignored Range and sends everything
            print("the server does not resume; starting again from the beginning", file=out)
        length = response.headers.get("Content-Length")
        total = have + int(length) if length and length.isdigit() else None
        bar = Progress(total, initial=have, out=out) if progress else None
        with open(part, mode) as fh:
            while True:
                try:
                    data = response.read(chunk)
                except (TimeoutError, http.client.HTTPException, OSError) as exc:
                    raise _Interrupted(str(exc) or type(exc).__name__) from None
                if not data:
                    break
                fh.write(data)
                have += len(data)
                if bar:
                    bar.update(have)
            fh.flush()
            os.fsync(fh.fileno())
        if bar:
            bar.close()
    if total is not None and have < total:
        raise _Interrupted("connection closed at %d of %d bytes" % (have, total))


def download(
    url=None,
    dest=None,
    sha256=DEFAULT_FILE.sha256,
    retries=3,
    progress=True,
    out=None,
    timeout=60,
    chunk=CHUNK,
):
    """Download ``url`` (default: the MatConvNet VGG-19 file) to ``dest`` and verify it.

    Arguments:
    url -- the file to fetch (default ``weights.DEFAULT_FILE.url``)
    dest -- the final path, or an existing directory to put it in (default: :func:`default_dest`)
    sha256 -- the expected SHA-256 (hex); default the published file's; None or 'none' skips
              the check (not recommended)
    retries -- how many times a transfer cut in the middle is resumed at once (HTTP Range)
    progress -- show the progress bar; out -- where messages and the bar go (default stderr)

    Returns the path of the verified file. Raises :class:`DownloadError` (one line) when the
    server cannot be reached or answers with an error (any partial file is kept in
    ``<dest>.part`` and a later call resumes it), when the transfer stops ``retries + 1``
    times, or when the checksum does not match (the bad file is deleted).
    """
    out = sys.stderr if out is None else out
    url = url or DEFAULT_FILE.url
    expected = _check_hex(sha256)
    dest = _destination(url, dest)
    if expected and os.path.isfile(dest) and file_digests(dest)[0] == expected:
        print("%s is already there and its SHA-256 matches; nothing to do" % dest, file=out)
        return dest
    part = dest + ".part"
    print("downloading %s\n         to %s" % (url, dest), file=out)
    _fetch_with_retries(url, part, out, timeout, chunk, progress, retries)
    _keep_if_verified(url, part, dest, expected, out)
    if os.path.abspath(dest) not in [os.path.abspath(p) for _, p in default_locations()]:
        print("to use it from anywhere: export NST_VGG_MODEL=%s" % os.path.abspath(dest), file=out)
    return dest


def _destination(url, dest):
    """The file to write: ``dest``, a file in ``dest`` (a directory), or the default place;
    its directory is created."""
    dest = os.fspath(default_dest(url) if dest is None else dest)
    if os.path.isdir(dest):
        dest = os.path.join(dest, os.path.basename(urllib.parse.urlparse(url).path) or DEFAULT_NAME)
    os.makedirs(os.path.dirname(os.path.abspath(dest)), exist_ok=True)
    return dest


def _fetch_with_retries(url, part, out, timeout, chunk, progress, retries):
    """Fetch into ``part``, resuming a cut transfer up to ``retries`` times."""
    for attempt in range(retries + 1):
        try:
            _fetch(url, part, out, timeout, chunk, progress)
            break
        except _Interrupted as exc:
            have = os.path.getsize(part) if os.path.exists(part) else 0
            if attempt == retries:
                raise DownloadError(
                    "download of %s stopped (%s); the %d bytes fetched are kept in %s: run the "
                    "same command again to resume" % (url, exc, have, part)
                ) from None
            print(
                "transfer interrupted (%s); resuming from byte %d (retry %d of %d)"
                % (exc, have, attempt + 1, retries),
                file=out,
            )


def _keep_if_verified(url, part, dest, expected, out):
    """Move ``part`` to ``dest`` when its SHA-256 is ``expected`` (or none is); else delete it."""
    digest = file_digests(part)[0]
    if expected and digest != expected:
        os.remove(part)
        raise DownloadError(
            "checksum mismatch for %s: SHA-256 %s, expected %s; the bad file was deleted, "
            "nothing was saved to %s" % (url, digest, expected, dest)
        )
    os.replace(part, dest)
    if expected:
        print("SHA-256 verified; saved %s" % dest, file=out)
    else:
        print("saved %s (SHA-256 %s, not checked)" % (dest, digest), file=out)
