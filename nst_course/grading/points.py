"""The one table of points of the assignment: the course's four graded functions and model_nn.

``POINTS`` is ordered as the notebook is; ``GRADED`` is its keys. The source notebook's grade
cells, nbgrader's gradebook and the class grader all take their points from here.
"""

from collections import OrderedDict

POINTS = OrderedDict(
    [
        ("compute_content_cost", 2),
        ("gram_matrix", 1),
        ("compute_layer_style_cost", 2),
        ("total_cost", 1),
        ("model_nn", 2),
    ]
)

GRADED = tuple(POINTS)

#: The total number of points of the assignment.
TOTAL = sum(POINTS.values())


def points_table():
    """The table as text: one line per graded function, then the total."""
    width = max(len(name) for name in POINTS)
    lines = ["%-*s  %d" % (width, name, points) for name, points in POINTS.items()]
    lines.append("%-*s  %d" % (width, "total", TOTAL))
    return "\n".join(lines)
