"""The colour of a change follows the same "no change" rule as its text."""

from __future__ import annotations

import pytest

from dashboard.i18n.numbers import format_change
from dashboard.metrics.compare import _verdict


@pytest.mark.parametrize(("kind", "delta", "pct", "better", "verdict"), [
    ("rate", -0.0004, None, "up", "same"),       # reads "持平", so grey, not red
    ("rate", -0.002, None, "up", "worse"),
    ("count", -1, -0.0004, "down", "same"),      # 1 fewer of 2,500: 0.0%
    ("count", -1, -0.01, "down", "better"),
    ("count", 2, None, "down", "worse"),         # from 0: the change itself is shown
    ("yuan", 0, 0.0, "up", "same"),
    ("count", 5, 0.5, "neutral", "neutral"),
    ("count", None, None, "up", None),
])
def test_the_verdict_follows_the_shown_change(kind, delta, pct, better, verdict):
    assert _verdict(delta, pct, kind, better) == verdict
    if verdict == "same":
        assert format_change(kind, delta, pct, "zh-CN") == "持平"
