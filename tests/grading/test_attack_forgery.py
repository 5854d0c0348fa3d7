"""Results that cannot be forged, limits that messages cannot extend, a result that cannot
crash the supervisor: each is that one function's 0 with a one-line reason."""

import time

from .. import grade_samples as samples
from .sandboxed import grade, needs_sandbox

pytestmark = needs_sandbox

#: Runs while the definitions are executed (before any check), in every function's sandbox:
#: finds the request in memory and writes "passing" results to every descriptor.
FORGER = '''
class _Forger:
    import gc, json, os
    for _obj in gc.get_objects():
        if isinstance(_obj, dict) and "probes" in _obj and "name" in _obj:
            _line = json.dumps({"observations": {"name": _obj["name"], "results": [
                {"probe": p["id"], "type": "tf.Tensor", "shape": [], "value": 1.0}
                for p in _obj["probes"]]}, "seconds": 0.1}) + "\\n"
            for _fd in range(3, 1024):
                try:
                    os.write(_fd, _line.encode())
                except OSError:
                    pass
'''

NOT_IMPLEMENTED = "\n".join(
    "def %s:\n    raise NotImplementedError()\n" % signature
    for signature in (
        "compute_content_cost(a_C, a_G)",
        "gram_matrix(A)",
        "compute_layer_style_cost(a_S, a_G)",
        "total_cost(J_content, J_style, alpha = 10, beta = 40)",
        "model_nn(sess, input_image, num_iterations = 200)",
    )
)


def test_a_result_forged_before_the_checks_earns_nothing():
    rows, result = grade((samples.IMPORTS + FORGER + NOT_IMPLEMENTED).encode(), timeout=60)
    assert result["total"] == 0, rows
    for row in rows.values():
        assert row["points"] == 0
        assert "refused" in row["hint"] or "not implemented" in row["hint"], row
        assert "\n" not in row["hint"]
    assert sum("refused" in row["hint"] for row in rows.values()) >= 4, rows


def _exits_after(payload):
    """A function body that writes ``payload`` (Python bytes expression) to every descriptor
    and ends its process before the real result is sent."""
    return (
        """    import os
    data = %s
    for fd in range(0, 1024):
        try:
            os.write(fd, data)
        except OSError:
            pass
    os._exit(0)
"""
        % payload
    )


def test_results_that_break_the_schema_are_that_functions_failure():
    functions = {
        "compute_content_cost": "def compute_content_cost(a_C, a_G):\n"
        + _exits_after("b'[' * 200000 + b']' * 200000 + b'\\n'"),
        "gram_matrix": "def gram_matrix(A):\n"
        + _exits_after(
            "b'{\"observations\": {\"name\": \"gram_matrix\", \"results\": [], \"notes\": 5}}\\n'"
        ),
        "compute_layer_style_cost": "def compute_layer_style_cost(a_S, a_G):\n"
        + _exits_after("b'{\"error\": \"x\", \"seconds\": \"soon\"}\\n'"),
        "total_cost": "def total_cost(J_content, J_style, alpha = 10, beta = 40):\n"
        + _exits_after("b'{\"error\": \"x\", \"seconds\": NaN}\\n'"),
        "model_nn": "def model_nn(sess, input_image, num_iterations = 200):\n"
        + _exits_after("b'x' * (20 * 2**20)"),
    }
    rows, result = grade(samples.python_file(functions), timeout=60)
    assert result["total"] == 0
    expected = {
        "compute_content_cost": "nested too deeply",
        "gram_matrix": "unknown keys",
        "compute_layer_style_cost": "seconds is not a number",
        "total_cost": "not a JSON number",
        "model_nn": "result limit",
    }
    for name, words in expected.items():
        assert words in rows[name]["hint"], rows[name]


def test_messages_do_not_extend_the_deadline_and_junk_in_every_descriptor_is_refused():
    functions = {
        "gram_matrix": """def gram_matrix(A):
    import os, time
    while True:
        for fd in range(0, 1024):
            try:
                os.write(fd, b'{"event": "start", "function": "gram_matrix"}\\n')
            except OSError:
                pass
        time.sleep(0.5)
""",
        "total_cost": """def total_cost(J_content, J_style, alpha = 10, beta = 40):
    import os
    for fd in range(0, 1024):
        try:
            os.write(fd, b'\\x00junk{')
        except OSError:
            pass
    return alpha * J_content + beta * J_style
""",
    }
    started = time.monotonic()
    rows, _ = grade(samples.python_file(functions), graded=["gram_matrix"], timeout=6)
    elapsed = time.monotonic() - started
    assert "ran longer than the time limit of 6 s" in rows["gram_matrix"]["hint"], rows
    assert elapsed < 6 + 30, elapsed  # the supervisor's clock: nothing the child sent counted
    rows, _ = grade(samples.python_file(functions), graded=["total_cost"], timeout=60)
    assert rows["total_cost"]["points"] == 0
    assert "refused" in rows["total_cost"]["hint"], rows["total_cost"]
