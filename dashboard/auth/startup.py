"""Refusing to start unsafely: production needs a real ``SECRET_KEY`` and no debug mode.

``create_app`` calls ``refuse_unsafe_settings(settings)`` first (and then
``crypto.install_key``, which refuses a missing ``PERSONAL_DATA_KEY``); the
CLI prints either refusal as one line and exits with code 2.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

MIN_SECRET_LENGTH = 32
WELL_KNOWN_SECRETS = frozenset({
    "dev-insecure-secret-change-me", "dev", "development", "secret", "secret-key", "secretkey",
    "changeme", "change-me", "please-change-me", "your-secret-key", "super-secret", "default",
    "test", "testing", "flask", "dash", "antifraud",
})


class UnsafeSettings(RuntimeError):
    """Production settings that must not be served with."""


def _truthy(value) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def refuse_unsafe_settings(settings: Mapping, environ: Mapping | None = None) -> None:
    """Raise ``UnsafeSettings`` when production is configured unsafely."""
    if settings.get("ANTIFRAUD_ENV") != "production":
        return
    environ = os.environ if environ is None else environ
    secret = str(settings.get("SECRET_KEY") or "")
    if secret.strip().lower() in WELL_KNOWN_SECRETS or len(secret) < MIN_SECRET_LENGTH:
        raise UnsafeSettings(f"SECRET_KEY must be a random value of at least {MIN_SECRET_LENGTH} "
                             "characters in production")
    if _truthy(settings.get("DEBUG", False)) or _truthy(environ.get("FLASK_DEBUG", "")):
        raise UnsafeSettings("debug mode cannot be on in production")
