"""``nst-course notebooks DIR``: the student, solved and demos notebooks with their pictures."""

from __future__ import annotations

import functools
import os
import shutil

from ..errors import NSTError

#: What ``nst-course notebooks`` writes besides the notebooks (nst_course.packaged.NOTEBOOKS).
IMAGES = "images"


def write_notebooks(directory: str, force: bool = False) -> list[tuple[str, str]]:
    """Copy the shipped notebooks into ``directory`` and the demo images (with their credits,
    ``SOURCES.md``) into ``directory/images``, where the notebooks look first.

    Returns ``[(path, what)]`` with ``what`` ``"written"`` or ``"kept"`` (an existing file is
    never replaced unless ``force``). Each file is written atomically.
    """
    from ..files import atomic_write
    from ..packaged import NOTEBOOKS, images_dir, notebooks_dir

    notebooks, images = notebooks_dir(), images_dir()
    if notebooks is None or images is None:
        raise NSTError(
            "this installation of nst-course has no notebooks or demo images; reinstall it "
            "from its wheel or a clone of the repository"
        )
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise NSTError("%s is a file, not a folder; give a folder for the notebooks" % directory)
    wanted = [
        (os.path.join(notebooks, src), os.path.join(directory, dst))
        for dst, src in NOTEBOOKS.items()
    ]
    for name in sorted(os.listdir(images)):
        if name.endswith(".jpg") or name == "SOURCES.md":
            wanted.append((os.path.join(images, name), os.path.join(directory, IMAGES, name)))
    done = []
    for source, target in wanted:
        if os.path.exists(target) and not force:
            done.append((target, "kept"))
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        atomic_write(target, functools.partial(shutil.copyfile, source))  # source -> tmp
        done.append((target, "written"))
    return done


def add_parser(subparsers, formatter_class, parser_class=None):
    p = subparsers.add_parser(
        "notebooks",
        help="write the student, solved and demos notebooks with their pictures into a folder",
        formatter_class=formatter_class,
        description="Write the assignment as students get it "
        "(Art_Generation_with_Neural_Style_Transfer.ipynb), the solved walk-through "
        "(..._solved.ipynb) and Demos.ipynb into DIR, and the pictures they read into "
        "DIR/images; then open them with `jupyter lab DIR`. Existing files are kept.",
    )
    p.add_argument("directory", metavar="DIR", help="the folder to write into (created if missing)")
    p.add_argument("--force", action="store_true", help="replace files that already exist")
    p.set_defaults(handler=cmd_notebooks)
    return p


def cmd_notebooks(args) -> int:
    done = write_notebooks(args.directory, force=args.force)
    written = sum(1 for _, what in done if what == "written")
    for path, what in done:
        if what == "kept":
            print("kept %s (exists; --force replaces it)" % path)
    print(
        "%d file(s) written into %s; open the notebooks with: jupyter lab %s"
        % (written, args.directory, args.directory)
    )
    return 0
