"""notebooks/Demos.ipynb runs top to bottom at a tiny size, and its live view is ONE display
updated in place (not a new image per redraw).

Executed with nbclient on an IPython kernel of this Python, as tests/course/test_notebook.py does,
with the tiny test weights, a 40x32 image and a few iterations.
"""

import os

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("ipywidgets")

from tests.conftest import execute_notebook

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOTEBOOK = os.path.join(ROOT, "notebooks", "Demos.ipynb")
ITERATIONS = 6


@pytest.fixture(scope="module")
def executed(tmp_path_factory, tiny_mat, jupyter_path):
    out = tmp_path_factory.mktemp("demos-output")
    env = {
        "NST_DEMOS_WIDTH": "40",
        "NST_DEMOS_HEIGHT": "32",
        "NST_DEMOS_ITERATIONS": str(ITERATIONS),
        "NST_DEMOS_QUICK": "1",
        "NST_DEMOS_OUTPUT": str(out),
        "NST_VGG_MODEL": tiny_mat,
    }
    nb = nbformat.read(NOTEBOOK, as_version=4)
    execute_notebook(nb, os.path.dirname(NOTEBOOK), jupyter_path, env)
    return nb, out


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def test_the_committed_notebook_is_valid_and_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert all(not cell.outputs and cell.execution_count is None for cell in code_cells(nb))


def test_runs_top_to_bottom(executed):
    nb, out = executed
    cells = code_cells(nb)
    assert all(cell.execution_count for cell in cells)
    errors = [o for cell in cells for o in cell.outputs if o.get("output_type") == "error"]
    assert not errors, errors
    names = set(os.listdir(out))
    # quick figures: 2 content + 2 style panels; 2 ratios x 2 depths
    assert {
        "layers.png",
        "layers-content-conv1_2.png",
        "layers-content-conv5_2.png",
        "layers-style-conv1_1.png",
        "layers-style-conv1_1-conv2_1.png",
        "tradeoff.png",
        "tradeoff-ratio1e+06-depth1.png",
        "tradeoff-ratio100-depth5.png",
    } <= names
    assert len([n for n in names if n.startswith("tradeoff-")]) == 4


def test_the_live_view_is_one_display_updated_in_place(executed):
    nb, _ = executed
    live = next(cell for cell in code_cells(nb) if "run_live(" in cell.source)
    pictures = [o for o in live.outputs if "image/png" in o.get("data", {})]
    assert len(pictures) == 1, [o.get("output_type") for o in live.outputs]
    # what it shows is the last redraw (the first one said iteration 0/6)
    assert pictures[0]["data"]["text/plain"].startswith(
        "nst-course live: iteration %d/%d" % (ITERATIONS, ITERATIONS)
    )
    printed = "".join(o.get("text", "") for o in live.outputs if o.get("output_type") == "stream")
    redraws = int(printed.split("display redrawn ")[1].split(" ")[0])
    assert redraws == 1 + ITERATIONS  # the start, then every iteration (every = 6 // 10 -> 1)


def test_the_explorer_shows_two_results_side_by_side(executed):
    nb, _ = executed
    last = code_cells(nb)[-1]
    lines = "".join(o.get("text", "") for o in last.outputs if o.get("output_type") == "stream")
    rows = [line for line in lines.splitlines() if line.startswith("alpha ")]
    assert len(rows) == 2 and "depth 5" in rows[0] and "depth 2" in rows[1]
    widget = next(cell for cell in code_cells(nb) if "explore(" in cell.source)
    assert any(
        "application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in widget.outputs
    )
