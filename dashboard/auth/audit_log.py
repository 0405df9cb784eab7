"""Reading the audit log: filter by user, action and date, one page at a time.

The auditor page and any export of the log go through ``search``; it only
reads, never changes a row (the log is append-only, see ``dashboard.auth.audit``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.domain.audit import AuditEntry
from dashboard.domain.base import SHANGHAI
from dashboard.domain.users import normalize_username

PER_PAGE = 50


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


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    pages: int


def search(session: Session, wanted: AuditFilter, page: int = 1,
           per_page: int = PER_PAGE) -> AuditPage:
    """Entries matching ``wanted``, newest first, page ``page`` (1-based) of ``per_page``."""
    conditions = wanted.conditions()
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, int(page or 1)), pages)
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
