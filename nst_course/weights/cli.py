"""``nst-course weights download`` and ``nst-course weights verify``.

    nst-course weights download [--url URL] [--dest PATH] [--sha256 HEX|none]
    nst-course weights verify [PATH] [--checksum]

``verify`` prints what it found (file, layout, network, checksum) and exits 0 when the weights
are usable, 1 (with a one-line ``nst-course: error: ...``) when they are not.
"""

import argparse
import os

from .._values import non_negative_int
from ..errors import WeightsError
from .download import default_dest, download, file_digests
from .lookup import _format_for, find_weights, load_weights, not_found_message
from .matconvnet import read_matconvnet
from .model import DEFAULT_FILE, DOWNLOAD_COMMAND, KNOWN_FILES, LAYOUTS, validate


def add_parser(subparsers, formatter_class, parser_class):
    """Add ``weights`` (with ``download`` and ``verify``) to the command line."""
    p = subparsers.add_parser(
        "weights", help="get and check the VGG-19 weights", formatter_class=formatter_class
    )
    sub = p.add_subparsers(dest="weights_command", metavar="COMMAND", parser_class=parser_class)
    sub.required = True
    _add_download(sub, formatter_class)
    _add_verify(sub, formatter_class)
    return p


def _add_download(sub, formatter_class):

    p = sub.add_parser(
        "download",
        help="fetch the VGG-19 weights and check their SHA-256",
        formatter_class=formatter_class,
        description="Download %s (about 510 MB) with a progress bar, resuming an interrupted "
        "transfer, and keep it only when its SHA-256 matches." % DEFAULT_FILE.name,
    )
    p.add_argument("--url", default=DEFAULT_FILE.url, help="where to fetch the file from")
    p.add_argument(
        "--dest",
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="where to save it (a file or a directory); default: %s"
        % default_dest(DEFAULT_FILE.url).replace(os.path.expanduser("~"), "~"),
    )
    p.add_argument(
        "--sha256",
        default=DEFAULT_FILE.sha256,
        metavar="HEX|none",
        help="expected SHA-256 ('none' skips the check)",
    )
    p.add_argument(
        "--retries",
        type=non_negative_int,
        default=3,
        help="resume a cut transfer this many times",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=cmd_download)


def _add_verify(sub, formatter_class):
    p = sub.add_parser(
        "verify",
        help="check a weights file",
        formatter_class=formatter_class,
        description="Name the layout of a weights file (MatConvNet current/older, Keras h5, "
        "nst-course cache), check the layers the network needs and, for a file of the published "
        "size, its checksum. Exit status 0: usable; 1: not.",
    )
    p.add_argument(
        "path",
        nargs="?",
        default=None,
        help="the file, or 'random' (default: the lookup order: $NST_VGG_MODEL, "
        "./pretrained-model/, the user cache)",
    )
    p.add_argument(
        "--checksum", action="store_true", help="compute the checksums whatever the file's size"
    )
    p.set_defaults(handler=cmd_verify)


def cmd_download(args):

    path = download(
        url=args.url,
        dest=getattr(args, "dest", None),
        sha256=args.sha256,
        retries=args.retries,
        progress=not args.no_progress,
    )
    print(path)
    return 0


def checksum_status(path, force=False):
    """(verdict, text) for the file's checksums: verdict True (a published file), False (the
    published size but other bytes: corrupt) or None (not checked / not a published file)."""
    size = os.path.getsize(path)
    known_sizes = {k.size for k in KNOWN_FILES if k.size}
    if size not in known_sizes and not force:
        return (
            None,
            "not checked (%d bytes, not the published %s's %d; --checksum checks anyway)"
            % (size, DEFAULT_FILE.name, DEFAULT_FILE.size),
        )
    sha, md5 = file_digests(path)
    for known in KNOWN_FILES:
        if (known.sha256 and sha == known.sha256) or (known.md5 and md5 == known.md5):
            return True, "%s matches the published %s (%s)" % (
                "SHA-256" if known.sha256 == sha else "MD5",
                known.name,
                known.layout,
            )
    if size in known_sizes:
        return False, (
            "SHA-256 %s differs from the published file of this size; the file is corrupt: "
            "run `%s`" % (sha, DOWNLOAD_COMMAND)
        )
    return None, "SHA-256 %s matches no published file (fine for a file made elsewhere)" % sha


def _read(path, kind):
    """Read and validate without the cache: verify checks the file itself."""
    if kind == "npz":
        from .cache import read_cache

        return read_cache(path)
    if kind == "h5":
        from .keras import read_keras_h5

        return validate(read_keras_h5(path))
    return validate(read_matconvnet(path, keep_fc=False))


def verify(path=None, checksum=False, say=print):
    """Check a weights file (default: the lookup order's); report through ``say(line)``.

    Returns the validated :class:`~nst_course.weights.VGGWeights`; raises
    :class:`~nst_course.errors.WeightsError` (one line) when the file is not usable.
    """
    given = path
    path = find_weights(path)
    if path is None:
        raise WeightsError(not_found_message())
    if path == "random":
        weights = load_weights("random")
        say("file:     random (built in)")
        say("layout:   %s" % LAYOUTS["random"])
        say("network:  VGG-%d, %d conv layers to pool5" % (weights.depth(), _convs(weights)))
        say("usable:   yes, but untrained: results are weaker than with the real weights")
        return weights
    if given is None:
        say("found:    %s (by the lookup order)" % path)
    kind = _format_for(path)
    say("file:     %s (%d bytes)" % (path, os.path.getsize(path)))
    weights = _read(path, kind)
    layout = LAYOUTS.get(weights.layout, weights.layout)
    if weights.layout == "cache":
        meta = weights.meta
        fresh = _cache_is_current(meta)
        layout += " of %s (%s; %s)" % (
            meta["source"],
            LAYOUTS.get(meta["source_layout"], "?"),
            "current" if fresh else "the source has changed or gone since",
        )
    say("layout:   %s" % layout)
    say(
        "network:  VGG-%d, %d conv layers to pool5 checked (names, kernel shapes, finite values)"
        % (weights.depth(), _convs(weights))
    )
    if kind in ("mat", "h5"):
        verdict, text = checksum_status(path, force=checksum)
        say("checksum: %s" % text)
        if verdict is False:
            raise WeightsError("%s: %s" % (path, text))
    say("usable:   yes")
    return weights


def _convs(weights):
    return sum(1 for layer in weights.layers if layer.name.startswith("conv"))


def _cache_is_current(meta):
    try:
        st = os.stat(meta["source"])
    except OSError:
        return False
    return (st.st_size, st.st_mtime_ns) == (meta["source_size"], meta["source_mtime_ns"])


def cmd_verify(args):
    verify(args.path, checksum=args.checksum)
    return 0
