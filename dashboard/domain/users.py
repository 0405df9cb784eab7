"""The people who log in, their server-side sessions, and login attempts.

``User.role`` is a role code from ``data/roles.csv``; what a role may do is
``dashboard.auth.permissions.allowed``, what it may see is
``dashboard.auth.scope.scope_of``.  ``unit_id`` is the unit a user is attached
to (empty for the three administrators).

An account is made by one person and given its business role by another
(``docs/security.md``): the system administrator creates it with no role
(``created_by``), a security administrator grants the role and unit
(``role_granted_by``).  ``is_active`` is the system administrator's switch
(disabled or not); an account logs in only while it is active *and* has a
role (``can_log_in``).  ``must_change_password`` is set by a password someone
else chose (a new account, a reset): the next login asks for a new one.

A ``SessionRecord`` is one login.  The browser's cookie carries a random
token; the table keeps only its SHA-256, so a copy of the database does not
hand out live sessions.  Logout and expiry set ``ended_at``, after which the
token is refused even if the signed cookie is replayed.

Wiring with flask-login (done by the app, not here)::

    record, token = SessionRecord.open(user, now_local())   # at login
    db_session.add(record); login_user(LoginSession(user, token))
    # user_loader(token):
    record = SessionRecord.find(db_session, token)
    if record is None or not record.touch(now_local(), idle, absolute, activity): return None

(``activity`` is False when a Dash callback was fired by a ``dcc.Interval``.)
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, validates

from dashboard.domain.base import Base, LocalDateTime, now_local
from dashboard.domain.org import OrgUnit
from dashboard.domain.personal_data import EncryptedString

TOUCH_EVERY = timedelta(minutes=1)


def normalize_username(username: str) -> str:
    """Usernames compare without case and surrounding blanks."""
    return (username or "").strip().lower()


class User(Base):
    """One person who may log in: a leader, commander, officer, press officer, admin or auditor."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str | None] = mapped_column(
        String(20), index=True, doc="A code of data/roles.csv; empty until a role is granted")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(LocalDateTime)
    totp_secret: Mapped[str | None] = mapped_column(
        EncryptedString(255, purpose="users.totp_secret"), doc="Base32 TOTP secret, encrypted"
    )
    totp_last_step: Mapped[int | None] = mapped_column(
        Integer, doc="Last accepted TOTP time step: a code of this step or earlier is a replay"
    )
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(LocalDateTime, default=now_local)
    password_changed_at: Mapped[datetime] = mapped_column(LocalDateTime, default=now_local)
    created_by: Mapped[str | None] = mapped_column(
        String(64), doc="Username (or console name) of who created the account")
    role_granted_by: Mapped[str | None] = mapped_column(
        String(64), doc="Username of the security administrator who granted the role")
    role_granted_at: Mapped[datetime | None] = mapped_column(LocalDateTime)
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, doc="The password was set by someone else: change it at next login")

    unit: Mapped[OrgUnit | None] = relationship()

    @validates("username")
    def _normalize_username(self, _key, value: str) -> str:
        return normalize_username(value)

    def __repr__(self) -> str:  # no password hash, no secret
        return f"<User {self.username} role={self.role} unit={self.unit_id}>"

    @property
    def can_log_in(self) -> bool:
        """Active (not disabled) and holding a role."""
        return bool(self.is_active) and self.role is not None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    @property
    def has_totp(self) -> bool:
        return self.totp_secret is not None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


class SessionRecord(Base):
    """One login session, kept on the server so that logout and expiry are final."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_ended", "user_id", "ended_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, doc="SHA-256 of the token")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(LocalDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(LocalDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(LocalDateTime)
    end_reason: Mapped[str | None] = mapped_column(
        String(20), doc="logout, idle, absolute, disabled, password_changed"
    )

    user: Mapped[User] = relationship()

    @classmethod
    def open(cls, user: User, now: datetime) -> tuple[SessionRecord, str]:
        """A new session for ``user`` and its token (the token goes in the cookie only)."""
        token = secrets.token_urlsafe(32)
        record = cls(id=_digest(token), user=user, created_at=now, last_seen_at=now)
        return record, token

    @classmethod
    def find(cls, session: Session, token: str | None) -> SessionRecord | None:
        """The session of a cookie's token, live or ended; None for an unknown token."""
        if not token or len(token) > 128:
            return None
        try:
            return session.get(cls, _digest(token))
        except UnicodeEncodeError:
            return None

    def expiry(self, now: datetime, idle: timedelta, absolute: timedelta) -> str | None:
        """Why this session is over at ``now`` ("idle", "absolute", ...), or None if live."""
        if self.ended_at is not None:
            return self.end_reason or "ended"
        if now - self.created_at >= absolute:
            return "absolute"
        if now - self.last_seen_at >= idle:
            return "idle"
        if not self.user.can_log_in:
            return "disabled"
        return None

    def touch(self, now: datetime, idle: timedelta, absolute: timedelta,
              activity: bool = True) -> bool:
        """Check the session on a request: True if live, else ended and False.

        ``activity`` is False for requests the user did not make (a Dash
        ``Interval`` refreshing a live counter): they must not keep an idle
        session alive.  ``last_seen_at`` is written at most once a minute.
        """
        reason = self.expiry(now, idle, absolute)
        if reason is not None:
            if self.ended_at is None:
                self.end(now, reason)
            return False
        if activity and now - self.last_seen_at >= TOUCH_EVERY:
            self.last_seen_at = now
        return True

    def end(self, now: datetime, reason: str = "logout") -> None:
        if self.ended_at is None:
            self.ended_at = now
            self.end_reason = reason


def end_sessions_of(session: Session, user: User, now: datetime, reason: str) -> int:
    """End every live session of ``user`` (disabled, password or role changed); how many."""
    live = session.scalars(
        select(SessionRecord).where(SessionRecord.user_id == user.id, SessionRecord.ended_at.is_(None))
    ).all()
    for record in live:
        record.end(now, reason)
    return len(live)


class LoginAttempt(Base):
    """One login attempt from an address, for the per-address rate limit shared by all workers."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_address_at", "source_address", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(LocalDateTime, index=True)
    source_address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
