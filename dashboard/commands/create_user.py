"""Create an account: ``CreateUser(...).run(session)`` (accounts page and ``antifraud create-user``).

An account is made with **no role**: it cannot log in until a security
administrator, another person, grants it a business role and unit
(``GrantRole``).  The password is the creator's choice, so it must be changed
at the first login.  The three administrator roles are given only at the
server's console (``antifraud create-user --role sysadmin``), never from a
page, and never change afterwards (``docs/security.md``).

``actor`` is the system administrator doing it (a user) or a console name such
as ``"cli:root"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.auth.passwords import hash_password
from dashboard.commands.errors import Invalid
from dashboard.commands.validation import (
    actor_name,
    check_actor,
    check_display_name,
    check_password,
    check_role,
    check_username,
    from_console,
)
from dashboard.domain import User
from dashboard.domain.base import now_local

PERMISSION = "manage_accounts"


@dataclass
class CreateUser:
    """A new account; ``role`` only for an administrator made at the console."""

    actor: object
    username: str
    password: str
    display_name: str | None = None
    role: str | None = None
    settings: Mapping | None = None
    source_address: str | None = None
    _checked: dict = field(default_factory=dict, repr=False)

    def validate(self, session: Session) -> None:
        """Raise ``Invalid`` for the first field that is wrong, in form order."""
        check_actor(self.actor, PERMISSION)
        username = check_username(session, self.username)
        display_name = check_display_name(self.display_name or username)
        role = None
        if self.role not in (None, ""):
            role = check_role(self.role)
            if not role.is_administrator:
                raise Invalid("role", "admins.error.business_role_at_creation")
            if not from_console(self.actor):
                raise Invalid("role", "admins.error.administrator_from_console")
        check_password(self.password, username, self.settings)
        self._checked = {"username": username, "display_name": display_name,
                         "role": role.code if role else None}

    def run(self, session: Session, now: datetime | None = None) -> User:
        self.validate(session)
        now = now or now_local()
        user = User(username=self._checked["username"], display_name=self._checked["display_name"],
                    password_hash=hash_password(self.password), role=self._checked["role"],
                    unit_id=None, is_active=True, failed_logins=0, created_at=now,
                    password_changed_at=now, created_by=actor_name(self.actor),
                    must_change_password=True)
        session.add(user)
        session.flush()
        audit.record(session, user=self.actor, action=audit.USER_CREATED, object=f"user:{user.id}",
                     source_address=self.source_address, at=now,
                     detail={"username": user.username, "role": user.role})
        return user
