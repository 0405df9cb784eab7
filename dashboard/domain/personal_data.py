"""Personal data at rest: AES-256-GCM encryption, and the masks shown by default.

The key is the setting ``PERSONAL_DATA_KEY`` (32 random bytes, base64; make
one with ``python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())"``).
It is never stored in the database.  In development, without a key, a fixed
key derived from a public label is used and a warning is logged; production
refuses to start without a real key.

Stored form: ``pd1:`` + urlsafe base64 of nonce (12 bytes) + ciphertext + tag.
The column's purpose (``warnings.person_phone``) is authenticated data, so a
value copied into another column does not decrypt.  Random nonces mean equal
values encrypt differently: compare with ``lookup_hash``, never with ``==`` in SQL.

Wiring: ``create_app`` calls ``install_key(settings)`` once (it raises in
production when the key is missing, the development key, or of low measured
entropy: ``startup.require_strong_key``); the columns use
``EncryptedString(255, purpose="warnings.person_phone")`` (``EncryptedText`` for names
and free text); pages show
``mask_phone(...)`` and unmask only through a permission check plus an audit row.
Bulk loads that bypass the ORM (COPY) encrypt first with ``encrypt_values``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
from collections.abc import Mapping

import numpy as np
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import String, Text
from sqlalchemy.types import TypeDecorator

from dashboard.safe_settings import key_setting
from dashboard.settings import load_settings

log = logging.getLogger(__name__)

PREFIX = "pd1:"
URLSAFE = bytes.maketrans(b"+/", b"-_")
NONCE_BYTES = 12
DEV_KEY = hashlib.sha256(b"antifraud-dashboard development personal-data key").digest()


class PersonalDataKeyError(RuntimeError):
    """The personal-data key is missing, malformed, or the development key in production."""


class PersonalDataUnreadable(ValueError):
    """A stored value does not decrypt: wrong key, wrong column, or it was tampered with."""


class PersonalDataCipher:
    """Encrypts and decrypts text with one 32-byte key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise PersonalDataKeyError("the personal-data key must be 32 bytes")
        self.key = key
        self._aead = AESGCM(key)
        self._lookup_key = hmac.new(key, b"lookup-hash", hashlib.sha256).digest()

    def encrypt(self, plaintext: str, purpose: str = "") -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), purpose.encode("utf-8"))
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def encrypt_many(self, values, purpose: str = "") -> list[str | None]:
        """Encrypt a column for a bulk load: as ``encrypt``, several times faster.

        Nonces are a random 8-byte prefix per call and a 4-byte counter, so
        they never repeat within a call and collide across calls with
        negligible probability (2**-64 per pair of calls).
        """
        if len(values) >= 2**32:
            raise ValueError("values: at most 2**32 per call")
        prefix = os.urandom(8)
        counters = np.arange(len(values), dtype=">u4").tobytes()
        aad = purpose.encode("utf-8")
        seal = self._aead.encrypt
        to_text = binascii.b2a_base64
        head = PREFIX.encode("ascii")
        out: list[str | None] = []
        for i, value in enumerate(values):
            if _missing(value):
                out.append(None)
                continue
            nonce = prefix + counters[4 * i : 4 * i + 4]
            sealed = to_text(nonce + seal(nonce, str(value).encode("utf-8"), aad), newline=False)
            out.append((head + sealed.translate(URLSAFE)).decode("ascii"))
        return out

    def decrypt(self, stored: str, purpose: str = "") -> str:
        if not stored.startswith(PREFIX):
            raise PersonalDataUnreadable("not an encrypted value")
        try:
            raw = base64.urlsafe_b64decode(stored[len(PREFIX):].encode("ascii"))
            nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
            return self._aead.decrypt(nonce, sealed, purpose.encode("utf-8")).decode("utf-8")
        except (InvalidTag, binascii.Error, ValueError, UnicodeError):
            raise PersonalDataUnreadable("encrypted value does not decrypt") from None

    def lookup_hash(self, value: str, purpose: str = "") -> str:
        """A keyed hash for finding equal values (same person's phone) without decrypting."""
        message = purpose.encode("utf-8") + b"\0" + value.encode("utf-8")
        return hmac.new(self._lookup_key, message, hashlib.sha256).hexdigest()


