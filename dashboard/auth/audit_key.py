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

import base64
import binascii
import hashlib
import hmac
import logging
from collections.abc import Mapping

from dashboard.auth.startup import MIN_KEY_BITS, refuse_unknown_environment, require_strong_key

log = logging.getLogger(__name__)

DEV_AUDIT_KEY = hashlib.sha256(b"antifraud-dashboard development audit key").digest()


class AuditKeyError(RuntimeError):
    """The audit key is missing, malformed, or the development key in production."""


def audit_key_from_settings(settings: Mapping) -> bytes:
    """The 32-byte key named by ``settings``; the development key (with a warning) if unset.

    An unknown ``ANTIFRAUD_ENV`` and, in production, a key of low measured entropy raise
    ``UnsafeSettings`` (``dashboard.auth.startup``).
    """
    if "ANTIFRAUD_ENV" in settings:  # a misspelt "production" must not fall back to the public key
        refuse_unknown_environment(settings)
    production = settings.get("ANTIFRAUD_ENV") == "production"
    encoded = str(settings.get("AUDIT_KEY") or "").strip()
    if not encoded:
        if production:
            raise AuditKeyError("AUDIT_KEY must be set in production")
        log.warning("AUDIT_KEY is not set: using the public development audit key")
        return DEV_AUDIT_KEY
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise AuditKeyError("AUDIT_KEY is not valid base64") from None
    if len(key) != 32:
        raise AuditKeyError("AUDIT_KEY must decode to 32 bytes")
    if production and key == DEV_AUDIT_KEY:
        raise AuditKeyError("AUDIT_KEY is the public development key")
    if production:
        require_strong_key("AUDIT_KEY", key, MIN_KEY_BITS)
    return key


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
        from dashboard.settings import load_settings

        return install_audit_key(load_settings())
    return _active


def checkpoint_key(key: bytes) -> bytes:
    """The key that signs checkpoints, derived from the audit key."""
    return hmac.new(key, b"antifraud audit checkpoint", hashlib.sha256).digest()
