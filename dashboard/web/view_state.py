"""The state of an overview in its URL: ``?unit=<code>&period=month`` or ``&from=...&to=...``.

The URL is the only state, so a view can be bookmarked and shared and the
browser's back and forward buttons move through drill-downs.  Whatever the
query says is only a request: bad values fall back to defaults, and the
unit is checked against the viewer's scope by ``dashboard.metrics.units``.

- ``unit``: a unit code (default: the top of the viewer's scope);
- ``period``: today, week, month or year (relative: a bookmark of "this
  month" shows the month it is opened in); or ``from`` and ``to``, ISO dates,
  both included (a custom period);
- ``metric``: the KPI the map and the ranking show (default ``received``);
  ``per=10k`` divides it by the unit's residents in ten thousands.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from dashboard.metrics.kpis import KPI_BY_KEY
from dashboard.metrics.period import PRESETS, Period

DEFAULT_PRESET = "month"
DEFAULT_METRIC = "received"
MAX_DAYS = 3 * 366


def _date(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class ViewState:
    unit: str | None = None
    preset: str | None = DEFAULT_PRESET
    first: date | None = None
    last: date | None = None
    metric: str = DEFAULT_METRIC
    per_capita: bool = False

    @classmethod
    def from_query(cls, query: dict) -> ViewState:
        """The state a URL's query asks for, with anything invalid replaced by its default."""
        unit = str(query.get("unit") or "").strip()[:32] or None
        metric = query.get("metric") if query.get("metric") in KPI_BY_KEY else DEFAULT_METRIC
        per_capita = query.get("per") == "10k" and KPI_BY_KEY[metric].additive
        first, last = _date(query.get("from")), _date(query.get("to"))
        preset = query.get("period")
        if preset not in PRESETS:
            preset = None if first and last and first <= last <= first + timedelta(days=MAX_DAYS) \
                else DEFAULT_PRESET
        if preset is not None:
            first = last = None
        return cls(unit, preset, first, last, metric, per_capita)

    def period(self, now: datetime) -> Period:
        if self.preset is not None:
            return Period.preset(self.preset, now)
        return Period.of_days(self.first, self.last)

    def with_(self, **changes) -> ViewState:
        return replace(self, **changes)

    def query(self) -> dict[str, str]:
        out = {"unit": self.unit} if self.unit else {}
        if self.preset is not None:
            out["period"] = self.preset
        else:
            out["from"], out["to"] = self.first.isoformat(), self.last.isoformat()
        if self.metric != DEFAULT_METRIC:
            out["metric"] = self.metric
        if self.per_capita:
            out["per"] = "10k"
        return out

    def search(self, **changes) -> str:
        """The query string (with "?") of this state with ``changes``."""
        return "?" + urlencode(self.with_(**changes).query())
