"""``ast.parse`` for the grader's threads, one parse at a time.

CPython 3.11 and 3.12.0 keep the recursion depth of ``ast.parse``'s conversion to Python
objects in state shared by the whole interpreter, so two threads that parse at once can fail
with ``SystemError: AST constructor recursion depth mismatch`` (python/cpython#106905). The
grader parses in several threads at once: a Dask worker's grading threads, each with its zygote,
whose start checks the staged package's sources (``stage.check_staged``), and each submission's
extraction. Seen here: two sandboxes started at once
(tests/grading/test_attack_isolation.py) lost one thread to it. Every parse of the grading
package goes through :func:`parse_source`, under one lock.
"""

import ast
import threading

_LOCK = threading.Lock()


def parse_source(source: str, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse(source, filename)``, never at the same time as another thread's."""
    with _LOCK:
        return ast.parse(source, filename)
