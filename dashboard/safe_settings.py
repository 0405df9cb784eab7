"""Refusing to start unsafely: a known environment, and in production strong keys and no debug.

``create_app`` calls ``refuse_unsafe_settings(settings)`` first (and then
``crypto.install_key``, which refuses a missing or weak ``PERSONAL_DATA_KEY``);
the CLI refuses an unknown ``ANTIFRAUD_ENV`` before any command and prints
either refusal as one line, exiting with code 2.

Keys are judged by ``require_strong_key(name, value, min_bits)``: their
*measured* entropy, not only a list of well-known values.  The measure is
built to be fooled low, never high, by the patterns people type:

- the value is read as symbols (characters of a text, bytes of a key);
- runs that repeat an earlier stretch of 3 or more symbols count as one
  back-reference each (about ``2 * log2(length)`` bits), as a compressor
  would store them (``abcabcabc``, ``secretsecret``);
- the rest counts its Shannon entropy: per-symbol entropy of the symbols'
  observed frequencies, times their number (``aaaa`` is 0 bits);
- the same is measured on the differences between neighbours, which are
  constant or repeating for sequences (``abcdef``, ``0123``,
  ``bytes(range(32))``, ``a1b2c3``); the lower of the two is the measure.

32 random bytes measure 139 to 160 bits; ``secrets.token_urlsafe(48)``
about 300.  It does not see dictionary words (a long passphrase of common
words measures high) nor a random-looking value derived from a guessable
one (the hash of a word): those are what the well-known list and the
documentation are for.
"""

from __future__ import annotations

import base64
import binascii
import logging
import math
import os
from collections import Counter
from collections.abc import Mapping, Sequence

KNOWN_ENVIRONMENTS = ("development", "production")
MIN_SECRET_LENGTH = 32
MIN_KEY_BITS = 128  # measured entropy every production key needs (see the module doc)
REPEAT_MIN = 3      # a repeat of this many symbols or more is one back-reference
MEASURED_SYMBOLS = 1024  # the measure's cost grows with the square of the length
WELL_KNOWN_SECRETS = frozenset({
    "dev-insecure-secret-change-me", "dev", "development", "secret", "secret-key", "secretkey",
    "changeme", "change-me", "please-change-me", "your-secret-key", "super-secret", "default",
    "test", "testing", "flask", "dash", "antifraud",
})


class UnsafeSettings(RuntimeError):
    """Settings that must not be served with."""


def _truthy(value) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _shannon_bits(symbols: Sequence[int]) -> float:
    count = len(symbols)
    return -sum(k * math.log2(k / count) for k in Counter(symbols).values()) if count else 0.0


def _pattern_bits(symbols: Sequence[int], length: int) -> float:
    """Bits of ``symbols`` when repeats are back-references and the rest is literal."""
    literals: list[int] = []
    references = 0
    seen: dict[tuple[int, ...], list[int]] = {}
    i = 0
    while i < len(symbols):
        longest = 0
        for start in seen.get(tuple(symbols[i:i + REPEAT_MIN]), ()):
            run = 0
            while i + run < len(symbols) and symbols[start + run] == symbols[i + run]:
                run += 1
            longest = max(longest, run)
        step = longest if longest >= REPEAT_MIN else 1
        if step == 1:
            literals.append(symbols[i])
        else:
            references += 1
        for k in range(i, min(i + step, len(symbols) - REPEAT_MIN + 1)):
            seen.setdefault(tuple(symbols[k:k + REPEAT_MIN]), []).append(k)
        i += step
    coded = _shannon_bits(literals) + references * 2 * math.log2(max(length, 2))
    return min(coded, _shannon_bits(symbols))  # repeats that cost more than they save: none


def measured_bits(value: str | bytes) -> float:
    """The measured entropy of ``value`` in bits (see the module doc); of its first
    ``MEASURED_SYMBOLS`` symbols for a longer value (a lower bound, in milliseconds)."""
    value = value[:MEASURED_SYMBOLS]
    symbols = list(value) if isinstance(value, bytes | bytearray) else [ord(c) for c in value]
    steps = [b - a for a, b in zip(symbols, symbols[1:], strict=False)]
    return min(_pattern_bits(symbols, len(symbols)), _pattern_bits(steps, len(symbols)))


def require_strong_key(name: str, value: str | bytes, min_bits: int = MIN_KEY_BITS) -> None:
    """Raise ``UnsafeSettings`` naming ``name`` when ``value`` measures under ``min_bits`` bits.

    The message gives the measure, never the value.
    """
    bits = measured_bits(value or "")
    if bits < min_bits:
        raise UnsafeSettings(
            f"{name} is too predictable for production: it measures {bits:.0f} bits of entropy, "
            f"at least {min_bits} are needed; make a new one with a random generator "
            "(see docs/settings.md)")


def refuse_unknown_environment(settings: Mapping) -> None:
    """Raise ``UnsafeSettings`` unless ``ANTIFRAUD_ENV`` is one this app knows (any environment):
    a misspelt ``production`` must not run as development."""
    env = settings.get("ANTIFRAUD_ENV")
    if env not in KNOWN_ENVIRONMENTS:
        raise UnsafeSettings(f"ANTIFRAUD_ENV must be one of {', '.join(KNOWN_ENVIRONMENTS)}, "
                             f"not {str(env)[:40]!r}")


def refuse_unsafe_settings(settings: Mapping, environ: Mapping | None = None) -> None:
    """Raise ``UnsafeSettings`` for an unknown environment, or production configured unsafely."""
    refuse_unknown_environment(settings)
    if settings.get("ANTIFRAUD_ENV") != "production":
        return
    environ = os.environ if environ is None else environ
    secret = str(settings.get("SECRET_KEY") or "")
    if secret.strip().lower() in WELL_KNOWN_SECRETS or len(secret) < MIN_SECRET_LENGTH:
        raise UnsafeSettings(f"SECRET_KEY must be a random value of at least {MIN_SECRET_LENGTH} "
                             "characters in production")
    require_strong_key("SECRET_KEY", secret, MIN_KEY_BITS)
    if _truthy(settings.get("DEBUG", False)) or _truthy(environ.get("FLASK_DEBUG", "")):
        raise UnsafeSettings("debug mode cannot be on in production")


def key_setting(settings: Mapping, name: str, dev_key: bytes, error: type[Exception]) -> bytes:
    """The 32-byte key of the base64 setting ``name``; ``dev_key`` (with a warning) if unset.

    Production refuses an unset key, the development key and one of low measured entropy
    (``error`` or ``UnsafeSettings``, naming the setting, never the value); any environment
    refuses an unknown ``ANTIFRAUD_ENV`` (a misspelt "production" must not fall back to the
    public key) and a value that is not base64 of 32 bytes.
    """
    if "ANTIFRAUD_ENV" in settings:
        refuse_unknown_environment(settings)
    production = settings.get("ANTIFRAUD_ENV") == "production"
    encoded = str(settings.get(name) or "").strip()
    if not encoded:
        if production:
            raise error(f"{name} must be set in production")
        logging.getLogger(__name__).warning("%s is not set: using the public development key", name)
        return dev_key
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise error(f"{name} is not valid base64") from None
    if len(key) != 32:
        raise error(f"{name} must decode to 32 bytes")
    if production and key == dev_key:
        raise error(f"{name} is the public development key")
    if production:
        require_strong_key(name, key, MIN_KEY_BITS)
    return key
