"""The machine's own speed, printed beside the figures so that two machines' runs can be compared.

Most of a view's server time is Python (SQLAlchemy, pandas, plotly, Dash),
whose speed differs between machines of the same nominal size by a factor of
two or more.  ``reference`` times a fixed piece of pure Python (a loop of
``LOOP`` additions, best of ``REPEATS``) and counts the cores: a bench run
on a machine whose reference is twice as long is expected to be about twice
as slow, without anything in the product having changed.
"""

from __future__ import annotations

import os
import time

LOOP = 5_000_000
REPEATS = 3


def _loop_seconds() -> float:
    started = time.perf_counter()
    total = 0
    for i in range(LOOP):
        total += i
    elapsed = time.perf_counter() - started
    if total != LOOP * (LOOP - 1) // 2:  # the work is done, not optimised away
        raise ArithmeticError("reference loop")
    return elapsed


def reference() -> dict:
    """``{"loop": LOOP, "loop_ms": best time of the loop, "cores": CPU cores}``."""
    best = min(_loop_seconds() for _ in range(REPEATS))
    return {"loop": LOOP, "loop_ms": round(best * 1000, 1), "cores": os.cpu_count() or 1}
