"""Names of a package loaded on first use, so that importing it imports nothing heavy.

Plumbing, like ``_tf``: it imports nothing of the package. A package lists ``{name: module}``
and takes its module-level ``__getattr__`` and ``__dir__`` from :func:`lazy_exports`.
"""

import importlib
import sys
from collections.abc import Callable


def lazy_exports(
    package: str, exports: dict[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: ``name`` is imported from its submodule
    ``exports[name]`` on first use, then kept in the package's namespace."""
    namespace = vars(sys.modules[package])

    def __getattr__(name: str) -> object:
        if name in exports:
            value = getattr(importlib.import_module("." + exports[name], package), name)
            namespace[name] = value
            return value
        raise AttributeError("module %r has no attribute %r" % (package, name))

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
