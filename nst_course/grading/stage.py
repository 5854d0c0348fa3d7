"""The "given code" a sandbox may hold: a read-only copy of the package's modules that the
checks need, without a single reference implementation of a graded function.

The sandbox (:mod:`nst_course.grading.sandbox`) never binds the checkout or the installed
package. It binds this staged tree instead, first on the child's path, so ``import
nst_course`` inside a sandbox finds only what is staged here:

- the course's given code: the package's top-level modules (``config``, ``vgg`` building
  VGG-19, ``images`` with ``save_image``, ``registry``, ``seeding``, ``errors``, ``layers``,
  ``_tf``...) but ``training``, ``cli`` and ``__main__``, and ``weights`` (the tiny weights);
- ``costs`` without its graded functions (``compute_style_cost``, given by the course, stays:
  it calls whatever ``compute_layer_style_cost`` its module holds);
- ``grading.observing`` (what a function did, as values), ``grading.points`` and
  :mod:`nst_course.grading.box` (the sandbox's own side), and of ``grading.judging`` only
  ``cost_lines`` (reading the printed cost lines);
- ``__init__`` whose lazy exports name none of the graded functions and nothing of
  ``training`` (``model_nn``, ``build_graph``).

Modules are filtered with :mod:`ast` (whole top-level definitions removed), and the result is
checked: a staged file that still defines or assigns a forbidden name, or a forbidden module
(``training``, ``grading.reference``, ``run.fastcosts``...), makes :func:`stage` fail, so a
reference added later to a staged module is caught here, not in a student's hands.
"""

import ast
import os
import shutil
import tempfile

from .syntax import parse_source

#: Definitions that implement a graded function (or its core) and may never be staged.
FORBIDDEN_NAMES = frozenset(
    {
        "compute_content_cost",
        "gram_matrix",
        "compute_layer_style_cost",
        "total_cost",
        "model_nn",
        "unroll_activations",
        "layer_style_cost_from_grams",
        "build_graph",
        "CANDIDATES",
    }
)

#: Top-level modules never staged (every other top-level module is: a module added later,
#: such as a helper split out of ``images``, comes along; :func:`check_staged` still checks it).
NOT_STAGED = ("training.py", "cli.py", "__main__.py", "costs.py", "__init__.py")

#: Files copied as they are (relative to the package folder) besides the top-level modules;
#: folders end with "/".
COPIED = (
    "weights/",
    "grading/observing.py",
    "grading/points.py",
    "grading/box.py",
    "grading/protocol.py",
    "run/quiet.py",
)

#: file -> names kept (every other top-level definition or assignment is removed).
KEEP_ONLY = {"grading/judging.py": {"cost_lines", "_COST_LINES"}}

#: file -> names removed (top-level definitions and assignments).
REMOVE = {
    "costs.py": FORBIDDEN_NAMES,
}

#: Empty package markers (their real ``__init__`` imports what is not staged).
EMPTY_PACKAGES = ("run/__init__.py",)

#: Modules whose exports the staged ``__init__`` files drop.
UNSTAGED_MODULES = frozenset(
    {"training", "checks", "judging", "probing", "hints", "reference", "summary"}
)


def _assigned(node):
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, ast.Assign):
        return {t.id for t in node.targets if isinstance(t, ast.Name)}
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return {node.target.id}
    return set()


def _filtered(source, keep=None, remove=frozenset()):
    """``source`` with top-level definitions removed: those named in ``remove``, or (with
    ``keep``) every definition not named there (imports and the docstring stay)."""
    tree = parse_source(source)
    lines = source.splitlines(True)
    drop = []
    for node in tree.body:
        if keep is not None and isinstance(node, ast.ImportFrom) and node.level:
            drop.append((node.lineno, node.end_lineno))  # the package's modules: not staged
            continue
        names = _assigned(node)
        if not names:
            continue
        if (keep is not None and not names & keep) or names & remove:
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            drop.append((first, node.end_lineno))
    for first, last in sorted(drop, reverse=True):
        del lines[first - 1 : last]
    return "".join(lines)


def _filtered_init(source):
    """An ``__init__`` whose ``_EXPORTS`` dict names no graded function and no unstaged module."""
    tree = parse_source(source)
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "_EXPORTS" for t in node.targets)
            and isinstance(node.value, ast.Dict)
        ):
            kept = [
                (k, v)
                for k, v in zip(node.value.keys, node.value.values)
                if isinstance(k, ast.Constant)
                and isinstance(v, ast.Constant)
                and k.value not in FORBIDDEN_NAMES
                and v.value not in UNSTAGED_MODULES
            ]
            node.value.keys = [k for k, _ in kept]
            node.value.values = [v for _, v in kept]
    return ast.unparse(tree) + "\n"


