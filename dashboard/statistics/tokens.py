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

import hashlib
import hmac
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.permissions import allowed
from dashboard.domain.base import now_local
from dashboard.domain.ingest import ApiToken
from dashboard.domain.users import User, normalize_username

PREFIX = "afs_"
SOURCE_PREFIX = "stats-user:"
PERMISSION = "export_statistics"
_SOURCE = re.compile(r"^stats-user:(\d{1,10})$")


class StatsTokenError(ValueError):
    """A bad value for a token command; the message names the field."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_stats_token(session: Session, username: str) -> tuple[ApiToken, str]:
    """A new statistics token for an active user allowed to export statistics: the row and the plain token."""
    user = session.scalar(select(User).where(User.username == normalize_username(username)))
    if user is None or not user.is_active:
        raise StatsTokenError(f"--username: no active user {username!r}")
    if not allowed(user.role, PERMISSION):
        raise StatsTokenError(f"--username: role {user.role!r} may not export statistics")
    plain = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(source=f"{SOURCE_PREFIX}{user.id}", token_hash=_hash(plain), hint=plain[:10],
                   created_at=now_local())
    session.add(row)
    session.flush()
    return row, plain


def stats_token_user(session: Session, presented: str | None) -> User | None:
    """The active user of a valid, unrevoked statistics token; None otherwise."""
    if not presented or not presented.startswith(PREFIX) or len(presented) > 200:
        return None
    digest = _hash(presented)
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.token_hash, digest):
        return None
    match = _SOURCE.match(row.source or "")
    user = session.get(User, int(match.group(1))) if match else None
    if user is None or not user.is_active:
        return None
    row.last_used_at = now_local()
    return user
