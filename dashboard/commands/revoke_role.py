"""Take an account's business role away: ``RevokeRole(...).run(session)``.

The security administrator's act; the account keeps its name and history but
cannot log in until a role is granted again, and its live sessions end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.commands.grant_role import PERMISSION, check_business_account
from dashboard.commands.validation import other_user
from dashboard.domain import User
from dashboard.domain.base import now_local
from dashboard.domain.users import end_sessions_of


@dataclass
class RevokeRole:
    actor: object
    user_ref: int | str
    source_address: str | None = None
    _user: User | None = field(default=None, repr=False)

    def validate(self, session: Session) -> None:
        user = other_user(session, self.actor, self.user_ref, PERMISSION)
        check_business_account(user)
        self._user = user

    def run(self, session: Session, now: datetime | None = None) -> User:
        self.validate(session)
        now = now or now_local()
        user = self._user
        if user.role is None:
            return user
        before = {"role": user.role, "unit": user.unit.code if user.unit else None}
        user.role, user.unit = None, None
        user.role_granted_by = user.role_granted_at = None
        ended = end_sessions_of(session, user, now, "role_changed")
        audit.record(session, user=self.actor, action=audit.ROLE_REVOKED, object=f"user:{user.id}",
                     source_address=self.source_address, at=now,
                     detail={"from": before, "sessions_ended": ended})
        return user
