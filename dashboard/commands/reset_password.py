"""Set a new password for someone else's account: ``ResetPassword(...).run(session)``.

The system administrator's act (a forgotten password).  The policy of
``dashboard.auth.passwords`` applies; the account must change the password at
its next login, a lock is lifted and every live session ends.  The second
factor stays: a reset password alone does not open an account that has one
(only a security administrator resets a second factor).  Nobody resets their
own password here: that is ``ChangePassword``, which asks for the old one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.auth.lockout import unlock
from dashboard.auth.passwords import hash_password
from dashboard.commands.validation import (
    check_password,
    other_user,
)
from dashboard.domain import User
from dashboard.domain.base import now_local
from dashboard.domain.users import end_sessions_of

PERMISSION = "manage_accounts"


@dataclass
class ResetPassword:
    actor: object
    user_ref: int | str
    password: str
    settings: Mapping | None = None
    source_address: str | None = None
    _user: User | None = field(default=None, repr=False)

    def validate(self, session: Session) -> None:
        user = other_user(session, self.actor, self.user_ref, PERMISSION, "admins.error.own_password")
        check_password(self.password, user.username, self.settings)
        self._user = user

    def run(self, session: Session, now: datetime | None = None) -> User:
        self.validate(session)
        now = now or now_local()
        user = self._user
        user.password_hash = hash_password(self.password)
        user.password_changed_at = now
        user.must_change_password = True
        unlock(user)
        ended = end_sessions_of(session, user, now, "password_changed")
        audit.record(session, user=self.actor, action=audit.PASSWORD_RESET,
                     object=f"user:{user.id}", source_address=self.source_address, at=now,
                     detail={"sessions_ended": ended, "second_factor_kept": user.has_totp})
        return user
