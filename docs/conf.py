"""Sphinx configuration of the nst-course documentation.

Build: ``python -m sphinx -W --keep-going docs docs/_build/html`` (the ``[docs]`` extra).
The pages are MyST Markdown; the command-line reference is generated from the real parsers
(sphinx-argparse); the notebooks are shown, not executed (myst-nb); the benchmark tables are
rendered from benchmarks/results/*.json at build time (``_ext/benchmark_tables.py``).
"""

import json
import os
import sys

DOCS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(DOCS)
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(DOCS, "_ext"))

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # autodoc imports TensorFlow: no C++ log lines

import nst_course  # noqa: E402
from nst_course.run.quiet import import_tensorflow_quietly  # noqa: E402

import_tensorflow_quietly()  # autodoc imports the course's modules: TensorFlow without its log lines

project = "nst-course"
author = "the nst-course developers"
copyright = "the nst-course developers; demo images: see images/SOURCES.md"
release = version = nst_course.__version__

extensions = [
    "myst_nb",  # MyST Markdown pages and .ipynb notebooks (includes myst_parser)
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinxarg.ext",
    "benchmark_tables",
    "course_docstrings",
]

source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "README.md", "**.ipynb_checkpoints"]
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 3
nb_execution_mode = "off"  # the notebooks are shown as committed (without outputs), never run
suppress_warnings = ["myst.header"]

html_theme = "furo"
html_title = "nst-course"
html_static_path = []

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = True

# The notebooks live in notebooks/ (one copy, shipped in the wheel); the site shows copies
# made at build time in docs/notebooks/ (git-ignored).
# Each copy's first heading says which notebook it is (the student and the solved one share
# the course's title).
_NOTEBOOKS = {
    "student.ipynb": (
        "student/Art_Generation_with_Neural_Style_Transfer.ipynb",
        "The student notebook",
    ),
    "solved.ipynb": ("Art_Generation_with_Neural_Style_Transfer.ipynb", "The solved walk-through"),
    "demos.ipynb": ("Demos.ipynb", "The demos notebook"),
}
os.makedirs(os.path.join(DOCS, "notebooks"), exist_ok=True)
for _name, (_source, _label) in _NOTEBOOKS.items():
    with open(os.path.join(ROOT, "notebooks", _source), encoding="utf-8") as _fh:
        _nb = json.load(_fh)
    _first = _nb["cells"][0]
    _text = "".join(_first["source"])
    if _text.startswith("# "):
        _first["source"] = "# %s: %s" % (_label, _text[2:])
    _target = os.path.join(DOCS, "notebooks", _name)
    _new = json.dumps(_nb, indent=1, ensure_ascii=False)
    if not os.path.exists(_target) or open(_target, encoding="utf-8").read() != _new:
        with open(_target, "w", encoding="utf-8") as _fh:  # rewritten only when changed
            _fh.write(_new)
smartquotes = False  # option names such as --width stay as typed
