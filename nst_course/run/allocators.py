"""How the main job's process allocates memory: set before TensorFlow starts its threads.

    limit_malloc_arenas -- always (``nst-course run`` and ``figure``): 2 glibc arenas
    light_allocator     -- ``--low-memory``: each step's memory goes back to the system

**Arenas.** By default glibc gives each thread that allocates its own arena (up to 8 per core),
and TensorFlow's many threads then keep hundreds of MB of freed memory mapped: with 2 arenas the
main job's peak memory is about 270 MB lower at the same speed (benchmarks/bench_speed.py --cli).

**The light allocator** (``--low-memory``). With oneDNN on, TensorFlow hands the tensors of
its CPU kernels out of a BFC pool that keeps every region it has grown and may give a request a
whole free chunk of up to twice its size: in a training step at 400x300 the pool has up to 318
MiB in use for 196 MiB of tensors the step asks for at its peak, the rest the weights, oneDNN's
reordered copy of them and rounding (``benchmarks/profile_step.py --memory``).
``TF_ONEDNN_USE_SYSTEM_ALLOCATOR=1`` sends those tensors to malloc instead, and a fixed 1 MiB
mmap threshold maps every block of 1 MiB or more (every activation and gradient of the network)
on its own, so it is unmapped when freed: the course recipe adds about 110 MiB less at 400x300
(``bench_quality.py --memory``). The costs are the same to the bit; each step maps fresh pages
for its activations, which makes it slower (a step 1.19-1.21 times as long at 400x300:
``bench_speed.py --low-memory``), so it is an option.

Both only take effect before TensorFlow is imported and only on glibc (Linux); a value the
user set in the environment (``MALLOC_ARENA_MAX``, ``MALLOC_MMAP_THRESHOLD_``,
``TF_ONEDNN_USE_SYSTEM_ALLOCATOR``) wins. Importing this module imports nothing but the
standard library.
"""

import os
import sys

#: TensorFlow's switch for its oneDNN kernels' allocator (read when TensorFlow starts).
SYSTEM_ALLOCATOR_VAR = "TF_ONEDNN_USE_SYSTEM_ALLOCATOR"

#: ``--low-memory``'s mmap threshold: blocks of this size or more are mapped on their own.
LIGHT_MMAP_THRESHOLD = 1 << 20

_M_MMAP_THRESHOLD = -3  # mallopt's parameter numbers (malloc.h)
_M_ARENA_MAX = -8


def _mallopt(param: int, value: int) -> bool:
    """glibc's ``mallopt``; False where there is none (another C library or platform)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        return bool(ctypes.CDLL("libc.so.6").mallopt(param, int(value)))
    except (OSError, AttributeError):
        return False


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Cap glibc's malloc arenas at ``arenas`` (unless ``MALLOC_ARENA_MAX`` is set)."""
    if not os.environ.get("MALLOC_ARENA_MAX"):
        _mallopt(_M_ARENA_MAX, arenas)


def light_environment() -> dict:
    """``--low-memory``'s allocator as environment variables, for a child process that starts
    with them (glibc reads ``MALLOC_MMAP_THRESHOLD_`` at start, as :func:`light_allocator`'s
    mallopt sets it in this one)."""
    return {SYSTEM_ALLOCATOR_VAR: "1", "MALLOC_MMAP_THRESHOLD_": str(LIGHT_MMAP_THRESHOLD)}


def light_allocator() -> bool:
    """``--low-memory``'s allocator for this process: oneDNN's tensors through malloc, blocks of
    1 MiB or more mapped on their own. Returns whether oneDNN's tensors now go through malloc
    (False once TensorFlow is imported: then nothing is changed)."""
    if "tensorflow" in sys.modules:
        return False
    os.environ.setdefault(SYSTEM_ALLOCATOR_VAR, "1")
    if not os.environ.get("MALLOC_MMAP_THRESHOLD_"):
        _mallopt(_M_MMAP_THRESHOLD, LIGHT_MMAP_THRESHOLD)
    return os.environ[SYSTEM_ALLOCATOR_VAR].strip().lower() in ("1", "true")
