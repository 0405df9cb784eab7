"""Edit the dissuasion playbook of one fraud type (admins, ``manage_settings``).

``EditPlaybook(actor, fraud_type, version, talking_points_zh=..., talking_points_en=...)``
checks the permission (refusals audited), that the fraud type has a
playbook, that ``version`` is the stored one (``PlaybookChanged``: another
admin saved first), and both texts: one talking point a line, 1 to
``POINTS_MAX`` points of at most ``POINT_MAX`` characters each.  ``run``
claims the version (``UPDATE ... WHERE version = <seen>``), stores the
trimmed texts with who and when, and writes a ``playbook_changed`` audit row.
The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from dashboard.auth import audit
from dashboard.auth.permissions import PermissionDenied, allowed
from dashboard.commands.errors import Invalid
from dashboard.domain.base import now_local
from dashboard.domain.playbooks import POINT_MAX, POINTS_MAX, DissuasionPlaybook, normalize_points
from dashboard.domain.text import has_personal_number
from dashboard.i18n import t

PERMISSION = "manage_settings"
FIELDS = ("talking_points_zh", "talking_points_en")


class PlaybookInvalid(Invalid):
    """A refused field of the playbook form; the message starts with the field's name."""

    def message(self, lang: str | None = None) -> str:

        text = t(self.key, lang, **self.params)
        if self.field == "version":
            return text
        return t("playbook.error.format", lang, field=t(f"playbook.field.{self.field}", lang),
                 message=text)


class PlaybookChanged(PlaybookInvalid):
    def __init__(self, fraud_type: str) -> None:
        super().__init__("version", "playbook.error.changed")
        self.fraud_type = fraud_type


def check_points(text, field: str) -> str:
    """The talking points of ``text``, one a line, within the limits."""
    if text is not None and not isinstance(text, str):
        raise PlaybookInvalid(field, "playbook.error.required")
    points = normalize_points(text)
    if not points:
        raise PlaybookInvalid(field, "playbook.error.required")
    lines = points.splitlines()
    if len(lines) > POINTS_MAX:
        raise PlaybookInvalid(field, "playbook.error.too_many", max=POINTS_MAX)
    if any(len(line) > POINT_MAX for line in lines):
        raise PlaybookInvalid(field, "playbook.error.too_long", max=POINT_MAX)
    if has_personal_number(points):  # every officer reads the playbook
        raise PlaybookInvalid(field, "playbook.error.personal_number")
    return points


@dataclass
class EditPlaybook:
    actor: object
    fraud_type: object
    version: object
    talking_points_zh: str | None = None
    talking_points_en: str | None = None
    source_address: str | None = None

    def _object(self) -> str:
        code = self.fraud_type if isinstance(self.fraud_type, str) else ""
        return f"playbook:{code[:40] or 'unknown'}"

    def validate(self, session: Session) -> tuple[DissuasionPlaybook, dict[str, str]]:
        if not allowed(self.actor, PERMISSION):
            audit.record(session, user=self.actor, action=audit.ACCESS_DENIED,
                         object=self._object(), outcome=audit.DENIED,
                         source_address=self.source_address, detail={"want": PERMISSION})
            raise PermissionDenied(PERMISSION)
        playbook = (session.get(DissuasionPlaybook, self.fraud_type)
                    if isinstance(self.fraud_type, str) and self.fraud_type else None)
        if playbook is None:
            raise PlaybookInvalid("fraud_type", "playbook.error.unknown")
        try:
            seen = int(self.version)
        except (TypeError, ValueError):
            seen = None
        if seen != playbook.version:
            raise PlaybookChanged(playbook.fraud_type)
        texts = {field: check_points(getattr(self, field), field) for field in FIELDS}
        return playbook, texts

    def run(self, session: Session, now: datetime | None = None) -> DissuasionPlaybook:
        now = (now or now_local()).replace(microsecond=0)
        playbook, texts = self.validate(session)
        bumped = session.execute(
            update(DissuasionPlaybook)
            .where(DissuasionPlaybook.fraud_type == playbook.fraud_type,
                   DissuasionPlaybook.version == playbook.version)
            .values(version=DissuasionPlaybook.version + 1)
            .execution_options(synchronize_session=False))
        if bumped.rowcount != 1:
            session.expire(playbook)
            raise PlaybookChanged(playbook.fraud_type)
        set_committed_value(playbook, "version", playbook.version + 1)
        for field, text in texts.items():
            setattr(playbook, field, text)
        playbook.updated_at = now
        playbook.updated_by_id = getattr(self.actor, "id", None)
        session.flush()
        audit.record(session, user=self.actor, action=audit.PLAYBOOK_CHANGED,
                     object=f"playbook:{playbook.fraud_type}", source_address=self.source_address,
                     at=now, detail={"version": playbook.version})
        return playbook
