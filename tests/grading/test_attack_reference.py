"""The reference solution is out of reach in the sandbox by every path: import, importlib,
the objects in memory (gc), ``inspect.unwrap`` / ``__wrapped__``, and reading files (the
checkout, the staged given code, site-packages, the editable install's finder)."""

import os

import nst_course

from .. import grade_samples as samples
from .sandboxed import grade, needs_sandbox

pytestmark = needs_sandbox

CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(nst_course.__file__)))

HUNT = '''def compute_content_cost(a_C, a_G):
    import gc, importlib, inspect, os, sys
    graded = {"compute_content_cost", "gram_matrix", "compute_layer_style_cost", "total_cost",
              "model_nn", "build_graph", "layer_style_cost_from_grams", "unroll_activations",
              "content_cost", "layer_style_cost"}
    found, tried = [], {"modules": 0, "objects": 0, "files": 0}
    P = "nst_" + "course."  # spelled out, the static check would stop it before it runs
    for module in ("nst_course", P + "costs", P + "training", P + "grading",
                   P + "grading.reference", P + "grading.judging", P + "grading.checks",
                   P + "run.fastcosts", "nst_utils"):
        try:
            loaded = importlib.import_module(module)
        except Exception:
            continue
        tried["modules"] += 1
        for name in graded:
            try:
                if callable(getattr(loaded, name)):
                    found.append("import:%s.%s" % (module, name))
            except Exception:
                pass
    def inspected(obj):
        candidates = [obj, getattr(obj, "__wrapped__", None)]
        try:
            candidates.append(inspect.unwrap(obj))
        except Exception:
            pass
        for f in candidates:
            code = getattr(f, "__code__", None)
            if not hasattr(code, "co_filename"):
                continue
            if code.co_name in graded and (
                    "nst_course" in code.co_filename or "/given" in code.co_filename):
                found.append("memory:%s" % code.co_filename)

    for obj in gc.get_objects():
        try:
            if callable(obj):
                tried["objects"] += 1
                inspected(obj)
        except Exception:
            continue
    needles = ("def gram_matrix", "def compute_content_cost", "def compute_layer_style_cost",
               "def total_cost", "def model_nn", "layer_style_cost_from_grams", "A @ A.T")
    suspicious = {"costs.py", "training.py", "reference.py", "fastcosts.py", "judging.py"}
    for part in ("nst_course", "tests", "pyproject.toml", "setup.cfg", ".git"):
        # (the checkout's folder exists only where the virtual environment lives inside it)
        if os.path.exists(os.path.join(CHECKOUT_PATH, part)):
            found.append("checkout exists: " + part)
    for top in ["/"]:
        for folder, dirs, names in os.walk(top):
            dirs[:] = [d for d in dirs if os.path.join(folder, d) not in ("/proc", "/sys", "/dev")]
            for name in names:
                path = os.path.join(folder, name)
                if not (name in suspicious or "nst_course" in path or "nst" in name):
                    continue
                tried["files"] += 1
                try:
                    with open(path, "rb") as handle:
                        text = handle.read(2_000_000).decode("utf-8", "replace")
                except OSError:
                    continue
                for needle in needles:
                    if needle in text:
                        found.append("file:%s:%s" % (path, needle))
                if name.startswith("__editable__") and name.endswith(".py"):
                    for line in text.splitlines():
                        if "MAPPING" in line and "{" in line:
                            target = line.split(":", 2)[-1].strip(" }'\\"")
                            if os.path.exists(target):
                                found.append("editable target exists: " + target)
    raise RuntimeError("HUNT %s FOUND %s" % (tried, found[:8]))
'''


def test_the_reference_is_neither_importable_nor_in_memory_nor_readable():
    code = samples.IMPORTS + "\n" + HUNT.replace("CHECKOUT_PATH", repr(CHECKOUT))
    rows, _ = grade(code.encode(), graded=["compute_content_cost"], timeout=120)
    hint = rows["compute_content_cost"]["hint"]
    assert "HUNT" in hint, hint  # the hunt ran to its end
    assert "FOUND []" in hint, hint
    tried = eval(hint.split("HUNT ", 1)[1].split(" FOUND", 1)[0])  # noqa: S307 - our own dict
    # it did look: the given code imports, thousands of objects, the staged files
    assert tried["modules"] >= 3 and tried["objects"] > 1000 and tried["files"] > 10, tried


def test_the_package_functions_found_in_memory_earn_nothing():
    """The attack that gave 8/8 before: code that runs while the definitions are executed (a
    class body) looks for the package's functions (by name, ``inspect.unwrap``,
    ``__wrapped__``, gc) to compute the answers with, and every graded function raises."""
    attack = '''
class _Attack:
    import gc, inspect, sys
    stolen = {}
    for _obj in gc.get_objects():
        try:
            _inner = inspect.unwrap(_obj) if callable(_obj) else None
        except Exception:
            _inner = None
        for _f in (_obj, _inner, getattr(_obj, "__wrapped__", None)):
            _name = getattr(_f, "__name__", "")
            if _name in ("compute_content_cost", "gram_matrix", "compute_layer_style_cost",
                         "total_cost", "model_nn"):
                stolen[_name] = _f


def _use(name, *args, **kwargs):
    function = _Attack.stolen.get(name)
    if function is None:
        raise NotImplementedError(name)
    return function(*args, **kwargs)


def compute_content_cost(a_C, a_G):
    return _use("compute_content_cost", a_C, a_G)


def gram_matrix(A):
    return _use("gram_matrix", A)


def compute_layer_style_cost(a_S, a_G):
    return _use("compute_layer_style_cost", a_S, a_G)


def model_nn(sess, input_image, num_iterations = 200):
    return _use("model_nn", sess, input_image, num_iterations)
'''
    rows, result = grade((samples.IMPORTS + attack).encode(), timeout=60)
    # compute_layer_style_cost's sandbox holds the gram_matrix oracle, which is not the
    # reference: stealing it gives a value only where the check expected it, never the cost
    for name in ("compute_content_cost", "gram_matrix", "compute_layer_style_cost", "model_nn"):
        assert rows[name]["points"] == 0, rows[name]
    assert result["total"] == 0
