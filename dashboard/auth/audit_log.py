"""Reading the audit log: filter by user, action and date, one page at a time.

The auditor page and any export of the log go through ``search``; it only
reads, never changes a row (the log is append-only, see ``dashboard.auth.audit``).

The filters come from the browser: ``parse_filter`` and ``parse_page`` turn
them into an ``AuditFilter`` and a page number, or raise ``FilterRefused``
naming the filter and the reason (a message id), so that a value that does
not parse is a message and never a wrong list: a list where a name should
be, an action that is not one of ``audit.ACTIONS``, a date that is not a
day between ``EARLIEST_DAY`` and ``LATEST_DAY`` (or a start after the end),
a page that is not a whole number from 1 to the number of pages.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.domain.audit import AuditEntry
from dashboard.domain.base import SHANGHAI
from dashboard.domain.users import normalize_username
from dashboard.i18n import translate

PER_PAGE = 50
USERNAME_MAX = 64  # the audit row's column
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2099, 12, 31)
MAX_PAGE = 1_000_000
_DAY = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:T[0-9:.]{0,15})?")  # as a date picker sends it
# the filter's name on the page, by the field a refusal names
FIELD_LABELS = {"username": "audit.filter.user", "action": "audit.filter.action",
                "start": "audit.filter.from", "end": "audit.filter.to",
                "dates": "audit.filter.dates", "page": "audit.filter.page"}


class FilterRefused(ValueError):
    """A filter that does not parse: ``field`` (a key of ``FIELD_LABELS``) and a message id."""

    def __init__(self, field: str, reason: str, **params) -> None:
        super().__init__(f"{field}: {translate(reason, 'en', **params)}")
        self.field = field
        self.reason = reason
        self.params = params

    def message(self, lang: str) -> str:
        return translate("audit.refused", lang, field=translate(FIELD_LABELS[self.field], lang),
                         reason=translate(self.reason, lang, **self.params))


@dataclass(frozen=True)
class AuditFilter:
    """What the auditor asked for; empty fields do not filter.  Dates are whole days,
    ``start`` and ``end`` both included, Asia/Shanghai."""

    username: str | None = None
    action: str | None = None
    start: date | None = None
    end: date | None = None

    def conditions(self) -> list:
        out = []
        if self.username and self.username.strip():
            out.append(AuditEntry.username == normalize_username(self.username))
        if self.action:
            out.append(AuditEntry.action == self.action)
        if self.start:
            out.append(AuditEntry.at >= datetime.combine(self.start, time(), SHANGHAI))
        if self.end:
            out.append(AuditEntry.at < datetime.combine(self.end + timedelta(days=1), time(),
                                                        SHANGHAI))
        return out


def _text(value, field: str) -> str | None:
    """Text from the browser, blanks trimmed; None for nothing."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise FilterRefused(field, "audit.error.not_text")
    value = value.strip()
    if any(unicodedata.category(ch) == "Cc" for ch in value):  # as the request parameters' rule
        raise FilterRefused(field, "audit.error.control")
    return value or None


def _day(value, field: str) -> date | None:
    text = _text(value, field)
    if text is None:
        return None
    found = _DAY.fullmatch(text)
    try:
        day = date.fromisoformat(found.group(1)) if found else None
    except ValueError:
        day = None
    if day is None:
        raise FilterRefused(field, "audit.error.not_date")
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise FilterRefused(field, "audit.error.date_range", earliest=EARLIEST_DAY.isoformat(),
                            latest=LATEST_DAY.isoformat())
    return day


def parse_filter(username, action, start, end) -> AuditFilter:
    """The ``AuditFilter`` of the page's filter values, or ``FilterRefused``."""
    name = _text(username, "username")
    if name is not None and len(name) > USERNAME_MAX:
        raise FilterRefused("username", "audit.error.too_long", max=USERNAME_MAX)
    code = _text(action, "action")
    if code is not None and code not in audit.ACTIONS:
        raise FilterRefused("action", "audit.error.unknown_action")
    first, last = _day(start, "start"), _day(end, "end")
    if first is not None and last is not None and first > last:
        raise FilterRefused("dates", "audit.error.start_after_end")
    return AuditFilter(username=name, action=code, start=first, end=last)


def parse_page(page) -> int:
    """A page number from the browser (None: the first), or ``FilterRefused``."""
    if page is None:
        return 1
    if isinstance(page, bool) or not isinstance(page, int):
        raise FilterRefused("page", "audit.error.not_page")
    if not 1 <= page <= MAX_PAGE:
        raise FilterRefused("page", "audit.error.page_range", pages=MAX_PAGE)
    return page


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    pages: int


def search(session: Session, wanted: AuditFilter, page: int = 1,
           per_page: int = PER_PAGE) -> AuditPage:
    """Entries matching ``wanted``, newest first, page ``page`` (1-based) of ``per_page``;
    ``FilterRefused`` for a page that is not one of them (the first always is)."""
    page = parse_page(page)
    conditions = wanted.conditions()
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
    pages = max(1, -(-total // per_page))
    if page > pages:
        raise FilterRefused("page", "audit.error.page_range", pages=pages)
    entries = session.scalars(
        select(AuditEntry).where(*conditions).order_by(AuditEntry.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    return AuditPage(list(entries), total, page, pages)


def usernames(session: Session) -> list[str]:
    """Every username that appears in the log, for the filter's choices."""
    return [name for name in session.scalars(
        select(AuditEntry.username).where(AuditEntry.username.is_not(None)).distinct()
        .order_by(AuditEntry.username)) if name]
