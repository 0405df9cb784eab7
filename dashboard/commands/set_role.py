"""Change a user's role and unit: ``SetRole(...).run(session)``.

The user's live sessions end, so the new role and scope apply from their next
login and never to a session opened under the old one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.commands.errors import Invalid
from dashboard.commands.validation import check_role, find_user, is_self, resolve_unit
from dashboard.domain import OrgUnit, User
from dashboard.domain.base import now_local
from dashboard.domain.users import end_sessions_of


@dataclass
class SetRole:
    actor: object
    user_ref: int | str
    role: str
    unit_code: str | None
    source_address: str | None = None
    _checked: dict = field(default_factory=dict, repr=False)

    def validate(self, session: Session) -> None:
        user = find_user(session, self.user_ref)
        role = check_role(self.role)
        unit = resolve_unit(session, role, self.unit_code)
        if is_self(self.actor, user) and role.code != user.role:
            raise Invalid("role", "admin.error.own_role")
        self._checked = {"user": user, "role": role.code, "unit": unit}

    def run(self, session: Session, now: datetime | None = None) -> User:
        self.validate(session)
        now = now or now_local()
        user: User = self._checked["user"]
        unit: OrgUnit | None = self._checked["unit"]
        before = {"role": user.role, "unit": user.unit.code if user.unit else None}
        after = {"role": self._checked["role"], "unit": unit.code if unit else None}
        if before == after:
            return user
        user.role = after["role"]
        user.unit = unit
        end_sessions_of(session, user, now, "role_changed")
        audit.record(session, user=self.actor, action=audit.ROLE_CHANGED, object=f"user:{user.id}",
                     source_address=self.source_address, at=now,
                     detail={"from": before, "to": after})
        return user
