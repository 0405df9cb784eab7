"""Create a user: ``CreateUser(...).run(session)`` (admin page and ``antifraud create-user``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.auth.passwords import hash_password
from dashboard.commands.validation import (
    check_display_name,
    check_password,
    check_role,
    check_username,
    resolve_unit,
)
from dashboard.domain import OrgUnit, User
from dashboard.domain.base import now_local


@dataclass
class CreateUser:
    """A new user of ``role`` attached to the unit with ``unit_code`` (none for system roles).

    ``actor`` is the admin doing it (a user) or a name such as ``"cli:root"``.
    """

    actor: object
    username: str
    role: str
    unit_code: str | None
    password: str
    display_name: str | None = None
    settings: Mapping | None = None
    source_address: str | None = None
    _checked: dict = field(default_factory=dict, repr=False)

    def validate(self, session: Session) -> None:
        """Raise ``Invalid`` for the first field that is wrong, in form order."""
        username = check_username(session, self.username)
        display_name = check_display_name(self.display_name or username)
        role = check_role(self.role)
        unit = resolve_unit(session, role, self.unit_code)
        check_password(self.password, username, self.settings)
        self._checked = {"username": username, "display_name": display_name,
                         "role": role.code, "unit": unit}

    def run(self, session: Session, now: datetime | None = None) -> User:
        self.validate(session)
        now = now or now_local()
        unit: OrgUnit | None = self._checked["unit"]
        user = User(username=self._checked["username"], display_name=self._checked["display_name"],
                    password_hash=hash_password(self.password), role=self._checked["role"],
                    unit_id=unit.id if unit else None, is_active=True, failed_logins=0,
                    created_at=now, password_changed_at=now)
        session.add(user)
        session.flush()
        audit.record(session, user=self.actor, action=audit.USER_CREATED, object=f"user:{user.id}",
                     source_address=self.source_address, at=now,
                     detail={"username": user.username, "role": user.role,
                             "unit": unit.code if unit else None})
        return user
