"""One count of minutes to a deadline, one text: the queue and the warning page agree to the minute."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from dashboard.components.queue_table import _time_left
from dashboard.components.warning_timeline import deadline_badge
from dashboard.domain.base import SHANGHAI
from dashboard.domain.deadlines import is_past, minutes_to_deadline
from dashboard.metrics.warning_timeline import deadline_state

DEADLINE = datetime(2026, 11, 2, 10, 15, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("seconds_after", "minutes"), [
    (-600, 10), (-90, 2), (-30, 1), (0, 0), (1, -1), (30, -1), (60, -1), (61, -2), (330, -6), (3_610, -61),
])
def test_a_started_minute_counts_as_a_whole_one(seconds_after, minutes):
    now = DEADLINE + timedelta(seconds=seconds_after)
    assert minutes_to_deadline(DEADLINE, now) == minutes
    assert is_past(DEADLINE, now) == (minutes < 0)


def test_naive_times_are_shanghai_wall_time():
    naive = DEADLINE.replace(tzinfo=None)
    assert minutes_to_deadline(naive, DEADLINE + timedelta(minutes=5)) == -5


def _text(cell) -> str:
    return cell if isinstance(cell, str) else cell.children


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize("seconds_after", [-600, -90, -30, 0, 30, 330, 3_610, 90_000])
def test_the_queue_and_the_warning_page_say_the_same(lang, seconds_after):
    now = DEADLINE + timedelta(seconds=seconds_after)
    queue = _text(_time_left({"first_contact_at": None, "minutes_left": minutes_to_deadline(DEADLINE, now)}, lang))
    warning = SimpleNamespace(first_contact_at=None, deadline_at=DEADLINE)
    badge = deadline_badge(deadline_state(warning, now), lang).children
    assert badge.endswith(" · " + queue), (badge, queue)
    if seconds_after > 0:
        assert ("已超时" if lang == "zh-CN" else "overdue") in queue


def test_a_late_first_contact_reads_like_the_queue_did():
    contact = DEADLINE + timedelta(seconds=330)
    late = deadline_state(SimpleNamespace(first_contact_at=contact, deadline_at=DEADLINE), contact)
    assert (late.state, late.minutes) == ("missed", 6)
    assert deadline_badge(late, "zh-CN").children == "响应时限 10:15 · 已超时 6 分钟"
    early = deadline_state(SimpleNamespace(first_contact_at=DEADLINE - timedelta(seconds=150),
                                           deadline_at=DEADLINE), DEADLINE)
    assert (early.state, early.minutes) == ("met", -3)
    assert deadline_badge(early, "en").children == "Deadline 10:15 · met (3 min early)"
