"""Periods of time: half-open ``[start, end)`` in Asia/Shanghai, whole days for the aggregates.

A period has a ``kind`` ("day", "week", "month", "year", or "custom"), which
says what its previous period (环比) is: the day before, the week before,
the calendar month before, the year before, or for a custom range the same
number of days just before it; a custom range that starts on the 1st of a
month and ends in that month (a month to date) has the same days of the
month before (clamped to that month's length; the whole month before when
it runs to the month's end), and one from 1 January to a later month of
the same year (a year to date) the same days of the year before, which is
its 同比 as well.  The same period last year (同比) is the same
dates one year earlier (29 February becomes 28 February).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from dashboard.domain.base import SHANGHAI, now_local

KINDS = ("day", "week", "month", "year", "custom")
PRESETS = ("today", "week", "month", "year")


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def year_back(day: date, years: int = 1) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return _month_start(day, back=-1)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    kind: str = "custom"

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("period: the end must be after the start")
        if self.kind not in KINDS:
            raise ValueError(f"period: unknown kind {self.kind!r}")

    def __deepcopy__(self, _memo) -> Period:
        # immutable: pandas deep-copies a frame's attrs (where periods ride along) at every step
        return self

    # --- construction ---------------------------------------------------
    @classmethod
    def last_days(cls, days: int, now: datetime | None = None) -> Period:
        """The ``days`` whole days up to and including today."""
        today = (now or now_local()).astimezone(SHANGHAI).date()
        return cls.of_days(today - timedelta(days=days - 1), today)

    @classmethod
    def of_days(cls, first: date, last: date, kind: str = "custom") -> Period:
        """The whole days ``first`` to ``last``, both included."""
        return cls(_midnight(first), _midnight(last + timedelta(days=1)), kind)

    @classmethod
    def preset(cls, name: str, now: datetime | None = None) -> Period:
        """"today", "week" (Monday to Sunday), "month" or "year" containing ``now``."""
        today = (now or now_local()).astimezone(SHANGHAI).date()
        if name == "today":
            return cls.of_days(today, today, "day")
        if name == "week":
            monday = today - timedelta(days=today.weekday())
            return cls.of_days(monday, monday + timedelta(days=6), "week")
        if name == "month":
            first = _month_start(today)
            return cls(_midnight(first), _midnight(_month_start(first, -1)), "month")
        if name == "year":
            return cls(_midnight(date(today.year, 1, 1)), _midnight(date(today.year + 1, 1, 1)), "year")
        raise ValueError(f"period: unknown preset {name!r}")

    # --- days -----------------------------------------------------------
    @property
    def first_day(self) -> date:
        return self.start.astimezone(SHANGHAI).date()

    @property
    def end_day(self) -> date:
        """The first day after the period (exclusive end)."""
        return self.end.astimezone(SHANGHAI).date()

    @property
    def last_day(self) -> date:
        return self.end_day - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end_day - self.first_day).days

    @property
    def whole_days(self) -> bool:
        return all(t.astimezone(SHANGHAI).time() == time(0) for t in (self.start, self.end))

    def require_whole_days(self) -> None:
        if not self.whole_days:
            raise ValueError("period: aggregates need a period of whole days (midnight to midnight)")

    def first_days(self, count: int) -> Period:
        """The first ``count`` days of this period (at least one)."""
        return Period.of_days(self.first_day, self.first_day + timedelta(days=max(count, 1) - 1), self.kind)

    @property
    def month_to_date(self) -> bool:
        """A custom range from the 1st of a month to a day of the same month."""
        return (self.kind == "custom" and self.whole_days and self.first_day.day == 1
                and self.end_day <= next_month(self.first_day))

    @property
    def year_to_date(self) -> bool:
        """A custom range from 1 January to a day of a later month of the same year."""
        return (self.kind == "custom" and self.whole_days and (self.first_day.month, self.first_day.day) == (1, 1)
                and not self.month_to_date and self.end_day <= date(self.first_day.year + 1, 1, 1))

    # --- comparisons ----------------------------------------------------
    def previous(self) -> Period:
        """The period before this one (环比): day, week, calendar month, year, or as many days."""
        first, kind = self.first_day, self.kind
        if kind == "day":
            return Period.of_days(first - timedelta(days=1), first - timedelta(days=1), kind)
        if kind == "week":
            return Period.of_days(first - timedelta(days=7), first - timedelta(days=1), kind)
        if kind == "month":
            return Period(_midnight(_month_start(first, 1)), _midnight(first), kind)
        if kind == "year":
            return Period(_midnight(year_back(first)), _midnight(first), kind)
        if self.month_to_date:
            before = _month_start(first, 1)
            if self.end_day == next_month(first):  # the whole month: the whole month before
                return Period(_midnight(before), _midnight(first), kind)
            return Period.of_days(before, min(before + timedelta(days=self.days - 1), first - timedelta(days=1)),
                                  kind)
        if self.year_to_date:
            return self.last_year()
        return Period.of_days(first - timedelta(days=self.days), first - timedelta(days=1), kind)

    def last_year(self) -> Period:
        """The same dates one year earlier (同比)."""
        first = year_back(self.first_day)
        end = year_back(self.end_day)
        return Period(_midnight(first), _midnight(max(end, first + timedelta(days=1))), self.kind)


def disjoint(periods) -> bool:
    """No two of ``periods`` share a moment (summed together, none is counted twice)."""
    ordered = sorted(periods, key=lambda p: p.start)
    return all(earlier.end <= later.start for earlier, later in pairwise(ordered))
