"""Dissuasion playbooks: for each fraud type, the talking points that work, in zh and en.

A playbook is data, one row per fraud type.  Starter texts ship in
``data/playbooks/dissuasion_playbooks.json`` and are loaded, for fraud types
that have none yet, with the reference lists (``antifraud init-db``); from
then on admins edit them on ``/admin/playbooks`` and an edit is never
overwritten by a reload.  ``version`` is bumped by every edit, so that two
admins editing at once cannot silently overwrite each other.

Talking points are plain text, one point per line.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.domain.base import Base, LocalDateTime

POINTS_MAX = 20        # talking points per language
POINT_MAX = 400        # characters per point


def normalize_points(text: str | None) -> str:
    """The points of ``text`` one per line, each trimmed, blank lines dropped."""
    return "\n".join(line.strip() for line in (text or "").splitlines() if line.strip())


class DissuasionPlaybook(Base):
    """The talking points for dissuading a person from one fraud type."""

    __tablename__ = "dissuasion_playbooks"

    fraud_type: Mapped[str] = mapped_column(ForeignKey("fraud_types.code"), primary_key=True)
    talking_points_zh: Mapped[str] = mapped_column(Text)
    talking_points_en: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime | None] = mapped_column(LocalDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def talking_points(self, lang: str) -> list[str]:
        """The points in ``lang`` (zh* or en), one per non-empty line."""
        text = self.talking_points_zh if lang.startswith("zh") else self.talking_points_en
        return normalize_points(text).splitlines()
