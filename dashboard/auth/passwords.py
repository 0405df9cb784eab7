"""Passwords: argon2id hashes and the password policy.

Hashes use argon2-cffi's defaults (argon2id, RFC 9106 low-memory profile:
64 MiB, 3 passes), so an old hash is upgraded by ``needs_rehash`` after a
successful login when the defaults grow.

The policy (``check_policy``) refuses a new password that is shorter than the
setting ``PASSWORD_MIN_LENGTH`` (12), longer than 128 characters, contains
the username, or is on ``data/common-passwords.txt`` (also after undoing the
usual letter-for-symbol swaps such as ``P@ssw0rd``).  A refusal is a
``PasswordRefused`` naming the form field and an i18n message key.

Wiring: the change-password form, the admin's reset and ``antifraud
create-user`` call ``check_policy(...)`` then ``hash_password(...)``, catch
``PasswordRefused`` and show ``exc.message(lang)`` beside ``exc.field``.
Login goes through ``dashboard.auth.lockout.authenticate``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from dashboard.i18n import t
from dashboard.paths import DATA_DIR

COMMON_PASSWORDS_FILE = DATA_DIR / "common-passwords.txt"
DEFAULT_MIN_LENGTH = 12
MAX_LENGTH = 128
_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e",
                       "$": "s", "5": "s", "7": "t", "+": "t"})

_hasher = PasswordHasher()


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Swap the hasher (tests use a cheap one: ``PasswordHasher(1, 8, 1)``); returns the old one."""
    global _hasher
    old, _hasher = _hasher, hasher
    _dummy_hash.cache_clear()
    return old


class PasswordRefused(ValueError):
    """A password the policy refuses: which field, why (an i18n key) and its parameters."""

    def __init__(self, key: str, field: str = "password", **params) -> None:
        super().__init__(key)
        self.key = key
        self.field = field
        self.params = params

    def message(self, lang: str | None = None) -> str:

        return t(self.key, lang, **self.params)


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salted; two calls give different strings)."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``password_hash``; False for a wrong or broken hash."""
    if not password_hash or password is None:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@cache
def _dummy_hash() -> str:
    return _hasher.hash("not a real password: equalises timing for unknown users")


def spend_verify_time(password: str) -> None:
    """Verify against a dummy hash, so an unknown username costs as long as a wrong password."""
    verify_password(_dummy_hash(), password)


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower case (read on first use)."""
    with COMMON_PASSWORDS_FILE.open(encoding="utf-8") as fh:
        return frozenset(
            line.strip().lower() for line in fh if line.strip() and not line.startswith("#")
        )


def is_common(password: str) -> bool:
    """True when ``password``, or it with symbols read back as letters, is a common one."""
    lowered = password.strip().lower()
    known = common_passwords()
    return lowered in known or lowered.translate(_LEET) in known


def min_length(settings: Mapping | None = None) -> int:
    return int((settings or {}).get("PASSWORD_MIN_LENGTH") or DEFAULT_MIN_LENGTH)


def check_policy(password: str, *, username: str | None = None,
                 settings: Mapping | None = None, field: str = "password") -> None:
    """Raise ``PasswordRefused`` unless ``password`` is acceptable as a new password."""
    minimum = min_length(settings)
    password = password or ""
    if len(password) < minimum:
        raise PasswordRefused("auth.password.too_short", field, min=minimum)
    if len(password) > MAX_LENGTH:
        raise PasswordRefused("auth.password.too_long", field, max=MAX_LENGTH)
    if username and len(username.strip()) >= 3 and username.strip().lower() in password.lower():
        raise PasswordRefused("auth.password.contains_username", field)
    if is_common(password):
        raise PasswordRefused("auth.password.common", field)
