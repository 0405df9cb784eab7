"""Every message key the auth building blocks use is translated in zh-CN and en."""

from __future__ import annotations

import pytest

from dashboard.auth import lockout
from dashboard.auth.passwords import MAX_LENGTH, PasswordRefused, check_policy
from dashboard.i18n import LANGUAGES, translate

KEYS = {
    "auth.password.too_short": {"min": 12},
    "auth.password.too_long": {"max": MAX_LENGTH},
    "auth.password.common": {},
    "auth.password.contains_username": {},
    lockout.FAILED: {"attempts": 5, "minutes": 15},
    lockout.RATE_LIMITED: {"minutes": 15},
    "auth.totp.invalid": {},
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("key", sorted(KEYS))
def test_message_is_translated_with_its_parameters(lang, key):
    text = translate(key, lang, **KEYS[key])
    assert text and "{" not in text
    for value in KEYS[key].values():
        assert str(value) in text


@pytest.mark.parametrize(("lang", "field_word"), [("zh-CN", "密码"), ("en", "password")])
def test_refusal_names_the_field_and_reason(lang, field_word):
    with pytest.raises(PasswordRefused) as caught:
        check_policy("short")
    message = caught.value.message(lang)
    assert field_word in message.lower() and "12" in message
