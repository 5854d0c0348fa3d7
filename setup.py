"""Packaging. Everything is in setup.cfg but the package list: the demo images and the
notebooks ship as package data (``nst_course/share/images``, ``nst_course/share/notebooks``)
straight from the repository's top-level ``images/`` and ``notebooks/`` folders, so the
repository keeps one copy of each file (see nst_course/packaged.py)."""

from setuptools import find_packages, setup

DATA = {
    "nst_course.share.images": ("images", ["*.jpg", "SOURCES.md"]),
    "nst_course.share.notebooks": ("notebooks", ["*.ipynb", "student/*.ipynb"]),
}

setup(
    packages=find_packages(include=["nst_course", "nst_course.*"]) + list(DATA),
    package_dir={name: folder for name, (folder, _) in DATA.items()},
    package_data={
        "nst_course": ["py.typed"],  # PEP 561: the package's type hints are part of its API
        **{name: patterns for name, (_, patterns) in DATA.items()},
    },
)
