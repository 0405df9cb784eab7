"""Set a new password for a user: ``ResetPassword(...).run(session)``.

The policy of ``dashboard.auth.passwords`` applies; a lock is lifted and every
live session of the user ends (whoever knew the old password is logged out).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.auth.lockout import unlock
from dashboard.auth.passwords import hash_password
from dashboard.commands.validation import check_password, find_user
from dashboard.domain import User
from dashboard.domain.base import now_local
from dashboard.domain.users import end_sessions_of


@dataclass
class ResetPassword:
    actor: object
    user_ref: int | str
    password: str
    settings: Mapping | None = None
    source_address: str | None = None
    _user: User | None = field(default=None, repr=False)

    def validate(self, session: Session) -> None:
        user = find_user(session, self.user_ref)
        check_password(self.password, user.username, self.settings)
        self._user = user

    def run(self, session: Session, now: datetime | None = None) -> User:
        self.validate(session)
        now = now or now_local()
        user = self._user
        user.password_hash = hash_password(self.password)
        user.password_changed_at = now
        unlock(user)
        ended = end_sessions_of(session, user, now, "password_changed")
        audit.record(session, user=self.actor, action=audit.PASSWORD_CHANGED,
                     object=f"user:{user.id}", source_address=self.source_address, at=now,
                     detail={"sessions_ended": ended})
        return user
