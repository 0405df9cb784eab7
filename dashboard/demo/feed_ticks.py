"""What the live feed sends from moment to moment, on any clock: its volume, a surge, a pause.

``FeedTicks.step(now)`` hands back the records to post at ``now``, by kind
(``{"warnings": [...], "outcomes": [...], "stop-payments": [...]}``):

- **New warnings**: a Poisson count for the time since the last step, at
  the feed's rate shaped like the demo history (the hour of the day and
  the day of the week of ``data/demo/calibration.json``) unless ``flat``,
  drawn over the stations by their weights.  At the default rate (the
  history's own level, ``LiveFeed.usual_rate``) the anomaly method, which
  compares the last three hours with the same hours of the eight weeks
  before, sees nothing unusual.
- **A surge** (``Surge``): the stations of one unit receive
  ``SURGE_FACTOR`` times their usual warnings, and at least
  ``SURGE_FLOOR_PER_MINUTE`` more a minute (a quiet station at night would
  otherwise take an hour to show it); the other units get their usual ones.
- **A pause**: from ``pause_after`` minutes after the first step, for
  ``pause`` minutes, nothing at all: no new warning (none happen meanwhile)
  and no follow-up; the follow-ups that came due meanwhile go with the first
  step after it.

The real loop (``dashboard.demo.simulator.run_feed``) steps it twice a
second with the wall clock; tests step it with a simulated one.  Each
change of state is one line in the log ``dashboard.simulate``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from dashboard.demo import SURGE_FACTOR, SURGE_FLOOR_PER_MINUTE
from dashboard.demo.live_feed import LiveFeed, hourly_factor, weekday_factor

log = logging.getLogger("dashboard.simulate")


@dataclass(frozen=True)
class Surge:
    """One unit whose stations get ``SURGE_FACTOR`` times their usual warnings."""

    code: str
    name_zh: str
    name_en: str
    stations: tuple[int, ...]  # indexes into the feed's ``Stations``


class FeedTicks:
    """The feed's records moment by moment (see the module doc)."""

    def __init__(self, feed: LiveFeed, *, flat: bool = False, surge: Surge | None = None,
                 pause: float = 0.0, pause_after: float = 0.0) -> None:
        self.feed = feed
        self.flat = flat
        self.surge = surge
        self.pause = timedelta(minutes=pause)
        self.pause_after = timedelta(minutes=pause_after)
        self._last: datetime | None = None
        self._pause_from: datetime | None = None
        self._paused = False
        if surge is not None:
            weights = np.zeros(len(feed.stations.codes))
            weights[list(surge.stations)] = feed.stations.weights[list(surge.stations)]
            self._surge_share = float(weights.sum())
            self._surge_weights = weights / weights.sum()

    def expected(self, at: datetime, seconds: float) -> float:
        """New warnings the whole city usually gets in ``seconds`` from ``at``, at the feed's rate."""
        shape = 1.0 if self.flat else hourly_factor(at) * weekday_factor(at)
        return self.feed.rate * seconds * shape

    def surge_extra(self, at: datetime, seconds: float) -> float:
        """The surge's warnings on top of the unit's usual ones in ``seconds`` from ``at``."""
        usual = self.expected(at, seconds) * self._surge_share
        return max((SURGE_FACTOR - 1) * usual, SURGE_FLOOR_PER_MINUTE * seconds / 60)

    def step(self, now: datetime) -> dict[str, list[dict]]:
        """The records to post at ``now``; nothing while paused."""
        if self._last is None:
            self._start(now)
        if self._pausing(now):
            self._last = now
            return {}
        seconds = max(0.0, (now - self._last).total_seconds())
        at, self._last = self._last, now
        rng = self.feed.rng
        warnings = self.feed.new_warnings(now, int(rng.poisson(self.expected(at, seconds))))
        if self.surge is not None:
            warnings += self.feed.new_warnings(now, int(rng.poisson(self.surge_extra(at, seconds))),
                                               weights=self._surge_weights)
        return {"warnings": warnings, **self.feed.due(now)}

    def _start(self, now: datetime) -> None:
        self._last = now
        if self.pause:
            self._pause_from = now + self.pause_after
        if self.surge is not None:
            log.info("surge on %s %s: %d stations get %d times their usual warnings, at least %g more a minute",
                     self.surge.code, self.surge.name_en, len(self.surge.stations), SURGE_FACTOR,
                     SURGE_FLOOR_PER_MINUTE)

    def _pausing(self, now: datetime) -> bool:
        if self._pause_from is None or now < self._pause_from:
            return False
        until = self._pause_from + self.pause
        if now < until:
            if not self._paused:
                self._paused = True
                log.info("paused: sending nothing for %g minutes, until %s",
                         self.pause.total_seconds() / 60, until.isoformat(timespec="seconds"))
            return True
        if self._paused:
            log.info("resumed after %g minutes", self.pause.total_seconds() / 60)
        self._last = max(self._last, until)  # nothing happened in the pause, however coarse the clock
        self._pause_from, self._paused = None, False
        return False
