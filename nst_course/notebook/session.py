"""``setup()``: what every notebook of the project does first (see the package docstring)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import numpy as np

#: The environment variables a notebook reads (the tests set them to run small and fast).
ENV_IMAGES = "NST_NOTEBOOK_IMAGES"
ENV_WIDTH, ENV_HEIGHT = "NST_NOTEBOOK_WIDTH", "NST_NOTEBOOK_HEIGHT"
ENV_ITERATIONS, ENV_PRINT_EVERY = "NST_NOTEBOOK_ITERATIONS", "NST_NOTEBOOK_PRINT_EVERY"
ENV_OUTPUT = "NST_NOTEBOOK_OUTPUT"


@dataclass(frozen=True)
class Notebook:
    """A notebook's settings, as :func:`setup` found them.

    ``width`` x ``height`` is the generated image's size (the course's 400 x 300 unless
    ``$NST_NOTEBOOK_WIDTH``/``$NST_NOTEBOOK_HEIGHT`` say otherwise), ``iterations`` and
    ``print_every`` are ``model_nn``'s (200, 20), ``output_dir`` where it saves (``output``);
    ``image_dirs`` are the folders searched for pictures, in order; ``weights`` is the VGG-19
    file to load, or ``'random'`` for the untrained network.
    """

    width: int
    height: int
    iterations: int
    print_every: int
    output_dir: str
    image_dirs: tuple[str, ...]
    weights: str

    def image_path(self, name: str) -> str:
        """The path of picture ``name`` (e.g. ``"tubingen.jpg"``): the first of
        :attr:`image_dirs` that holds it. A missing picture raises
        :class:`~nst_course.errors.ImageError` naming every folder searched and the two
        ways to fix it."""
        from ..errors import ImageError

        for folder in self.image_dirs:
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                return path
        raise ImageError(
            "image not found: %s; looked in %s. Set $%s to the folder that holds it, or write "
            "the notebooks with their pictures beside them: `nst-course notebooks DIR`"
            % (name, ", ".join(self.image_dirs) or "no folder", ENV_IMAGES)
        )

    def load_image(self, name: str) -> np.ndarray:
        """Picture ``name`` as a (height, width, 3) uint8 array of the notebook's size (any
        size and mode on disk: converted to RGB and resized with Pillow's Lanczos filter)."""
        from ..loading import load_image

        return load_image(self.image_path(name), self.width, self.height)


def _positive(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError("$%s=%r: expected a positive whole number" % (name, text))
    return value


def _home(cwd: str | None = None) -> str | None:
    """The working directory or the nearest folder above it that has an ``images/`` folder
    (a clone of the repository, a folder written by ``nst-course notebooks``), or None."""
    here = os.path.abspath(cwd or os.getcwd())
    while not os.path.isdir(os.path.join(here, "images")):
        if os.path.dirname(here) == here:
            return None
        here = os.path.dirname(here)
    return here


def image_dirs(environ=None, cwd: str | None = None) -> tuple[str, ...]:
    """Where a notebook looks for its pictures, in order: ``$NST_NOTEBOOK_IMAGES`` alone when
    it is set; else ``images/`` in the working directory or the nearest folder above it that
    has one (the course's relative path, a clone of the repository, or a folder written by
    ``nst-course notebooks``), then the demo images installed with the package."""
    from ..packaged import images_dir

    environ = os.environ if environ is None else environ
    if environ.get(ENV_IMAGES):
        return (os.path.abspath(environ[ENV_IMAGES]),)
    home = _home(cwd)
    found = [os.path.join(home, "images")] if home else []
    shipped = images_dir()
    if shipped and os.path.abspath(shipped) not in found:
        found.append(os.path.abspath(shipped))
    return tuple(found)


def untrained_notice() -> str:
    """The command line's untrained-network warning, its last line said for a notebook."""
    from ..weights.lookup import untrained_warning

    lines = untrained_warning().splitlines()
    lines = [
        "WARNING: or set $NST_VGG_MODEL to the file before starting Jupyter."
        if "--require-pretrained" in line
        else line
        for line in lines
    ]
    return "\n".join(lines)


def setup(legacy_printing: bool = True, quiet: bool = False) -> Notebook:
    """Prepare this notebook's process and return its :class:`Notebook` settings.

    In order: oneDNN's CPU kernels on unless ``$TF_ENABLE_ONEDNN_OPTS`` says otherwise (the
    notebook trains, as ``nst-course run`` does: 1.4-1.6x faster per step on CPUs where
    TensorFlow would not pick oneDNN itself); TensorFlow imported without its start-up log
    lines; with ``legacy_printing`` numbers printed as numpy 1.13 did, 8 decimals for arrays,
    so outputs compare digit by digit with the course's Expected Output cells (only the
    printing changes, not the values); the VGG-19 weights looked up as everywhere else
    (``$NST_VGG_MODEL``, ``pretrained-model/`` here, the user cache filled by
    ``nst-course weights download``; then ``pretrained-model/`` beside the ``images/`` folder
    found above the working directory, as in a clone), else the untrained network with the command line's
    warning on stderr. Prints one line with the settings unless ``quiet``. Call it before
    importing TensorFlow: a kernel that already has TensorFlow keeps what it has.
    """
    from ..run.onednn import enable_onednn
    from ..run.quiet import import_tensorflow_quietly
    from ..weights import find_weights

    enable_onednn()
    import_tensorflow_quietly()
    if legacy_printing:
        np.set_printoptions(legacy="1.13", floatmode="fixed")
    from ..config import CONFIG

    weights = find_weights()
    home = _home()
    if weights is None and home and os.path.isfile(os.path.join(home, CONFIG.VGG_MODEL)):
        weights = os.path.join(home, CONFIG.VGG_MODEL)  # the course's place, beside images/
    if weights is None:
        print(untrained_notice(), file=sys.stderr, flush=True)
        weights = "random"
    notebook = Notebook(
        width=_positive(ENV_WIDTH, CONFIG.IMAGE_WIDTH),
        height=_positive(ENV_HEIGHT, CONFIG.IMAGE_HEIGHT),
        iterations=_positive(ENV_ITERATIONS, 200),
        print_every=_positive(ENV_PRINT_EVERY, 20),
        output_dir=os.environ.get(ENV_OUTPUT) or CONFIG.OUTPUT_DIR,
        image_dirs=image_dirs(),
        weights=weights,
    )
    if not quiet:
        print(
            "image size %dx%d, %d iterations, weights: %s, pictures from: %s"
            % (
                notebook.width,
                notebook.height,
                notebook.iterations,
                notebook.weights,
                notebook.image_dirs[0] if notebook.image_dirs else "nowhere",
            )
        )
    return notebook
