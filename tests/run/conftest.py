"""Fixtures shared by the tests of the main job (tests/run/)."""

from tests.fixtures.bad_input import world  # noqa: F401  (pytest finds fixtures here)
from tests.fixtures.option_runs import pictures  # noqa: F401
