"""The VGG weights asset: what a weight set is, where it is looked for, and reading it.

Layers, bottom up (a module imports only those above it in this list, and of the rest of the
package only :mod:`nst_course.errors`, :mod:`nst_course.layers`, :mod:`nst_course.config` and
``images.atomic_write``; never the main job, the grader or the command line):

- :mod:`.model`: the known files, :class:`VGGWeights` / :class:`VGGLayer`, :func:`validate`;
- :mod:`.places`: the per-user cache directory and the course's place of the file;
- :mod:`.matconvnet`, :mod:`.keras`, :mod:`.cache`, :mod:`.synthetic`: the readers and writers
  of each format (``.mat`` current/older layout, Keras ``.h5``, the ``.npz`` conv cache, random
  and true-shape synthetic weights);
- :mod:`.lookup`: the lookup order (:func:`find_weights`) and :func:`load_weights` for any source;
- :mod:`.download`: fetching and verifying the published file; :mod:`.cli`: ``nst-course weights``.

This module re-exports the public names of ``model``, ``places``, ``matconvnet`` and ``lookup``,
so ``nst_course.weights.find_weights`` and friends work as before the split.
"""

from .lookup import (  # noqa: F401
    _format_for,
    find_weights,
    load_weights,
    not_found_message,
    untrained_warning,
    weights_for_run,
)
from .matconvnet import (  # noqa: F401
    HDF5_MAGIC,
    MAT5_MAGIC,
    MAT73_MAGIC,
    ZIP_MAGIC,
    _struct_field,
    _text,
    check_file,
    check_mat_complete,
    detect_format,
    read_matconvnet,
    weights_from_mat,
)
from .model import (  # noqa: F401
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
from .places import (  # noqa: F401
    cache_dir,
    default_locations,
    searched_places,
)
