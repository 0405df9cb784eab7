"""Password hashing and the password policy."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from dashboard.auth import passwords
from dashboard.auth.passwords import (
    PasswordRefused,
    check_policy,
    common_passwords,
    hash_password,
    is_common,
    needs_rehash,
    verify_password,
)

GOOD = "tea-kettle-harbour-9"


def test_hash_is_argon2id_salted_and_verifies():
    first, second = hash_password(GOOD), hash_password(GOOD)
    assert first.startswith("$argon2id$")
    assert first != second
    assert GOOD not in first
    assert verify_password(first, GOOD)
    assert verify_password(second, GOOD)


@pytest.mark.parametrize("attempt", ["tea-kettle-harbour-8", "", "TEA-KETTLE-HARBOUR-9", GOOD + " "])
def test_wrong_password_does_not_verify(attempt):
    assert not verify_password(hash_password(GOOD), attempt)


@pytest.mark.parametrize("broken", [None, "", "plain text", "$argon2id$v=19$broken"])
def test_broken_hash_does_not_verify(broken):
    assert not verify_password(broken, GOOD)


def test_weaker_hash_needs_rehash():
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(GOOD)
    old = passwords.use_hasher(PasswordHasher())
    try:
        assert needs_rehash(weak)
        assert not needs_rehash(hash_password(GOOD))
    finally:
        passwords.use_hasher(old)


def test_good_password_passes():
    check_policy(GOOD, username="zhangwei")


@pytest.mark.parametrize("length", [0, 1, 11])
def test_short_password_is_refused_naming_field_and_minimum(length):
    with pytest.raises(PasswordRefused) as caught:
        check_policy("q7#kz9!mw2@p"[:length])
    assert caught.value.key == "auth.password.too_short"
    assert caught.value.field == "password"
    assert caught.value.params == {"min": 12}


def test_minimum_length_is_a_setting():
    check_policy("m7#kz9!w", settings={"PASSWORD_MIN_LENGTH": 8})
    with pytest.raises(PasswordRefused) as caught:
        check_policy(GOOD, settings={"PASSWORD_MIN_LENGTH": 30}, field="new_password")
    assert caught.value.params == {"min": 30}
    assert caught.value.field == "new_password"


def test_overlong_password_is_refused():
    with pytest.raises(PasswordRefused, match="too_long"):
        check_policy("k" * 129 + "7#")


@pytest.mark.parametrize("common", [
    "password1234", "Password1234", "1qaz2wsx3edc", "qwertyuiop123", "123456789012",
    "woaini1314520", "Admin@123456", "P@ssw0rd1234", "aaaaaaaaaaaa", "zhangwei2024",
])
def test_common_password_is_refused(common):
    assert is_common(common)
    with pytest.raises(PasswordRefused) as caught:
        check_policy(common)
    assert caught.value.key == "auth.password.common"


def test_common_list_is_thousands_long_and_lower_case():
    known = common_passwords()
    assert len(known) > 2000
    assert all(p == p.lower() for p in known)
    assert sum(len(p) >= 12 for p in known) > 1000


def test_password_containing_username_is_refused():
    with pytest.raises(PasswordRefused, match="contains_username"):
        check_policy("Officer-Zhang-Harbour", username="zhang")
