"""What a ported notebook needs besides its code: the VGG-19 weights and the course's images.

The course's notebook reads, relative to its own folder (Jupyter's working directory):
``pretrained-model/imagenet-vgg-verydeep-19.mat`` and ``images/louvre.jpg``,
``images/monet_800600.jpg``, ``images/louvre_small.jpg`` and ``images/monet.jpg``; the last
two go into the 300 x 400 network without resizing, so they must be 400 x 300 pixels.
:func:`check_weights` and :func:`missing_images` find what is missing; :func:`provide_images`
copies images from a folder, or from this project's demo images under the course's names.
"""

import os
import re
import shutil

from PIL import Image

from ..config import CONFIG
from ..errors import NSTError
from ..files import atomic_write
from ..weights import DEFAULT_NAME, DOWNLOAD_COMMAND, ENV_VAR, cache_dir
from .rewrite import comment_start

COURSE_VGG_MODEL = "pretrained-model/imagenet-vgg-verydeep-19.mat"

#: The course's images that go straight into the network: they must have CONFIG's size.
NETWORK_IMAGES = ("louvre_small.jpg", "monet.jpg")

#: The demo images standing in for the course's: course name -> (our file, size or None).
DEMO_FOR = {
    "louvre.jpg": ("tubingen_400x300.jpg", None),
    "louvre_small.jpg": ("tubingen_400x300.jpg", None),
    "monet.jpg": ("monet_400x300.jpg", None),
    "monet_800600.jpg": ("monet.jpg", (800, 600)),
}
#: The one line that runs a ported notebook on the untrained network when it has no weights
#: (a cell of its own above ``load_vgg_model``; the port report and the notebook's error say it).
UNTRAINED_LINE = "%%env %s=random" % ENV_VAR

#: The credit file copied next to demo images (the images' licences ask for it).
DEMO_CREDIT = "DEMO_IMAGES_SOURCES.md"

_IMAGE_LITERAL = re.compile(r"""(['"])([^'"\n]+?\.(?:jpe?g|png|bmp|gif|tiff?|webp))\1""", re.I)
_WRITES = re.compile(r"\b(?:save_image|imsave|imwrite|savefig|save)\s*\(")
_VGG_CALL = re.compile(r"""load_vgg_model\(\s*(?:(['"])([^'"\n]+)\1|(CONFIG\.VGG_MODEL))?""")


def demo_images_dir():
    """This project's demo images (shipped with the package, or ``images/`` in a clone), or
    None."""
    from ..packaged import images_dir

    folder = images_dir()
    return folder if folder and os.path.isfile(os.path.join(folder, "monet_400x300.jpg")) else None


def referenced_images(cells):
    """The image paths that the code reads (string literals ending in an image extension, on
    lines that do not write a file), in order of first use."""
    found = []
    for _, source in cells:
        for line in source.splitlines():
            code = line[: comment_start(line)]
            if not code.strip() or _WRITES.search(code):
                continue
            for _, path in _IMAGE_LITERAL.findall(code):
                if "://" not in path and path not in found:
                    found.append(path)
    return found


def missing_images(paths, base_dir):
    """Those of ``paths`` (relative to ``base_dir`` unless absolute) that are not files."""
    return [p for p in paths if not os.path.isfile(os.path.join(base_dir, p))]


def image_size(path):
    """(width, height) of an image file, or None if it cannot be read."""
    try:
        from PIL import Image

        with Image.open(path) as im:
            return im.size
    except Exception:  # noqa: BLE001 - any unreadable file: reported as such
        return None


def wrong_sizes(paths, base_dir):
    """[(path, (w, h))] of the network images (``louvre_small.jpg``, ``monet.jpg``) whose size
    is not CONFIG's 400 x 300 (the course feeds them to the network without resizing)."""
    want = (CONFIG.IMAGE_WIDTH, CONFIG.IMAGE_HEIGHT)
    wrong = []
    for path in paths:
        full = os.path.join(base_dir, path)
        if os.path.basename(path) in NETWORK_IMAGES and os.path.isfile(full):
            size = image_size(full)
            if size != want:
                wrong.append((path, size))
    return wrong


