"""Per-source API tokens for the ingest API: created once, stored hashed, revocable.

``create_token`` returns the plain token exactly once; only its SHA-256 is
kept.  ``token_source`` answers which source a presented token belongs to
(None when unknown or revoked), comparing hashes in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.domain.base import now_local
from dashboard.domain.ingest import ApiToken
from dashboard.ingest.schemas import Source

PREFIX = "afd_"


class TokenError(ValueError):
    """A token command got a bad value; the message names the field."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, source: str) -> tuple[ApiToken, str]:
    """A new token for ``source``: the row, and the plain token to hand over once."""
    from pydantic import TypeAdapter, ValidationError

    try:
        source = TypeAdapter(Source).validate_python(source)
    except ValidationError:
        raise TokenError("--source: 1 to 40 letters, digits, '.', '_' or '-'") from None
    plain = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(source=source, token_hash=_hash(plain), hint=plain[:10], created_at=now_local())
    session.add(row)
    session.flush()
    return row, plain


def revoke_token(session: Session, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise TokenError(f"--id: no token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = now_local()
    return row


def token_source(session: Session, presented: str | None) -> str | None:
    """The source of a valid, unrevoked token; None otherwise."""
    if not presented or not presented.startswith(PREFIX) or len(presented) > 200:
        return None
    digest = _hash(presented)
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.token_hash, digest):
        return None
    row.last_used_at = now_local()
    return row.source
