"""Checking a username and password: lockout, per-address rate limit, one error.

``authenticate(session, username, password, source_address)`` never raises for
a refusal; it returns a ``LoginResult`` and has already counted the failure,
locked the account and written the audit rows, all in the caller's
transaction: **commit it whether or not the login succeeded**.

- ``LOGIN_MAX_FAILURES`` (5) wrong passwords in a row lock the account for
  ``LOGIN_LOCK_MINUTES`` (15); a locked account refuses even the right password.
- A wrong username, a wrong password, a locked or disabled account all give the
  same message key ``auth.login.failed`` and cost the same argon2 time.
- After ``LOGIN_ADDRESS_MAX_FAILURES`` (20) failed attempts from one address
  within ``LOGIN_ADDRESS_WINDOW_MINUTES`` (15) its further attempts are refused
  with ``auth.login.rate_limited``
  before any password is checked.  Attempts live in the ``login_attempts``
  table, so every worker process shares the count.
- The name typed is written to the audit log only when it is an account's
  username.  Any other (a mistyped name, someone's phone number, a password
  typed into the wrong field) becomes ``unknown_name(name)``: ``unknown:``
  and 12 letters of a keyed hash (HMAC under a key derived from the
  personal-data key), the same for the same name, so repeated guesses stay
  visible to an auditor without the name being readable.
- The failure count and the lock are columns of the user's row, which
  ``authenticate`` reads ``FOR UPDATE`` (PostgreSQL): concurrent attempts on
  one account, in any worker, are counted one after the other.

Wiring (login view)::

    result = authenticate(db, form.username, form.password, request.remote_addr)
    db.commit()
    if not result.ok: show t(result.message_key, **result.params)
    else: second factor (totp.second_factor_step), then SessionRecord.open and
          audit.record(db, user=result.user, action=audit.LOGIN, ...)

A wrong TOTP code should call ``register_failure`` so it counts toward the lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.auth.passwords import (
    hash_password,
    needs_rehash,
    spend_verify_time,
    verify_password,
)
from dashboard.domain.base import now_local
from dashboard.domain.personal_data import lookup_hash
from dashboard.domain.users import LoginAttempt, User, normalize_username

FAILED = "auth.login.failed"
RATE_LIMITED = "auth.login.rate_limited"
UNKNOWN_PREFIX = "unknown:"
DEFAULT_KEEP_DAYS = 2  # LOGIN_ATTEMPTS_KEEP_DAYS unset: twice the longest window the policy allows
# the keyed hash's hex digits as letters: a name in the audit log never holds a run of digits
AS_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def unknown_name(name: str) -> str:
    """What the audit log records for a typed name that is no account: a keyed fingerprint."""
    digest = lookup_hash(normalize_username(name), purpose="login.unknown_username")
    return UNKNOWN_PREFIX + digest[:12].translate(AS_LETTERS)


def _typed(session: Session, name: str) -> str:
    """``name`` when it is an account's username, else its fingerprint."""
    known = session.scalar(select(User.username).where(User.username == name)) if name else None
    return known if known is not None else unknown_name(name)


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    lock: timedelta = timedelta(minutes=15)
    address_max_failures: int = 20
    address_window: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Mapping | None) -> LoginPolicy:
        settings = settings or {}
        default = cls()
        return cls(
            max_failures=int(settings.get("LOGIN_MAX_FAILURES") or default.max_failures),
            lock=timedelta(minutes=float(settings.get("LOGIN_LOCK_MINUTES")
                                         or default.lock.total_seconds() / 60)),
            address_max_failures=int(settings.get("LOGIN_ADDRESS_MAX_FAILURES")
                                     or default.address_max_failures),
            address_window=timedelta(minutes=float(settings.get("LOGIN_ADDRESS_WINDOW_MINUTES")
                                                   or default.address_window.total_seconds() / 60)),
        )


@dataclass
class LoginResult:
    """``user`` when the password was right; otherwise the message key to show."""

    user: User | None = None
    message_key: str | None = None
    params: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.user is not None


def failures_from(session: Session, source_address: str, since: datetime) -> int:
    """How many failed login attempts ``source_address`` made since ``since``."""
    return session.scalar(
        select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.source_address == source_address,
            LoginAttempt.at >= since,
            LoginAttempt.succeeded.is_(False),
        )
    ) or 0


