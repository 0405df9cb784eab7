"""The audit trail's key: every entry and every checkpoint is an HMAC-SHA256 under it.

The key is the setting ``AUDIT_KEY`` (32 random bytes, base64), held by the
application's host and never stored in the database: whoever can write the
database but does not hold the key cannot forge an entry, nor rewrite one and
recompute the chain after it (``docs/security.md``).  Development without a
key uses a public development key and logs a warning; production refuses to
start without a real one.  Checkpoints are signed with a key derived from it
(``checkpoint_key``), so an entry's MAC can never pass for a checkpoint's.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping

from dashboard.safe_settings import key_setting
from dashboard.settings import load_settings

log = logging.getLogger(__name__)

DEV_AUDIT_KEY = hashlib.sha256(b"antifraud-dashboard development audit key").digest()


class AuditKeyError(RuntimeError):
    """The audit key is missing, malformed, or the development key in production."""


def audit_key_from_settings(settings: Mapping) -> bytes:
    """The 32-byte key named by ``settings``; the development key (with a warning) if unset.

    Production refuses an unset, public or low-entropy key (``key_setting``).
    """
    return key_setting(settings, "AUDIT_KEY", DEV_AUDIT_KEY, AuditKeyError)


_active: bytes | None = None


def install_audit_key(settings: Mapping) -> bytes:
    """Use the key of ``settings`` for every audit entry this process writes or checks."""
    global _active
    _active = audit_key_from_settings(settings)
    return _active


def use_audit_key(key: bytes | None) -> bytes | None:
    """Swap the installed key (tests); returns the previous one."""
    global _active
    old, _active = _active, key
    return old


def audit_key() -> bytes:
    """The installed key; installed from the environment on first use if the app did not."""
    if _active is None:

        return install_audit_key(load_settings())
    return _active


def checkpoint_key(key: bytes) -> bytes:
    """The key that signs checkpoints, derived from the audit key."""
    return hmac.new(key, b"antifraud audit checkpoint", hashlib.sha256).digest()