def check_staged(root: str) -> None:
    """Raise RuntimeError if a file under ``root`` defines a forbidden name at any depth."""
    for folder, _, names in os.walk(root):
        for name in names:
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as handle:
                tree = parse_source(handle.read())
            for node in ast.walk(tree):
                found = _assigned(node) & FORBIDDEN_NAMES
                if found:
                    raise RuntimeError(
                        "the sandbox's given code %s defines %s: a reference implementation "
                        "must never be staged" % (os.path.relpath(path, root), sorted(found))
                    )


def stage(destination: str | None = None) -> str:
    """Write the given-code tree (``<destination>/nst_course/...``); return ``destination``.

    Files are world-readable and the tree is made read-only, so the sandbox's unprivileged
    user can import it and nobody can change it under a running sandbox.
    """
    import nst_course

    package = os.path.dirname(os.path.abspath(nst_course.__file__))
    destination = destination or tempfile.mkdtemp(prefix="nst-grade-given-")
    os.chmod(destination, 0o755)
    target = os.path.join(destination, "nst_course")

    def write(relative, text):
        path = os.path.join(target, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)

    def read(relative):
        with open(os.path.join(package, relative), encoding="utf-8") as handle:
            return handle.read()

    top_level = sorted(
        name for name in os.listdir(package) if name.endswith(".py") and name not in NOT_STAGED
    )
    for relative in top_level + list(COPIED):
        if relative.endswith("/"):
            shutil.copytree(
                os.path.join(package, relative),
                os.path.join(target, relative),
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )
        else:
            write(relative, read(relative))
    for relative, kept in KEEP_ONLY.items():
        write(relative, _filtered(read(relative), keep=set(kept)))
    for relative, removed in REMOVE.items():
        write(relative, _filtered(read(relative), remove=removed))
    for relative in EMPTY_PACKAGES:
        write(relative, '"""(staged for the grader\'s sandbox: empty)"""\n')
    write("__init__.py", _filtered_init(read("__init__.py")))
    write("grading/__init__.py", _filtered_init(read("grading/__init__.py")))
    check_staged(target)
    for folder, _dirs, files in os.walk(target):
        for name in files:
            os.chmod(os.path.join(folder, name), 0o444)
        os.chmod(folder, 0o555)
    return destination


def _sources():
    """The package files the staged tree is made of (and this module), for its content hash."""
    import nst_course

    package = os.path.dirname(os.path.abspath(nst_course.__file__))
    relatives = [r for r in COPIED if not r.endswith("/")] + list(KEEP_ONLY) + list(REMOVE)
    relatives += [n for n in os.listdir(package) if n.endswith(".py") and n not in NOT_STAGED]
    relatives += ["__init__.py", "grading/__init__.py"]
    for folder in [r for r in COPIED if r.endswith("/")]:
        for root, _dirs, files in os.walk(os.path.join(package, folder)):
            relatives += [
                os.path.relpath(os.path.join(root, f), package) for f in files if f.endswith(".py")
            ]
    return [os.path.join(package, r) for r in sorted(set(relatives))] + [os.path.abspath(__file__)]


def shared_stage(folder: str) -> str:
    """The given-code tree for this version of the package under ``folder`` (a root-only
    folder): made once (atomically, by renaming a finished tree), then reused by every
    grading process and run, and checked again each time it is used."""
    import hashlib

    digest = hashlib.sha256()
    for path in _sources():
        with open(path, "rb") as handle:
            digest.update(path.encode() + b"\0" + hashlib.sha256(handle.read()).digest())
    final = os.path.join(folder, "given-" + digest.hexdigest()[:20])
    if not os.path.isdir(final):
        made = stage(tempfile.mkdtemp(prefix="given-new-", dir=folder))
        try:
            os.rename(made, final)
        except OSError:  # another grading process made it first
            remove_stage(made)
    info = os.lstat(final)
    if os.path.islink(final) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise RuntimeError("the sandbox's given code %s is not the grader's own" % final)
    check_staged(os.path.join(final, "nst_course"))
    return final


def remove_stage(destination: str) -> None:
    """Remove a staged tree (made read-only by :func:`stage`)."""
    for folder, _, _ in os.walk(destination):
        try:
            os.chmod(folder, 0o755)
        except OSError:
            pass
    shutil.rmtree(destination, ignore_errors=True)
