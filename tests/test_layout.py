"""The package's layout: no import cycles, and dependencies that point one way.

Every import (module level and inside functions) of every module under ``nst_course/`` is read
with ``ast``; the graph must have no cycle, and each part may import only the parts below it:

    course (top-level modules) -> weights/ -> course's config/errors/layers/images
    run/  -> course, weights/
    batch/ -> run/, course, weights/
    grading/, demos/, port/ -> batch/, run/, course, weights/
    cli   -> everything
"""

import ast
import os
import pkgutil

import pytest

import nst_course

PACKAGE_DIR = os.path.dirname(nst_course.__file__)

# part -> the parts it may import (besides itself and the private plumbing _tf / _progress)
COURSE = "course"
ALLOWED = {
    COURSE: {COURSE, "weights"},
    "weights": {"errors", "layers", "config", "images"},
    "run": {COURSE, "weights"},
    "batch": {COURSE, "weights", "run"},
    "grading": {COURSE, "weights", "run", "batch"},
    "demos": {COURSE, "weights", "run", "batch"},
    "port": {COURSE, "weights", "run"},
    "notebook": {COURSE, "weights", "run", "batch", "grading", "demos"},
    "cli": {COURSE, "weights", "run", "batch", "grading", "demos", "port", "notebook"},
}
SUBPACKAGES = {"weights", "run", "batch", "grading", "demos", "port", "notebook"}
PLUMBING = {"_tf", "_progress", "_values", ""}  # "" is the package itself (its lazy __init__)


def all_modules():
    names = {"nst_course": os.path.join(PACKAGE_DIR, "__init__.py")}
    for info in pkgutil.walk_packages([PACKAGE_DIR], prefix="nst_course."):
        spec = info.module_finder.find_spec(info.name.rsplit(".", 1)[-1])
        names[info.name] = spec.origin
    return names


def is_package(path):
    return os.path.basename(path) == "__init__.py"


def imports_of(name, path, modules):
    """The package modules that module ``name`` imports anywhere in its code."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    package = name if is_package(path) else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            targets = []
            for alias in node.names:  # `from pkg import module` imports the module
                sub = mod + "." + alias.name
                targets.append(sub if sub in modules else mod)
        else:
            continue
        found.update(t for t in targets if t in modules and t != name)
    return found


def graph():
    modules = all_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def part_of(module):
    rest = module.split(".")[1:]
    if not rest:
        return ""
    if rest[0] in ("cli", "__main__"):
        return "cli"
    if rest[0] in SUBPACKAGES:
        return rest[0]
    if rest[0] in PLUMBING:
        return rest[0]
    return COURSE


def test_no_import_cycles():
    edges = graph()
    index, low, stack, on_stack, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    assert cycles == [], "import cycles: %s" % cycles


def test_the_walk_sees_imports_a_cycle_would_need():
    """The graph is not empty by accident: known edges are there (a walk that saw nothing would
    pass the cycle test whatever the code does)."""
    edges = graph()
    assert "nst_course.weights.model" in edges["nst_course.weights.cache"]
    assert "nst_course.run.progress" in edges["nst_course.run.runner"]
    assert "nst_course.weights.cache" in edges["nst_course.weights.lookup"]  # inside a function
    assert "nst_course.costs" in edges["nst_course.training"]


def test_dependencies_point_one_way():
    wrong = []
    for module, targets in graph().items():
        part = part_of(module)
        if part in PLUMBING:
            assert all(part_of(t) == "" for t in targets) or module == "nst_course._tf", (
                module,
                targets,
            )
            continue
        allowed = ALLOWED[part] | PLUMBING | {part}
        for target in targets:
            tpart = part_of(target)
            if tpart not in allowed and not (
                part == "weights" and target.split(".")[-1] in ALLOWED["weights"]
            ):
                wrong.append("%s -> %s" % (module, target))
    assert wrong == [], "imports against the layering: %s" % wrong


@pytest.mark.parametrize("sub", sorted(SUBPACKAGES))
def test_each_subpackage_says_what_it_is_for(sub):
    module = __import__("nst_course." + sub, fromlist=["_"])
    doc = (module.__doc__ or "").strip()
    assert len(doc) > 80 and "import" in doc, "nst_course/%s/__init__.py needs its docstring" % sub


def test_the_course_names_stay_where_the_notebook_uses_them():
    import nst_course.costs
    import nst_course.weights

    namespace = {}
    exec("from nst_course import *", namespace)
    for name in (
        "CONFIG",
        "load_vgg_model",
        "compute_content_cost",
        "gram_matrix",
        "compute_layer_style_cost",
        "compute_style_cost",
        "total_cost",
        "model_nn",
        "tf1_seeding",
        "generate_noise_image",
        "reshape_and_normalize_image",
        "save_image",
    ):
        assert name in namespace, name
    assert nst_course.costs.gram_matrix is namespace["gram_matrix"]
    for name in (
        "find_weights",
        "load_weights",
        "weights_for_run",
        "cache_dir",
        "validate",
        "read_matconvnet",
        "VGGWeights",
    ):
        assert callable(getattr(nst_course.weights, name)), name
