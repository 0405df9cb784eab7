"""Forget an account's second factor (a lost phone): ``ResetSecondFactor(...).run(session)``.

The security administrator's act, never the system administrator's: the one
who can reset a password cannot also remove the second factor, so neither
alone can log in as someone else.  The account enrols a new authenticator at
its next login; its live sessions end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.auth import audit, totp
from dashboard.commands.errors import Invalid
from dashboard.commands.validation import other_user
from dashboard.domain import User
from dashboard.domain.base import now_local
from dashboard.domain.users import end_sessions_of

PERMISSION = "reset_second_factors"


@dataclass
class ResetSecondFactor:
    actor: object
    user_ref: int | str
    source_address: str | None = None
    _user: User | None = field(default=None, repr=False)

    def validate(self, session: Session) -> None:
        user = other_user(session, self.actor, self.user_ref, PERMISSION)
        if not user.has_totp:
            raise Invalid("user", "admins.error.no_second_factor")
        self._user = user

    def run(self, session: Session, now: datetime | None = None) -> User:
        self.validate(session)
        now = now or now_local()
        user = self._user
        totp.remove(user)
        ended = end_sessions_of(session, user, now, "second_factor_reset")
        audit.record(session, user=self.actor, action=audit.SECOND_FACTOR_RESET,
                     object=f"user:{user.id}", source_address=self.source_address, at=now,
                     detail={"sessions_ended": ended})
        return user
