"""How far a deadline is, in whole minutes: one count for the queue, the warning page and the tasks.

A started minute counts as a whole one, on either side of the deadline:
30 seconds before it is "1 min left", 30 seconds after it "1 min overdue"
(never "0 min overdue", and never one page saying 5 while another says 6).
The text is ``dashboard.i18n.numbers.format_deadline``.
"""

from __future__ import annotations

import math
from datetime import datetime

from dashboard.domain.base import to_local_naive


def minutes_to_deadline(deadline: datetime, now: datetime) -> int:
    """Whole minutes from ``now`` to ``deadline``: positive while it is ahead, negative once past.

    Rounded away from zero (a started minute counts); 0 only at the deadline itself.
    """
    seconds = (to_local_naive(deadline) - to_local_naive(now)).total_seconds()
    minutes = math.ceil(abs(seconds) / 60)
    return minutes if seconds >= 0 else -minutes


def is_past(deadline: datetime, now: datetime) -> bool:
    """Whether ``now`` is after ``deadline`` (overdue): exactly when ``minutes_to_deadline`` is negative."""
    return to_local_naive(now) > to_local_naive(deadline)
