"""The VGG weights asset: what a weight set is, where it is looked for, and reading it.

Layers, bottom up (a module imports only those above it in this list, and of the rest of the
package only :mod:`nst_course.errors`, :mod:`nst_course.layers`, :mod:`nst_course.config` and
the plumbing (:mod:`nst_course.files`); never the main job, the grader or the command line):

- :mod:`.model`: the known files, :class:`VGGWeights` / :class:`VGGLayer`, :func:`validate`;
- :mod:`.places`: the per-user cache directory and the course's place of the file;
- :mod:`.matconvnet`, :mod:`.keras`, :mod:`.cache`, :mod:`.synthetic`: the readers and writers
  of each format (``.mat`` current/older layout, Keras ``.h5``, the ``.npz`` conv cache, random
  and true-shape synthetic weights);
- :mod:`.lookup`: the lookup order (:func:`find_weights`) and :func:`load_weights` for any source;
- :mod:`.download`: fetching and verifying the published file; :mod:`.cli`: ``nst-course weights``.

The public names of ``model``, ``places``, ``matconvnet`` and ``lookup`` are this package's
(``nst_course.weights.find_weights`` and friends): :data:`__all__`.
"""

from .lookup import (
    find_weights,
    load_weights,
    not_found_message,
    untrained_warning,
    weights_for_run,
)
from .matconvnet import (
    HDF5_MAGIC,
    MAT5_MAGIC,
    MAT73_MAGIC,
    ZIP_MAGIC,
    check_file,
    check_mat_complete,
    detect_format,
    read_matconvnet,
    weights_from_mat,
)
from .model import (
    DEFAULT_FILE,
    DEFAULT_NAME,
    DOWNLOAD_COMMAND,
    ENV_VAR,
    KNOWN_FILES,
    LAYOUTS,
    KnownFile,
    VGGLayer,
    VGGWeights,
    expected_names,
    validate,
)
from .places import (
    cache_dir,
    default_locations,
    searched_places,
)

__all__ = [
    "DEFAULT_FILE",
    "DEFAULT_NAME",
    "DOWNLOAD_COMMAND",
    "ENV_VAR",
    "HDF5_MAGIC",
    "KNOWN_FILES",
    "KnownFile",
    "LAYOUTS",
    "MAT5_MAGIC",
    "MAT73_MAGIC",
    "VGGLayer",
    "VGGWeights",
    "ZIP_MAGIC",
    "cache_dir",
    "check_file",
    "check_mat_complete",
    "default_locations",
    "detect_format",
    "expected_names",
    "find_weights",
    "load_weights",
    "not_found_message",
    "read_matconvnet",
    "searched_places",
    "untrained_warning",
    "validate",
    "weights_for_run",
    "weights_from_mat",
]
