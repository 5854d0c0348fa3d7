"""The teacher's table at the end of ``nst-course grade`` (grading/summary.py), and checks that
print nothing of TensorFlow's start-up from a plain script (issue 22, points 4 and 5)."""

import subprocess
import sys
import textwrap

from nst_course.grading.points import GRADED, POINTS, TOTAL
from nst_course.grading.summary import format_summary

from ..conftest import cli_env

LONG = (
    "gram_matrix: tf.matmul(A, A) multiplies two (n_C, n_H*n_W) matrices, whose shapes do not "
    "fit: the Gram matrix is A A^T, tf.matmul(A, tf.transpose(A)). (ValueError: Dimensions must "
    "be equal, but are 2 and 3 for '{{node MatMul}} = MatMul[T=DT_FLOAT, grad_a=false, "
    "grad_b=false, transpose_a=false, transpose_b=false](random_normal, random_normal)' with "
    "input shapes: [3,2], [3,2].)"
)


def result(student, failed=()):
    functions = [
        {
            "function": name,
            "points": 0.0 if name in failed else float(POINTS[name]),
            "max_points": float(POINTS[name]),
            "status": "failed" if name in failed else "passed",
            "hint": LONG if name == "gram_matrix" else name + ": wrong" if name in failed else "ok",
        }
        for name in GRADED
    ]
    total = sum(f["points"] for f in functions)
    return {"student": student, "functions": functions, "total": total, "max_total": TOTAL}


def test_one_row_per_student_then_the_hints_in_full_then_the_means():
    rows = [
        result("alice"),
        result("bob", failed=("gram_matrix",)),
        result("carol-with-a-long-name", failed=("gram_matrix", "model_nn")),
    ]
    text = format_summary(rows, width=72)
    table, hints, means = text.split("\n\n")
    assert table.split("\n") == [
        "student                 total  content  gram  style  total_cost  model_nn",
        "alice                     8/8      2/2   1/1    2/2         1/1       2/2",
        "bob                       7/8      2/2   0/1    2/2         1/1       2/2",
        "carol-with-a-long-name    5/8      2/2   0/1    2/2         1/1       0/2",
    ]
    lines = hints.split("\n")
    assert lines[0] == "most frequent hints (functions that did not pass):"
    assert lines[1].startswith("   2 x gram_matrix: tf.matmul(A, A)")
    # in full: every word of the hint is there, in order; wrapped: no line past the width
    # except a single word longer than the width, which is never cut
    shown = " ".join(line.strip() for line in lines[1:-1]).replace("2 x ", "", 1)
    assert shown == LONG
    assert all(len(line) <= 72 or " " not in line.strip() for line in lines)
    assert lines[-1] == "   1 x model_nn: wrong"
    assert means.replace("\n ", "") == (
        "mean total: 6.7/8 over 3 submissions; per function: compute_content_cost 2.0/2, "
        "gram_matrix 0.3/1, compute_layer_style_cost 2.0/2, total_cost 1.0/1, model_nn 1.3/2"
    )
    assert all(len(line) <= 72 for line in means.split("\n"))


def test_an_empty_class():
    assert format_summary([], 80) == "no submission graded"


def test_check_from_a_plain_script_prints_nothing_on_stderr(tmp_path):
    """A student's script: the checks first, then TensorFlow; or TensorFlow first (its own
    import's lines are the script's, but the check adds none)."""
    body = """
        def gram_matrix(A):
            return tf.matmul(A, tf.transpose(A))

        print("=== checking", file=sys.stderr, flush=True)
        print(check("gram_matrix", gram_matrix).message)
        print(check("compute_layer_style_cost", compute_layer_style_cost).message)
    """
    scripts = {
        "checks-first": "import sys\nfrom nst_course.grading import check\n"
        "import tensorflow.compat.v1 as tf\n",
        "tensorflow-first": "import sys\nimport tensorflow.compat.v1 as tf\n"
        "from nst_course.grading import check\n",
    }
    for label, head in scripts.items():
        script = tmp_path / (label + ".py")
        script.write_text(
            head + "from nst_course.costs import compute_layer_style_cost\n" + textwrap.dedent(body)
        )
        env = cli_env()
        env.pop("TF_CPP_MIN_LOG_LEVEL", None)
        done = subprocess.run(
            [sys.executable, str(script)],
            env=env,
            cwd=str(tmp_path),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout == "All tests passed\nAll tests passed\n"
        before, after = done.stderr.split("=== checking\n")
        assert after == "", after  # nothing from the checks, whatever came before
        if label == "checks-first":
            assert before == "", before