def _resized_copy(source, target, size):
    """Centre-crop ``source`` to the aspect of ``size`` and resize it to ``size``; JPEG."""
    with Image.open(source) as im:
        im = im.convert("RGB")
        w, h = im.size
        want = size[0] / size[1]
        if w / h > want:
            cw, ch = int(round(h * want)), h
        else:
            cw, ch = w, int(round(w / want))
        left, top = (w - cw) // 2, (h - ch) // 2
        out = im.crop((left, top, left + cw, top + ch)).resize(size, Image.LANCZOS)
        atomic_write(target, lambda tmp: out.save(tmp, "JPEG", quality=92))


def provide_images(missing, base_dir, source):
    """Put the ``missing`` images in place under ``base_dir``, from ``source``: a folder (each
    file taken by its base name) or ``'demo'`` (this project's demo images under the course's
    names). Existing files are never replaced. Returns ([(path, from)], still missing)."""
    done, still = [], []
    if source == "demo":
        folder = demo_images_dir()
        if folder is None:
            raise NSTError(
                "the demo images are not installed with this copy of nst-course "
                "(they live in images/ of its source checkout); use --images DIR"
            )
    else:
        folder = source
        if not os.path.isdir(folder):
            raise NSTError(
                "--images %s is not a folder; give the folder that holds the course's "
                "images, or 'demo'" % source
            )
    for path in missing:
        target = os.path.join(base_dir, path)
        name = os.path.basename(path)
        if source == "demo":
            if name not in DEMO_FOR:
                still.append(path)
                continue
            ours, size = DEMO_FOR[name]
            origin = os.path.join(folder, ours)
        else:
            origin, size = os.path.join(folder, name), None
            if not os.path.isfile(origin):
                still.append(path)
                continue
        if os.path.exists(target):
            continue
        os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
        if size is None:
            shutil.copyfile(origin, target)
        else:
            _resized_copy(origin, target, size)
        done.append((path, "demo image %s" % ours if source == "demo" else origin))
    if source == "demo" and done:
        credit = os.path.join(os.path.dirname(os.path.join(base_dir, done[0][0])), DEMO_CREDIT)
        sources = os.path.join(folder, "SOURCES.md")
        if not os.path.exists(credit) and os.path.isfile(sources):
            shutil.copyfile(sources, credit)
    return done, still


def weights_paths(cells):
    """The weights paths the code passes to ``load_vgg_model`` (``CONFIG.VGG_MODEL`` and a call
    without argument count as the course's path)."""
    paths = []
    for _, source in cells:
        for match in _VGG_CALL.finditer(source):
            path = match.group(2) or COURSE_VGG_MODEL
            if path not in paths:
                paths.append(path)
    return paths


def check_weights(path, base_dir):
    """(found, message): where the notebook's ``load_vgg_model(path)`` will read its weights,
    run from ``base_dir``, or what to do when it finds none. The course's path means the
    package's lookup order (see :func:`nst_course.port.nst_utils.weights_source`)."""
    course = os.path.normpath(path) == os.path.normpath(COURSE_VGG_MODEL)
    if not course:
        full = os.path.join(base_dir, path)
        if os.path.isfile(full):
            return full, "weights: %s" % path
        return None, (
            "weights: %s (the path the notebook passes to load_vgg_model) is missing; "
            "put the file there or change the path" % path
        )
    env = os.environ.get(ENV_VAR)
    if env:
        if env == "random":
            return env, (
                "weights: $%s=random: the UNTRAINED network; the costs will not be the "
                "course's" % ENV_VAR
            )
        if os.path.exists(env):
            return env, "weights: %s (from $%s)" % (env, ENV_VAR)
        return None, (
            "weights: $%s is set to %s, which does not exist; fix or unset it" % (ENV_VAR, env)
        )
    here = os.path.join(base_dir, COURSE_VGG_MODEL)
    if os.path.isfile(here):
        return here, "weights: %s (next to the notebook)" % COURSE_VGG_MODEL
    cached = os.path.join(cache_dir(), DEFAULT_NAME)
    if os.path.isfile(cached):
        return cached, "weights: %s (the user cache)" % cached
    return None, (
        "weights: not found (the notebook looks at $%s, %s next to the notebook, and "
        "%s); get them with `%s` (510 MB, into the user cache) or copy your "
        "imagenet-vgg-verydeep-19.mat to %s next to the notebook; or run it on the "
        "untrained network, whose pictures are weaker: put the line `%s` in a cell at the top"
        % (ENV_VAR, COURSE_VGG_MODEL, cached, DOWNLOAD_COMMAND, COURSE_VGG_MODEL, UNTRAINED_LINE)
    )
