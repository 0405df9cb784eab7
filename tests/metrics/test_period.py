"""Periods and comparison windows are immutable values."""

from __future__ import annotations

import copy
from datetime import date, datetime

import pandas as pd

from dashboard.domain.base import SHANGHAI
from dashboard.metrics.compare import comparison_windows
from dashboard.metrics.period import Period, next_month


def test_periods_and_windows_are_shared_not_copied_with_a_frames_attrs():
    """A deep copy (pandas copies ``attrs`` at every step of a frame) is the object itself."""
    period = Period.of_days(date(2026, 11, 1), date(2026, 11, 30))
    windows = comparison_windows(period, datetime(2026, 11, 20, 10, tzinfo=SHANGHAI))
    assert copy.deepcopy(period) is period and copy.deepcopy(windows) is windows
    frame = pd.DataFrame({"a": [1, 2]})
    frame.attrs["windows"] = windows
    assert (frame + 1).attrs["windows"] is windows


def test_next_month_rolls_over_the_year_and_short_months():
    assert next_month(date(2026, 1, 31)) == date(2026, 2, 1)
    assert next_month(date(2024, 2, 29)) == date(2024, 3, 1)
    assert next_month(date(2026, 12, 5)) == date(2027, 1, 1)
    assert next_month(date(2026, 11, 1)) == date(2026, 12, 1)
