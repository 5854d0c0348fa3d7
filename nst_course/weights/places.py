"""Where weights live on disk: the per-user cache directory and the places the lookup order
searches after ``$NST_VGG_MODEL``."""

import os

from ..config import CONFIG
from .model import DEFAULT_NAME, ENV_VAR


def cache_dir():
    """The per-user cache directory: ``$XDG_CACHE_HOME/nst-course`` (when XDG_CACHE_HOME is an
    absolute path, as the XDG spec asks), else ``~/.cache/nst-course``. Not created here."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "nst-course")


def default_locations():
    """The places searched after ``$NST_VGG_MODEL``, in order: [(description, path)]."""
    return [
        ("the course's place under the working directory", CONFIG.VGG_MODEL),
        ("the user cache", os.path.join(cache_dir(), DEFAULT_NAME)),
    ]


def searched_places():
    """One line naming every place the lookup order searches (for messages)."""
    env = os.environ.get(ENV_VAR)
    places = ["$%s (%s)" % (ENV_VAR, env if env else "unset")]
    places += [path for _, path in default_locations()]
    return ", ".join(places)
