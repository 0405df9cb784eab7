"""Statistics API tokens: a personal token that lets a script call ``GET /api/v1/stats`` as its user.

A statistics token is not an ingest token.  It is stored in the same
``api_tokens`` table (hashed, shown once, revocable with ``antifraud
revoke-token``) but:

- its plain text starts with ``afs_`` (ingest tokens ``afd_``), and the
  ingest API accepts only ``afd_`` tokens, the statistics API only ``afs_``;
- its ``source`` is ``stats-user:<user id>`` (an ingest source cannot hold
  ":"), and it acts as that user: their role must allow
  ``export_statistics`` and their scope limits the units, checked on every
  call, so disabling the user or changing their role stops the token too.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.api_tokens import mint, presented_token
from dashboard.auth.permissions import allowed
from dashboard.domain.ingest import ApiToken
from dashboard.domain.users import User, normalize_username

PREFIX = "afs_"
SOURCE_PREFIX = "stats-user:"
PERMISSION = "export_statistics"
_SOURCE = re.compile(r"^stats-user:(\d{1,10})$")


class StatsTokenError(ValueError):
    """A bad value for a token command; the message names the field."""


def create_stats_token(session: Session, username: str) -> tuple[ApiToken, str]:
    """A new statistics token for an active user allowed to export statistics: the row and the plain token."""
    user = session.scalar(select(User).where(User.username == normalize_username(username)))
    if user is None or not user.is_active:
        raise StatsTokenError(f"--username: no active user {username!r}")
    if not allowed(user.role, PERMISSION):
        raise StatsTokenError(f"--username: role {user.role!r} may not export statistics")
    row, plain = mint(PREFIX, f"{SOURCE_PREFIX}{user.id}")
    session.add(row)
    session.flush()
    return row, plain


def stats_token_user(session: Session, presented: str | None) -> User | None:
    """The active user of a valid, unrevoked statistics token; None otherwise."""
    row = presented_token(session, presented, PREFIX)
    match = _SOURCE.match(row.source or "") if row is not None else None
    user = session.get(User, int(match.group(1))) if match else None
    return user if user is not None and user.is_active else None
