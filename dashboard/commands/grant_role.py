"""Grant a business role and unit to an account: ``GrantRole(...).run(session)``.

The security administrator's act that makes an account usable.  The two
people rule (``docs/security.md``): whoever created the account can never
grant it a role, nobody grants themselves one, and an administrator's
account never gets a business role (nor a business account an administrator
role: those are made at the console).  Granting another role or unit to an
account that has one is the same act.  The account's live sessions end, so
the new scope applies from its next login only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.auth.permissions import administrator_roles
from dashboard.commands.errors import Invalid
from dashboard.commands.validation import (
    actor_name,
    check_actor,
    check_role,
    find_user,
    is_self,
    resolve_unit,
)
from dashboard.domain import OrgUnit, User
from dashboard.domain.base import now_local
from dashboard.domain.users import end_sessions_of

PERMISSION = "grant_roles"


def check_other_person(actor, user: User) -> None:
    """Refuse when ``actor`` is the account itself or the one who created it."""
    if is_self(actor, user):
        raise Invalid("user", "admins.error.own_account")
    if user.created_by is not None and user.created_by == actor_name(actor):
        raise Invalid("user", "admins.error.creator_cannot_grant")


def check_business_account(user: User) -> None:
    """Refuse an administrator's account: its role never changes."""

    if user.role in administrator_roles():
        raise Invalid("user", "admins.error.administrator_account")


@dataclass
class GrantRole:
    actor: object
    user_ref: int | str
    role: str
    unit_code: str | None
    source_address: str | None = None
    _checked: dict = field(default_factory=dict, repr=False)

    def validate(self, session: Session) -> None:
        check_actor(self.actor, PERMISSION)
        user = find_user(session, self.user_ref)
        check_business_account(user)
        check_other_person(self.actor, user)
        role = check_role(self.role)
        if role.is_administrator:
            raise Invalid("role", "admins.error.administrator_from_console")
        unit = resolve_unit(session, role, self.unit_code)
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
        user.role_granted_by = actor_name(self.actor)
        user.role_granted_at = now
        end_sessions_of(session, user, now, "role_changed")
        audit.record(session, user=self.actor, action=audit.ROLE_GRANTED, object=f"user:{user.id}",
                     source_address=self.source_address, at=now,
                     detail={"from": before, "to": after})
        return user
