"""``--precision``: the main job's arithmetic, float32 (the course's) or bfloat16 mixed precision.

With ``bfloat16`` the sessions of a stage ask TensorFlow's graph optimiser (grappler) for its
oneDNN mixed-precision rewrite (``auto_mixed_precision_onednn_bfloat16``): the convolutions and
their gradients run in bfloat16 on the CPU's bfloat16 units, with casts inserted around them,
while the Gram matrices (:data:`KEEP_FLOAT32_VAR`), sums, the cost's reductions and the image
variable stay float32. On a CPU with AMX (Intel Sapphire Rapids and later) a 400x300
evaluation of J and dJ/dG then takes 0.27 s against 0.70 s in float32
(docs/performance/time-to-picture.md).

bfloat16 keeps float32's range but 8 bits of mantissa (about 3 significant digits), so the
gradient is a little rougher, and the costs a run prints are computed in the same arithmetic.
That suits an optimiser (L-BFGS's line search only needs J to fall by more than its rounding),
not the course's published numbers: the default stays ``float32`` and the course's recipe never
uses it; ``--preset fast`` asks for ``auto``.

    float32   the course's arithmetic (no session option at all: byte for byte as before);
              also the default (None), which a preset may replace
    bfloat16  the rewrite; refused where the CPU has no bfloat16 units or oneDNN is off
              (TensorFlow would emulate bfloat16 there, slower than float32)
    auto      bfloat16 where it is native, float32 elsewhere

Importing this module imports nothing but the standard library (the checks run before
TensorFlow loads).
"""

import os

from ..errors import OptionError
from .onednn import ONEDNN_VAR, _setting

#: The values of ``--precision``.
PRECISIONS = ("float32", "bfloat16", "auto")

#: Where the CPU's flags are read (Linux).
CPUINFO = "/proc/cpuinfo"

#: Grappler's list of op types the mixed-precision rewrite must leave in float32
#: (tensorflow/core/grappler/optimizers/auto_mixed_precision_lists.h).
KEEP_FLOAT32_VAR = "TF_AUTO_MIXED_PRECISION_GRAPH_REWRITE_ALLOWLIST_REMOVE"

#: x86 flags of native bfloat16 arithmetic that oneDNN uses: AMX's bfloat16 tiles (Intel
#: Sapphire Rapids and later) and AVX512-BF16 (Intel Cooper Lake, AMD Zen 4 and later).
BF16_FLAGS = ("amx_bf16", "avx512_bf16")


def cpu_flags(path: str | None = None) -> set[str]:
    """The CPU's feature flags from ``path`` (default :data:`CPUINFO`); empty when unreadable
    (not Linux, a sandbox without /proc)."""
    try:
        with open(path or CPUINFO, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key.strip() in ("flags", "Features"):
                    return set(value.split())
    except OSError:
        pass
    return set()


def native_bfloat16(path: str | None = None) -> bool:
    """Whether this process can run the bfloat16 rewrite natively: the CPU has one of
    :data:`BF16_FLAGS` and oneDNN is not turned off (``TF_ENABLE_ONEDNN_OPTS=0``; unset, the
    wheel turns it on by itself on exactly these CPUs)."""
    if _setting(os.environ.get(ONEDNN_VAR)) is False:
        return False
    return bool(cpu_flags(path) & set(BF16_FLAGS))


def resolve(precision: str | None, path: str | None = None) -> str:
    """``'float32'`` or ``'bfloat16'`` for the option's value (None: float32, the default);
    :class:`OptionError` (one line) for ``bfloat16`` where it is not native, or an unknown
    value."""
    if precision is None:
        return "float32"
    if precision not in PRECISIONS:
        raise OptionError("--precision %r: choose %s" % (precision, ", ".join(PRECISIONS)))
    if precision == "float32":
        return precision
    native = native_bfloat16(path)
    if precision == "auto":
        return "bfloat16" if native else "float32"
    if not native:
        raise OptionError(
            "--precision bfloat16: this CPU has no bfloat16 units (%s) or oneDNN is off "
            "(%s=0); use --precision float32 or auto" % (" or ".join(BF16_FLAGS), ONEDNN_VAR)
        )
    return precision


def session_config(precision: str | None):
    """The ``tf.compat.v1.ConfigProto`` of a session computing in ``precision`` (resolved by
    :func:`resolve` first), or None for float32: the course's sessions, with no option set."""
    if resolve(precision) == "float32":
        return None
    from tensorflow.core.protobuf import config_pb2, rewriter_config_pb2

    # The Gram matrices stay float32: rounded to bfloat16 their entries carry 0.4 % errors,
    # and the style cost, a sum of squared differences of Gram matrices, stalls at that floor
    # (tests/run/test_precision.py: 2.6 times float32's final cost with them in bfloat16, 1.4
    # without). Grappler reads this variable each time it rewrites a graph; only sessions
    # that ask for the rewrite (these) see it, and a user's own value wins.
    os.environ.setdefault(KEEP_FLOAT32_VAR, "MatMul")

    config = config_pb2.ConfigProto()
    on = rewriter_config_pb2.RewriterConfig.ON
    config.graph_options.rewrite_options.auto_mixed_precision_onednn_bfloat16 = on
    return config
