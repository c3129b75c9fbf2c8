"""Wall-clock bounds for tests that guard against hangs and quadratic work, not slow machines."""

from __future__ import annotations

import sys

# A line tracer (coverage in .ci/run, a debugger) makes pure-Python parsing 5-8x slower.
TRACED_SLOWDOWN = 8


def within(seconds: float) -> float:
    """`seconds` on a plain run, stretched while a tracer such as coverage is measuring."""
    return seconds * TRACED_SLOWDOWN if sys.gettrace() is not None else seconds
