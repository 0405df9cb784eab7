"""Data in: per-source API tokens and the records an ingest refused.

A token is shown once when created and stored only as its SHA-256; it
works for the ingest API of its source and nowhere else.  Its records carry
its own source; its follow-ups (attempts, outcomes, stop-payments) may name
warnings of its own source and of the sources it was explicitly granted
(``also_sources``), no others.  A rejected record keeps its payload
(encrypted: it holds personal data) with the field and reason of each error
(never an input value), who sent it (the token's source and id), and the
unit it is for when its payload names one, so that the leaders and
commanders of that unit can fix and replay it under the sender's rights
(``dashboard.commands.rejected``).  The column names a file import of a
source mapped to fields (``ImportHeaderMap``) are kept for its next imports.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.domain.base import Base, LocalDateTime
from dashboard.domain.personal_data import EncryptedString


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(12), doc="The token's first characters, to tell tokens apart")
    also_sources: Mapped[str | None] = mapped_column(
        String(1000), doc="Other sources whose warnings its follow-ups may name, comma-separated")
    created_at: Mapped[datetime] = mapped_column(LocalDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(LocalDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(LocalDateTime)

    @property
    def granted_sources(self) -> tuple[str, ...]:
        """The other sources this token was granted, in order (none: an empty tuple)."""
        return tuple(s for s in (self.also_sources or "").split(",") if s)


class RejectedRecord(Base):
    __tablename__ = "rejected_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), doc="warnings, outcomes or stop-payments")
    source: Mapped[str | None] = mapped_column(
        String(40), doc="The source it was sent under: the token's (or the import's --source); "
                        "else the record's own")
    token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id"), doc="The ingest token that sent it (None: a file import)")
    external_id: Mapped[str | None] = mapped_column(String(64))
    batch: Mapped[str] = mapped_column(String(40), index=True, doc="Which batch or file it came in")
    position: Mapped[int] = mapped_column(Integer, doc="Its index in the batch (or line in the file)")
    received_at: Mapped[datetime] = mapped_column(LocalDateTime, index=True)
    payload: Mapped[str] = mapped_column(EncryptedString(None, purpose="rejected_records.payload"))
    errors: Mapped[str] = mapped_column(Text, doc="JSON list of {field, reason}")
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_units.id"), index=True,
        doc="The station (or county) the payload names; empty when it names none: the city's")
    status: Mapped[str] = mapped_column(String(12), default="open", doc="open, replayed or discarded")
    resolved_at: Mapped[datetime | None] = mapped_column(LocalDateTime)
    replayed_as: Mapped[int | None] = mapped_column(
        ForeignKey("rejected_records.id"), doc="The new rejection when a replay failed again")


class ImportHeaderMap(Base):
    """A column name an import of a source mapped to a field (``--map``), used on its next imports."""

    __tablename__ = "import_header_maps"

    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    header: Mapped[str] = mapped_column(
        String(200), primary_key=True, doc="The column name as compared: NFKC, no spaces, case folded")
    field: Mapped[str] = mapped_column(String(60), doc="The field it holds, e.g. received_at")
    saved_at: Mapped[datetime] = mapped_column(LocalDateTime)
