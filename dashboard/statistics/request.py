"""What a statistics request asks for, parsed and checked the same way for the page, CLI and API.

Parameters (the API's query names; the page and the CLI map onto them):

- ``unit``: one or more unit codes (repeated, or comma-separated); default
  the top of the caller's scope.  A unit that does not exist or lies outside
  the scope is "not found" (and the error's ``denied_object``, the unit as the
  audit log names it, is audited by the web caller).
- ``from``, ``to``: ISO dates, both included; the period must end before
  today (statistics cover complete days) and last at most ``MAX_DAYS``.
- ``compare``: ``last_year`` (同比, default), ``previous`` (环比: the month
  or year before when the period is a calendar month or year, the same
  days of the month before for a month to date such as 1-22 November, else
  the same number of days before) or ``custom`` with ``compare_from`` and
  ``compare_to``.
- ``figure``: KPI keys of ``docs/metrics.md`` (repeated or comma-separated).

A bad value raises ``RequestError`` naming the field and the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.records import unit_object
from dashboard.auth.scope import Scope
from dashboard.domain import OrgUnit
from dashboard.domain.base import SHANGHAI
from dashboard.i18n import translate
from dashboard.metrics.kpis import KPI_BY_KEY, KPIS
from dashboard.metrics.period import Period

COMPARISONS = ("last_year", "previous", "custom")
DEFAULT_FIGURES = ("received", "received_per_day", "closed", "dissuaded", "success_rate",
                   "loss_avoided", "amount_stopped", "cases_solved")
FIGURES = tuple(k.key for k in KPIS)
MAX_DAYS = 3 * 366
MAX_UNITS = 20
MAX_FIGURES = 12
EARLIEST = date(2000, 1, 1)


class RequestError(ValueError):
    """A parameter the caller can fix: ``field`` and a message id with its parameters."""

    def __init__(self, field: str, message: str, **params) -> None:
        super().__init__(f"{field}: {translate(message, 'en', **params)}")
        self.denied_object: str | None = None  # a unit not found: its name for the audit log
        self.field = field
        self.message = message
        self.params = params

    def text(self, lang: str) -> str:
        return translate("statistics.error", lang, field=self.field,
                         reason=translate(self.message, lang, **self.params))

    def reason(self, lang: str = "en") -> str:
        return translate(self.message, lang, **self.params)


@dataclass(frozen=True)
class StatisticsRequest:
    units: tuple[str, ...]
    first: date
    last: date
    compare: str = "last_year"
    compare_first: date | None = None
    compare_last: date | None = None
    figures: tuple[str, ...] = DEFAULT_FIGURES

    @property
    def period(self) -> Period:
        return Period.of_days(self.first, self.last, _kind(self.first, self.last))

    @property
    def comparison(self) -> Period:
        if self.compare == "custom":
            return Period.of_days(self.compare_first, self.compare_last)
        period = self.period
        return period.last_year() if self.compare == "last_year" else period.previous()

    def query(self) -> dict[str, str]:
        """The request as API query parameters (also what the audit log records)."""
        out = {"unit": ",".join(self.units), "from": self.first.isoformat(),
               "to": self.last.isoformat(), "compare": self.compare,
               "figure": ",".join(self.figures)}
        if self.compare == "custom":
            out["compare_from"] = self.compare_first.isoformat()
            out["compare_to"] = self.compare_last.isoformat()
        return out


def _kind(first: date, last: date) -> str:
    after = last + timedelta(days=1)
    if first.day == 1 and after.day == 1:
        months = (after.year - first.year) * 12 + after.month - first.month
        if months == 1:
            return "month"
        if months == 12 and first.month == 1:
            return "year"
    return "custom"


def _values(raw) -> list[str]:
    """A parameter given once, repeated (list) or comma-separated, as a list of strings."""
    if raw is None:
        return []
    items = raw if isinstance(raw, list | tuple) else [raw]
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


def _date(raw, field: str, required: bool = True) -> date | None:
    values = _values(raw)
    if not values:
        if required:
            raise RequestError(field, "statistics.error.required")
        return None
    try:
        return date.fromisoformat(values[0][:10])
    except ValueError:
        raise RequestError(field, "statistics.error.date") from None


def _check_range(first: date, last: date, today: date, field_from: str, field_to: str) -> None:
    if first < EARLIEST:
        raise RequestError(field_from, "statistics.error.too_early", day=EARLIEST.isoformat())
    if last < first:
        raise RequestError(field_to, "statistics.error.before_start")
    if last >= today:
        raise RequestError(field_to, "statistics.error.not_complete", day=today.isoformat())
    if (last - first).days + 1 > MAX_DAYS:
        raise RequestError(field_to, "statistics.error.too_long", days=MAX_DAYS)


def resolve_units(session: Session, scope: Scope, codes: list[str]) -> list[OrgUnit]:
    """The units of ``codes`` in order, each inside ``scope`` (else "not found", as if it did not exist)."""
    if scope.is_empty:
        raise RequestError("unit", "statistics.error.no_scope")
    if not codes:
        return [session.get(OrgUnit, scope.unit_id)]
    if len(codes) > MAX_UNITS:
        raise RequestError("unit", "statistics.error.too_many", n=MAX_UNITS)
    found = {u.code: u for u in session.scalars(select(OrgUnit).where(OrgUnit.code.in_(codes)))}
    units = []
    for code in dict.fromkeys(codes):
        unit = found.get(code)
        if unit is None or not scope.contains_path(unit.path):
            error = RequestError("unit", "statistics.error.no_unit", code=code[:32])
            error.denied_object = unit_object(unit, code)  # audited by the caller
            raise error
        units.append(unit)
    return units


def parse_request(params: Mapping, session: Session, scope: Scope,
                  now: datetime) -> tuple[StatisticsRequest, list[OrgUnit]]:
    """Check ``params`` (API names) against the rules above and the caller's scope."""
    today = now.astimezone(SHANGHAI).date()
    first = _date(params.get("from"), "from")
    last = _date(params.get("to"), "to")
    _check_range(first, last, today, "from", "to")
    compare = (_values(params.get("compare")) or ["last_year"])[0]
    if compare not in COMPARISONS:
        raise RequestError("compare", "statistics.error.choice", choices=", ".join(COMPARISONS))
    compare_first = compare_last = None
    if compare == "custom":
        compare_first = _date(params.get("compare_from"), "compare_from")
        compare_last = _date(params.get("compare_to"), "compare_to")
        _check_range(compare_first, compare_last, today, "compare_from", "compare_to")
    figures = tuple(dict.fromkeys(_values(params.get("figure")))) or DEFAULT_FIGURES
    unknown = [f for f in figures if f not in KPI_BY_KEY]
    if unknown:
        raise RequestError("figure", "statistics.error.figure", name=unknown[0][:40])
    if len(figures) > MAX_FIGURES:
        raise RequestError("figure", "statistics.error.too_many", n=MAX_FIGURES)
    units = resolve_units(session, scope, _values(params.get("unit")))
    request = StatisticsRequest(tuple(u.code for u in units), first, last, compare,
                                compare_first, compare_last, figures)
    return request, units
