"""The bounds every recorded time keeps, one definition for every path that writes one.

A time a record carries (a warning's receipt, an attempt's start, a
stop-payment's stages) must

- carry a time zone (a naive time is ambiguous: whose wall clock?),
- convert to Shanghai time at all (year 1 at +14:00 or year 9999 at -12:00
  does not: the conversion overflows),
- not lie before ``EARLIEST`` (2000-01-01, Shanghai),
- not lie more than the ``MAX_FUTURE_MINUTES`` setting ahead of the clock
  (default 5: upstream clocks drift a little; a record from the future does not
  exist yet), and
- not lie before the time it follows: a follow-up of a warning (attempt,
  outcome, stop-payment stage) never before the warning's ``received_at``,
  and later stages of one record never before earlier ones.

``TimeBounds(now, max_future)`` checks one value and raises ``TimeRefused``
naming the field and a reason code (``REASONS``); the ingest API, file import,
replay and the station's record-attempt command all call it, the first three
through ``dashboard.ingest.schemas`` and ``dashboard.ingest.times``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dashboard.domain.base import SHANGHAI

EARLIEST = datetime(2000, 1, 1, tzinfo=SHANGHAI)
DEFAULT_MAX_FUTURE_MINUTES = 5
MAX_FUTURE_MINUTES_LIMIT = 24 * 60
TEXT_FORMAT = "%Y-%m-%d %H:%M:%S"

# reason code -> English reason (the API's words; pages translate the code, ``times.error.<code>``)
REASONS = {
    "naive": "must carry a time zone (as 2026-11-22T10:00:00+08:00)",
    "out_of_range": "is out of range: it cannot be read as a Shanghai time",
    "too_early": "must not lie before {earliest}",
    "future": "lies more than {minutes} minutes in the future",
    "before": "must not lie before {other} ({at})",
}


class TimeRefused(ValueError):
    """A time out of bounds: ``field``, a reason ``code`` of ``REASONS`` and its parameters."""

    def __init__(self, field: str, code: str, **params) -> None:
        self.field = field
        self.code = code
        self.params = params
        super().__init__(f"{field}: {self.reason}")

    @property
    def reason(self) -> str:
        return REASONS[self.code].format(**self.params)

    def as_error(self) -> dict[str, str]:
        """The ``{field, reason}`` of the ingest API."""
        return {"field": self.field, "reason": self.reason}


def to_shanghai(value: datetime, field: str = "time") -> datetime:
    """``value`` (aware) as Shanghai time, or ``TimeRefused`` when naive or not convertible."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise TimeRefused(field, "naive")
    try:
        converted = value.astimezone(SHANGHAI)
        converted + timedelta(days=366)  # room for deadlines and period arithmetic after it
    except (OverflowError, ValueError):
        raise TimeRefused(field, "out_of_range") from None
    if converted < EARLIEST:
        raise TimeRefused(field, "too_early", earliest=EARLIEST.strftime("%Y-%m-%d"))
    return converted


def check_max_future_minutes(value) -> int:
    """The ``MAX_FUTURE_MINUTES`` setting as a whole number of minutes, 0 to a day."""
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        minutes = -1
    if not 0 <= minutes <= MAX_FUTURE_MINUTES_LIMIT:
        raise ValueError(f"MAX_FUTURE_MINUTES: must be a whole number from 0 to "
                         f"{MAX_FUTURE_MINUTES_LIMIT}, got {value!r}")
    return minutes


@dataclass(frozen=True)
class TimeBounds:
    """The bounds as of ``now``: from ``EARLIEST`` to ``now`` plus ``max_future_minutes``."""

    now: datetime
    max_future_minutes: int = DEFAULT_MAX_FUTURE_MINUTES

    @property
    def latest(self) -> datetime:
        return self.now + timedelta(minutes=self.max_future_minutes)

    def check(self, field: str, value: datetime | None, *, after: datetime | None = None,
              after_name: str = "") -> datetime | None:
        """``value`` in Shanghai time if it keeps the bounds (and is not before ``after``)."""
        if value is None:
            return None
        value = to_shanghai(value, field)
        if value > self.latest:
            raise TimeRefused(field, "future", minutes=self.max_future_minutes)
        if after is not None and value < after:
            raise TimeRefused(field, "before", other=after_name,
                              at=after.astimezone(SHANGHAI).strftime(TEXT_FORMAT))
        return value
