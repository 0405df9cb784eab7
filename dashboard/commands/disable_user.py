"""Disable an account, or enable it again: ``DisableUser(...).run(session)``.

The system administrator's act.  A disabled account cannot log in and its
live sessions end at once; nothing is deleted, so the audit log keeps naming
it.  Enabling gives back only what the account had: an account with no role
still waits for a security administrator.  Nobody disables their own account
(someone must be left to undo it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.commands.errors import Invalid
from dashboard.commands.validation import check_actor, find_user, is_self
from dashboard.domain import User
from dashboard.domain.base import now_local
from dashboard.domain.users import end_sessions_of


@dataclass
class DisableUser:
    actor: object
    user_ref: int | str
    source_address: str | None = None
    active: bool = False  # True: enable the user again
    _user: User | None = field(default=None, repr=False)

    def validate(self, session: Session) -> None:
        check_actor(self.actor, "manage_accounts")
        user = find_user(session, self.user_ref)
        if not self.active and is_self(self.actor, user):
            raise Invalid("user", "admin.error.own_account")
        self._user = user

    def run(self, session: Session, now: datetime | None = None) -> User:
        self.validate(session)
        now = now or now_local()
        user = self._user
        if user.is_active == self.active:
            return user
        user.is_active = self.active
        ended = 0 if self.active else end_sessions_of(session, user, now, "disabled")
        action = audit.USER_ENABLED if self.active else audit.USER_DISABLED
        audit.record(session, user=self.actor, action=action, object=f"user:{user.id}",
                     source_address=self.source_address, at=now,
                     detail={"sessions_ended": ended})
        return user
