"""Change one's own password: ``ChangePassword(...).run(session)``.

Asks for the current password (typed again, even right after login, so a
session left open does not hand over the account), applies the password
policy and refuses the current password as the new one.  It clears
``must_change_password`` (a password someone else chose) and ends the
account's other live sessions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.auth.passwords import hash_password, verify_password
from dashboard.commands.errors import Invalid
from dashboard.commands.validation import check_password
from dashboard.domain import User
from dashboard.domain.base import now_local
from dashboard.domain.users import SessionRecord


@dataclass
class ChangePassword:
    user: User
    current: str
    new: str
    repeated: str
    settings: Mapping | None = None
    source_address: str | None = None
    keep_session: str | None = None  # the id of the session that stays open
    current_checked: bool = False  # a login in progress has just checked the current one

    def validate(self, session: Session) -> None:
        if not self.current_checked and not verify_password(self.user.password_hash,
                                                            self.current or ""):
            raise Invalid("current_password", "account.error.current_password")
        check_password(self.new, self.user.username, self.settings)
        if (self.new or "") != (self.repeated or ""):
            raise Invalid("repeated_password", "account.error.repeated_password")
        if verify_password(self.user.password_hash, self.new or ""):
            raise Invalid("password", "account.error.same_password")

    def run(self, session: Session, now: datetime | None = None) -> User:
        self.validate(session)
        now = now or now_local()
        user = self.user
        user.password_hash = hash_password(self.new)
        user.password_changed_at = now
        forced = bool(user.must_change_password)
        user.must_change_password = False
        ended = 0
        for record in session.scalars(select(SessionRecord).where(
                SessionRecord.user_id == user.id, SessionRecord.ended_at.is_(None))):
            if record.id != self.keep_session:
                record.end(now, "password_changed")
                ended += 1
        audit.record(session, user=user, action=audit.PASSWORD_CHANGED, object=f"user:{user.id}",
                     source_address=self.source_address, at=now,
                     detail={"forced": forced, "sessions_ended": ended})
        return user
