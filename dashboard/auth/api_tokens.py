"""Bearer tokens of the APIs: made once, kept only as a hash, found in constant time.

Ingest tokens (``afd_``, ``dashboard.ingest.tokens``) and statistics tokens
(``afs_``, ``dashboard.statistics.tokens``) are rows of ``api_tokens`` told
apart by their prefix; each API accepts only its own.  ``mint`` gives the
plain token (to hand over once) and the row's fields; ``presented_token``
finds the unrevoked row of a presented token and notes its use.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.domain.base import now_local
from dashboard.domain.ingest import ApiToken

MAX_LENGTH = 200


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def mint(prefix: str, source: str, **fields) -> tuple[ApiToken, str]:
    """A new, unsaved row for ``source`` and its plain token (``prefix`` + 43 random characters)."""
    plain = prefix + secrets.token_urlsafe(32)
    row = ApiToken(source=source, token_hash=token_hash(plain), hint=plain[:10], created_at=now_local(),
                   **fields)
    return row, plain


def presented_token(session: Session, presented: str | None, prefix: str) -> ApiToken | None:
    """The unrevoked row of ``presented`` if it is a token of ``prefix``; its use is noted."""
    if not isinstance(presented, str) or not presented.startswith(prefix) or len(presented) > MAX_LENGTH:
        return None
    digest = token_hash(presented)
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.token_hash, digest):
        return None
    row.last_used_at = now_local()
    return row