def key_from_settings(settings: Mapping) -> bytes:
    """The 32-byte key named by ``settings``; the development key (with a warning) if unset.

    An unknown ``ANTIFRAUD_ENV`` and, in production, a key of low measured entropy raise
    ``UnsafeSettings`` (``dashboard.safe_settings.key_setting``).
    """
    return key_setting(settings, "PERSONAL_DATA_KEY", DEV_KEY, PersonalDataKeyError)


_active: PersonalDataCipher | None = None


def install_key(settings: Mapping) -> PersonalDataCipher:
    """Use the key of ``settings`` for every encrypted column of this process."""
    global _active
    _active = PersonalDataCipher(key_from_settings(settings))
    return _active


def use_cipher(replacement: PersonalDataCipher | None) -> PersonalDataCipher | None:
    """Swap the installed cipher (tests); returns the previous one, None if none was."""
    global _active
    old, _active = _active, replacement
    return old


def cipher() -> PersonalDataCipher:
    """The installed cipher; installed from the environment on first use if the app did not."""
    if _active is None:

        return install_key(load_settings())
    return _active


def lookup_hash(value: str, purpose: str = "") -> str:
    return cipher().lookup_hash(value, purpose)


def encrypt_values(values, purpose: str) -> list[str | None]:
    """Encrypt a column of values for bulk loads (COPY bypasses ``EncryptedString``).

    ``purpose`` must be the column's own (``"warnings.person_phone"``) or the
    values will not decrypt when read through the model.
    """
    return cipher().encrypt_many(values, purpose)


class EncryptedString(TypeDecorator):
    """A text column stored encrypted; Python sees the plain value."""

    impl = String
    cache_ok = True

    def __init__(self, length: int = 255, purpose: str = "", **kwargs) -> None:
        super().__init__(length, **kwargs)
        self.purpose = purpose

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return cipher().encrypt(str(value), self.purpose)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return cipher().decrypt(value, self.purpose)


class EncryptedText(EncryptedString):
    """``EncryptedString`` in a text column: free text and names, whose sealed form has no bound."""

    impl = Text
    cache_ok = True

    def __init__(self, purpose: str = "", **kwargs) -> None:
        super().__init__(None, purpose=purpose, **kwargs)


def is_sealed(value) -> bool:
    """True for a value in the stored form of an encrypted column (or a missing one)."""
    return _missing(value) or (isinstance(value, str) and value.startswith(PREFIX))


def _digits(value: str | None) -> str:
    return "".join(ch for ch in (value or "") if ch.isdigit() or ch in "Xx")


def mask_phone(phone: str | None) -> str:
    """``13812345678`` -> ``138****5678``; short numbers keep only their last 2 digits."""
    digits = _digits(phone)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * max(len(digits) - 2, 0) + digits[-2:] if digits else ""


def mask_id_number(id_number: str | None) -> str:
    """``350203199001011234`` -> ``3502**********1234``: region and last 4 only."""
    digits = _digits(id_number).upper()
    if len(digits) <= 8:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def mask_bank_account(account: str | None) -> str:
    """``6222021234567891234`` -> ``6222 **** **** 1234``: bank prefix and last 4 only."""
    digits = _digits(account)
    if len(digits) < 12:
        return "*" * len(digits)
    return f"{digits[:4]} **** **** {digits[-4:]}"


def mask_name(name: str | None) -> str:
    """``张三`` -> ``张*``, ``张三丰`` -> ``张**``: the surname only."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" * len(name)
    return name[0] + "*" * (len(name) - 1)


def _missing(value) -> bool:
    """None, NaN or pandas' NA: a value with nothing to seal (pandas is not imported for it)."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pandas' NA: its comparisons answer NA, which has no truth value
        return True
