"""Named recipes for ``nst-course run --preset NAME`` (beyond the course, opt-in).

A preset is a set of option values, measured by ``benchmarks/bench_quality.py`` (see the
README's "Time to a good picture" section). Options the user leaves at their default take
the preset's values; options given explicitly (a value other than the default) win.

``fast``: L-BFGS, coarse-to-fine: 12 iterations at 0.6 of the output size, 8 at the output
size, with ``--optimizer lbfgs-carry`` (the coarse scale's step scaling carried to the output
size, one evaluation of J per iteration: :mod:`nst_course.run.lbfgs`) and ``--precision auto``
(the convolutions in bfloat16 where the CPU computes it natively:
:mod:`nst_course.run.precision`). It reaches the total
cost that the course's recipe (noise 0.6, Adam 2.0, 200 iterations) ends with, measured with
the course's cost at the output size, in a fraction of the course's time; the picture is not
the same one (docs/performance/time-to-picture.md).
"""

import copy
import dataclasses

from ..errors import OptionError

#: name -> {RunOptions field: value}. The README and ``--help`` quote these.
PRESETS = {
    "fast": {
        "optimizer": "lbfgs-carry",
        "init": "content",
        "scales": [0.6, 1.0],
        "scale_iterations": [12, 8],
        "precision": "auto",
    },
}


#: name -> what benchmarks/bench_quality.py measured (quoted by ``--help``; README has the table).
MEASURED = {
    "fast": "reached the course recipe's final cost (Adam, 200 iterations) in 0.03 of its time "
    "at 400x300 and 0.04 at 280x210 on a CPU with bfloat16 units (AMX), 0.07 and 0.085 in "
    "float32 (untrained weights, 2-core machine)",
}


def _text(value):
    if isinstance(value, (list, tuple)):
        return ",".join(_text(v) for v in value)
    if isinstance(value, float):
        return "%g" % value
    return str(value)


def preset_flags(name):
    """The preset as command-line options: ``'--optimizer lbfgs --init content ...'``."""
    return " ".join(
        "--%s %s" % (key.replace("_", "-"), _text(value)) for key, value in PRESETS[name].items()
    )


def apply_preset(opts, defaults=None, given=None):
    """``opts`` with the values of its ``preset`` for every option not chosen by the user, as
    a copy; :class:`OptionError` for an unknown preset.

    ``given``: the names of the options the user gave (the command line records them:
    ``nst_course.run.cli``), which keep their values even where they equal the default
    (``--preset fast --scales 1``); without it, an option is the user's when its value
    differs from ``defaults`` (RunOptions(): a RunOptions made in code, a batch's row).
    """
    name = getattr(opts, "preset", None)
    if not name:
        return opts
    if name not in PRESETS:
        raise OptionError("--preset %r: choose %s" % (name, ", ".join(sorted(PRESETS))))
    if defaults is None:
        defaults = type(opts)()
    changes = {}
    for key, value in PRESETS[name].items():
        chosen = key in given if given is not None else getattr(opts, key) != getattr(defaults, key)
        if not chosen:
            changes[key] = list(value) if isinstance(value, list) else value
    if dataclasses.is_dataclass(opts):
        return dataclasses.replace(opts, **changes)
    merged = copy.copy(opts)
    for key, value in changes.items():
        setattr(merged, key, value)
    return merged
