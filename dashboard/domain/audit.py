"""The audit log: append-only and chained under a key held outside the database.

Each ``AuditEntry`` stores ``prev_hash`` (the hash of the entry before it, or
64 zeros for the first) and ``hash``, the HMAC-SHA256 under the audit key of
the canonical JSON of its own fields plus ``prev_hash`` (see
``AuditEntry.canonical``).  Changing any field of any row, or deleting a row,
breaks the chain, and without the key no one can compute a replacement.
``AuditHead`` remembers the last id and hash, and ``keyed_from``: entries
before it were written before the chain had a key and carry a plain SHA-256
(``docs/security.md`` says what that prefix can and cannot prove).

Rows are written only by ``dashboard.auth.audit.record`` and never updated or
deleted: the ORM refuses it here, and the migration adds database triggers
that refuse it for anyone who goes around the ORM.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime

from sqlalchemy import Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.domain.base import Base, LocalDateTime, to_local_naive

GENESIS_HASH = "0" * 64


class AuditEntry(Base):
    """One audited event: who (user and role), did what, to which object, with what outcome."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False,
                                    doc="1, 2, 3, ... without gaps, assigned under the chain lock")
    at: Mapped[datetime] = mapped_column(LocalDateTime, index=True)
    username: Mapped[str | None] = mapped_column(String(64), index=True)
    role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40), index=True)
    object: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(20))
    source_address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text, doc="Canonical JSON; never personal data")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    def canonical(self) -> str:
        """The text that is hashed: sorted-key JSON of every field but ``hash``."""
        at = to_local_naive(self.at).isoformat(timespec="seconds")
        fields = {
            "id": self.id, "at": at, "username": self.username, "role": self.role,
            "action": self.action, "object": self.object, "outcome": self.outcome,
            "source_address": self.source_address, "detail": self.detail,
            "prev_hash": self.prev_hash,
        }
        return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def compute_hash(self, key: bytes | None = None) -> str:
        """HMAC-SHA256 of ``canonical`` under ``key``; plain SHA-256 for an entry written
        before the chain had a key (``key`` None)."""
        message = self.canonical().encode("utf-8")
        if key is None:
            return hashlib.sha256(message).hexdigest()
        return hmac.new(key, message, hashlib.sha256).hexdigest()


class AuditHead(Base):
    """The single row (id 1) naming the newest entry; updating it is the chain's lock."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
    keyed_from: Mapped[int | None] = mapped_column(
        Integer, doc="The first entry chained under the audit key (earlier ones: plain SHA-256)")


class AuditTampering(RuntimeError):
    """Raised when code tries to update or delete an audit entry."""


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(_mapper, _connection, target) -> None:
    raise AuditTampering(f"audit entry {target.id} is append-only")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(_mapper, _connection, target) -> None:
    raise AuditTampering(f"audit entry {target.id} is append-only")
