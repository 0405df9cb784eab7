"""Per-source API tokens for the ingest API: created once, stored hashed, revocable.

``create_token`` returns the plain token exactly once; only its SHA-256 is
kept.  A token writes records of its own source only; its follow-ups
(attempts, outcomes, stop-payments) may name warnings of its own source and
of the other sources it was explicitly granted at creation
(``also_sources``, ``antifraud create-token --also-source``), audited with
the token.  ``token_sender`` answers who a presented token is (None when
unknown or revoked), comparing hashes in constant time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.auth.api_tokens import mint, presented_token
from dashboard.domain.base import now_local
from dashboard.domain.ingest import ApiToken
from dashboard.ingest.schemas import Source

PREFIX = "afd_"
MAX_ALSO_SOURCES = 20


class TokenError(ValueError):
    """A token command got a bad value; the message names the field."""


@dataclass(frozen=True)
class Sender:
    """Who sends a batch: the source its records must carry, and whose warnings they may follow.

    ``also_sources``: the other sources whose warnings its follow-ups may name.
    ``token_id``: the ingest token (None: a file import under ``--source``).
    """

    source: str
    also_sources: frozenset[str] = frozenset()
    token_id: int | None = None

    @property
    def warning_sources(self) -> frozenset[str]:
        return self.also_sources | {self.source}

    @classmethod
    def of_token(cls, row: ApiToken) -> Sender:
        return cls(row.source, frozenset(row.granted_sources), row.id)


def _source(value, option: str) -> str:

    try:
        return TypeAdapter(Source).validate_python(value)
    except ValidationError:
        raise TokenError(f"{option}: 1 to 40 letters, digits, '.', '_' or '-'") from None


def create_token(session: Session, source: str, also_sources: Iterable[str] = (), *,
                 actor: str | None = None) -> tuple[ApiToken, str]:
    """A new token for ``source`` (granted ``also_sources``): the row, and the plain token to hand over once."""
    source = _source(source, "--source")
    others = sorted({_source(s, "--also-source") for s in also_sources} - {source})
    if len(others) > MAX_ALSO_SOURCES:
        raise TokenError(f"--also-source: at most {MAX_ALSO_SOURCES} other sources")
    row, plain = mint(PREFIX, source, also_sources=",".join(others) or None)
    session.add(row)
    session.flush()
    audit.record(session, user=actor or "system:tokens", action=audit.TOKEN_CREATED,
                 object=f"api_token:{row.id}", detail={"source": source, "also_sources": others})
    return row, plain


def revoke_token(session: Session, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise TokenError(f"--id: no token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = now_local()
    return row


def token_sender(session: Session, presented: str | None) -> Sender | None:
    """Who a valid, unrevoked ingest token is; None otherwise."""
    row = presented_token(session, presented, PREFIX)
    return Sender.of_token(row) if row is not None else None


def token_source(session: Session, presented: str | None) -> str | None:
    """The source of a valid, unrevoked token; None otherwise."""
    sender = token_sender(session, presented)
    return sender.source if sender is not None else None
