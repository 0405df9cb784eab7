"""The second factor: TOTP codes (RFC 6238, 30 s, 6 digits) with replay refusal.

Enrolment: ``secret = new_secret()``; show ``qr_svg(provisioning_uri(secret,
user.username, issuer))`` (rendered here, no network) and ask for one code;
``enrol(user, secret, code)`` stores the secret (encrypted by its column) only
when that code is right.  The secret and the QR code are never logged, cached
or put in browser storage.

Login: after the password, ``accept_code(user, code)`` checks the code within
one step of clock drift and refuses any code whose time step is not newer than
``user.totp_last_step``, so a code seen once (over a shoulder, in a proxy log)
cannot be used again.  A refused code should count as a failed login
(``dashboard.auth.lockout.register_failure``).

Which roles must use it: ``totp_required(user, settings)``.  The setting
``TOTP_REQUIRED_ROLES`` (comma-separated role codes) decides when set; when
unset, production requires it for the roles whose ``totp_required_in_production``
is 1 in ``data/roles.csv`` and development for none.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime

import pyotp
import segno

from dashboard.auth.permissions import role_of, roles
from dashboard.domain.base import now_local

DIGITS = 6
INTERVAL = 30
DRIFT_STEPS = 1


def new_secret() -> str:
    """A fresh random base32 secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(
        name=username, issuer_name=issuer
    )


def qr_svg(uri: str, scale: int = 4) -> str:
    """The QR code of ``uri`` as an inline ``<svg>`` element (made locally)."""
    return segno.make(uri, error="m").svg_inline(scale=scale, dark="#000", light="#fff")


def _clean(code: str | None) -> str | None:
    code = "".join((code or "").split())
    return code if len(code) == DIGITS and code.isdigit() else None


def matching_step(secret: str, code: str | None, at: datetime | None = None,
                  last_step: int | None = None) -> int | None:
    """The time step ``code`` belongs to, if right and newer than ``last_step``; else None."""
    code = _clean(code)
    if code is None or not secret:
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)
    current = totp.timecode(at or now_local())
    accepted = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            accepted = step
    if accepted is None or (last_step is not None and accepted <= last_step):
        return None
    return accepted


def accept_code(user, code: str | None, at: datetime | None = None) -> bool:
    """Check ``code`` for ``user`` and remember its step; False when wrong or replayed."""
    step = matching_step(user.totp_secret, code, at, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True


def enrol(user, secret: str, code: str | None, at: datetime | None = None) -> bool:
    """Store ``secret`` as the user's second factor if ``code`` proves the app has it."""
    step = matching_step(secret, code, at)
    if step is None:
        return False
    user.totp_secret = secret
    user.totp_last_step = step
    return True


def remove(user) -> None:
    """Forget the user's second factor (admin reset after a lost phone)."""
    user.totp_secret = None
    user.totp_last_step = None


def required_roles(settings: Mapping | None = None) -> frozenset[str]:
    """The role codes that must use a second factor under ``settings``."""
    settings = settings or {}
    configured = settings.get("TOTP_REQUIRED_ROLES")
    if configured is not None:
        if isinstance(configured, str):
            configured = configured.split(",")
        return frozenset(code.strip() for code in configured if code.strip())
    if settings.get("ANTIFRAUD_ENV") != "production":
        return frozenset()
    return frozenset(code for code, role in roles().items() if role.totp_required_in_production)


def totp_required(user_or_role, settings: Mapping | None = None) -> bool:
    """True when this user's role must log in with a TOTP code."""
    return role_of(user_or_role) in required_roles(settings)


def second_factor_step(user, settings: Mapping | None = None) -> str:
    """After a right password: ``"code"`` (ask for a code), ``"enrol"`` (must enrol first) or ``"none"``."""
    if user.totp_secret is not None:
        return "code"
    return "enrol" if totp_required(user, settings) else "none"
