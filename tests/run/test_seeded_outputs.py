"""A seeded run, a seeded two-scale run and a figure's panel and grid give the same bytes as
before the one-driver refactoring (issue 24): see tests/fixtures/seeded_runs.py for what is
compared and how to regenerate the expected digests (tests/fixtures/seeded_runs.json).

The one deliberate change: costs.csv now ends with the costs of the saved image (iteration 7
of 8 here, not a print step), an extra row after the course's print-step rows, which are
compared byte for byte.
"""

import json

from tests.fixtures import seeded_runs


def test_seeded_outputs_are_unchanged_byte_for_byte():
    with open(seeded_runs.EXPECTED, encoding="utf-8") as fh:
        expected = json.load(fh)
    last_rows = {}
    found = seeded_runs.digests(last_rows)
    different = [
        "%s/%s" % (case, name)
        for case, files in expected.items()
        for name, digest in files.items()
        if found.get(case, {}).get(name) != digest
    ]
    assert different == [], "changed since the recorded digests: %s" % different
    assert sorted(found["run"]) == sorted(expected["run"])  # no file more, none less
    assert sorted(found["scales"]) == sorted(expected["scales"])
    # costs.csv ends with the saved image's iteration (8 iterations: 0..7; prints at 0, 3, 6).
    assert last_rows == {"run": 7, "scales": 7}