def register_failure(session: Session, user: User, now: datetime, policy: LoginPolicy,
                     source_address: str | None = None) -> bool:
    """Count one failure for ``user``; lock (and audit the lock) at the limit. True if locked."""
    if user.id is not None:  # the latest count, its row locked until the caller commits
        session.flush()
        session.refresh(user, ["failed_logins", "locked_until"], with_for_update=True)
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins < policy.max_failures:
        return False
    user.failed_logins = 0
    user.locked_until = now + policy.lock
    audit.record(session, user=user, action=audit.LOCKOUT, object=f"user:{user.id}",
                 outcome=audit.DENIED, source_address=source_address, at=now,
                 detail={"minutes": int(policy.lock.total_seconds() // 60)})
    return True


def register_success(user: User, password: str | None = None) -> None:
    """Clear the failure count; upgrade the hash when its parameters are outdated."""
    user.failed_logins = 0
    user.locked_until = None
    if password is not None and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)


def unlock(user: User) -> None:
    """Lift a lock (the admin's action)."""
    user.failed_logins = 0
    user.locked_until = None


def authenticate(session: Session, username: str, password: str, source_address: str | None,
                 *, settings: Mapping | None = None, now: datetime | None = None) -> LoginResult:
    """Check a login form; count, lock, rate-limit and audit refusals. See the module doc."""
    policy = LoginPolicy.from_settings(settings)
    now = now or now_local()
    address = (source_address or "unknown")[:64]
    name = normalize_username(username)[:64]
    failed = LoginResult(message_key=FAILED, params={
        "attempts": policy.max_failures, "minutes": int(policy.lock.total_seconds() // 60)})

    recent = failures_from(session, address, now - policy.address_window)
    if recent >= policy.address_max_failures:
        audit.record(session, user=_typed(session, name), action=audit.RATE_LIMITED,
                     outcome=audit.DENIED, source_address=address, at=now)
        minutes = int(policy.address_window.total_seconds() // 60)
        return LoginResult(message_key=RATE_LIMITED, params={"minutes": minutes})

    attempt = LoginAttempt(at=now, source_address=address, succeeded=False)
    session.add(attempt)
    # the user's row stays locked until the caller commits: concurrent attempts on one account
    # (in any worker) count one after the other, none lost, and see a lock as soon as it is set
    user = session.scalar(select(User).where(User.username == name).with_for_update()
                          .execution_options(populate_existing=True)) if name else None

    if user is None or not user.can_log_in or user.is_locked(now):
        spend_verify_time(password or "")
        reason = ("unknown" if user is None else "disabled" if not user.is_active
                  else "no_role" if user.role is None else "locked")
        audit.record(session, user=unknown_name(name) if user is None else user,
                     action=audit.LOGIN_FAILED,
                     outcome=audit.DENIED, source_address=address, at=now,
                     detail={"reason": reason})
        return failed

    if not verify_password(user.password_hash, password or ""):
        audit.record(session, user=user, action=audit.LOGIN_FAILED, outcome=audit.DENIED,
                     source_address=address, at=now, detail={"reason": "password"})
        register_failure(session, user, now, policy, address)
        return failed

    register_success(user, password)
    attempt.succeeded = True
    return LoginResult(user=user)


def purge_attempts(session: Session, before: datetime) -> int:
    """Delete login attempts older than ``before`` (they only serve the rate limit)."""
    result = session.execute(delete(LoginAttempt).where(LoginAttempt.at < before))
    return result.rowcount or 0


def attempts_kept_since(settings: Mapping | None, now: datetime) -> datetime:
    """The oldest moment whose login attempts must stay: ``LOGIN_ATTEMPTS_KEEP_DAYS`` back, and never
    less than twice the rate limit's window in force (the only rule that reads attempts; the lock
    is counted on the user's row).  Pass the policy in force (``policy_settings``)."""
    window = LoginPolicy.from_settings(settings).address_window
    days = float((settings or {}).get("LOGIN_ATTEMPTS_KEEP_DAYS") or DEFAULT_KEEP_DAYS)
    return now - max(timedelta(days=days), 2 * window)
