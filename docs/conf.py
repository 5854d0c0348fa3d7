"""Sphinx configuration of the nst-course documentation.

Build: ``python -m sphinx -W --keep-going docs docs/_build/html`` (the ``[docs]`` extra).
The pages are MyST Markdown; the command-line reference is generated from the real parsers
(sphinx-argparse); the notebooks are shown, not executed (myst-nb); the benchmark tables are
rendered from benchmarks/results/*.json at build time (``_ext/benchmark_tables.py``).
"""

import os
import shutil
import sys

DOCS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(DOCS)
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(DOCS, "_ext"))

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # autodoc imports TensorFlow: no C++ log lines

import nst_course  # noqa: E402

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
_NOTEBOOKS = {
    "student.ipynb": "student/Art_Generation_with_Neural_Style_Transfer.ipynb",
    "solved.ipynb": "Art_Generation_with_Neural_Style_Transfer.ipynb",
    "demos.ipynb": "Demos.ipynb",
}
os.makedirs(os.path.join(DOCS, "notebooks"), exist_ok=True)
for _name, _source in _NOTEBOOKS.items():
    shutil.copyfile(
        os.path.join(ROOT, "notebooks", _source), os.path.join(DOCS, "notebooks", _name)
    )
