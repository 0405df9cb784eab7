"""Production keys are judged by measured entropy; an unknown ANTIFRAUD_ENV is refused anywhere."""

from __future__ import annotations

import base64
import os
import secrets
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.cli import main
from dashboard.domain import personal_data as crypto
from dashboard.safe_settings import (
    MIN_KEY_BITS,
    UnsafeSettings,
    measured_bits,
    refuse_unknown_environment,
    refuse_unsafe_settings,
    require_strong_key,
)

ALPHABET = string.ascii_letters + string.digits + "-_"


def as_text(symbols: list[int]) -> str:
    return "".join(ALPHABET[s % len(ALPHABET)] for s in symbols)


@pytest.mark.parametrize("make", [
    lambda: secrets.token_urlsafe(48), lambda: secrets.token_hex(32), lambda: os.urandom(32),
    lambda: base64.b64encode(os.urandom(32)).decode(), lambda: os.urandom(64),
])
def test_random_keys_pass(make):
    for _ in range(200):
        require_strong_key("KEY", make(), MIN_KEY_BITS)


# Patterns people and scripts make: long, varied in their characters, and guessable.
@settings(max_examples=300, deadline=None)
@given(seed=st.lists(st.integers(0, 63), min_size=1, max_size=12),
       times=st.integers(min_value=6, max_value=30))
def test_a_repeated_block_is_refused_however_varied_the_block(seed, times):
    with pytest.raises(UnsafeSettings, match="KEY"):
        require_strong_key("KEY", as_text(seed) * times, MIN_KEY_BITS)


@settings(max_examples=300, deadline=None)
@given(start=st.integers(0, 200), step=st.integers(-7, 7), length=st.integers(32, 200),
       as_bytes=st.booleans())
def test_a_sequence_is_refused_whatever_its_start_and_step(start, step, length, as_bytes):
    values = [(start + i * step) % 256 for i in range(length)]
    value = bytes(values) if as_bytes else "".join(chr(0x21 + v % 90) for v in values)
    with pytest.raises(UnsafeSettings, match="KEY"):
        require_strong_key("KEY", value, MIN_KEY_BITS)


@settings(max_examples=300, deadline=None)
@given(alphabet=st.text(min_size=1, max_size=4), length=st.integers(32, 300),
       data=st.data())
def test_a_few_symbols_however_long_are_refused(alphabet, length, data):
    value = "".join(data.draw(st.sampled_from(alphabet)) for _ in range(length))
    bits = measured_bits(value)
    assert bits <= length * 2 + 1e-9  # at most log2(4) bits a character
    if length * 2 < MIN_KEY_BITS:
        with pytest.raises(UnsafeSettings):
            require_strong_key("KEY", value, MIN_KEY_BITS)


@pytest.mark.parametrize("value", [
    "dev-insecure-secret-change-me" * 3, "abcdefghijklmnopqrstuvwxyz" * 3, "0123456789" * 8,
    "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0", "Password123!" * 6, "x" * 16 + "7fQ2" * 8,
    bytes(range(32)), bytes(range(31, -1, -1)), bytes(range(0, 64, 2)), b"k" * 32,
    bytes(16) + b"\x8e\x11\xd0\x5a\xc3\x27\x9b\x64" * 2,
])
def test_well_known_shapes_of_weak_keys_are_refused(value):
    with pytest.raises(UnsafeSettings, match="KEY"):
        require_strong_key("KEY", value, MIN_KEY_BITS)


def test_the_refusal_names_the_setting_and_never_the_value():
    with pytest.raises(UnsafeSettings) as refused:
        require_strong_key("AUDIT_KEY", "abc" * 20, MIN_KEY_BITS)
    assert "AUDIT_KEY" in str(refused.value) and "abc" not in str(refused.value)


def production(**overrides) -> dict:
    return {"ANTIFRAUD_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48), **overrides}


@pytest.mark.parametrize("secret", ["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                                    "correct-horse" * 4, "Aa1!" * 12])
def test_production_refuses_a_long_but_predictable_secret_key(secret):
    with pytest.raises(UnsafeSettings, match="SECRET_KEY"):
        refuse_unsafe_settings(production(SECRET_KEY=secret), environ={})


@pytest.mark.parametrize("key", [bytes(range(32)), b"k" * 32, bytes(range(100, 132)),
                                 b"0123456789abcdef" * 2])
def test_production_refuses_a_predictable_personal_data_key(key):
    encoded = base64.b64encode(key).decode()
    with pytest.raises(UnsafeSettings, match="PERSONAL_DATA_KEY"):
        crypto.key_from_settings({"ANTIFRAUD_ENV": "production", "PERSONAL_DATA_KEY": encoded})
    assert crypto.key_from_settings({"ANTIFRAUD_ENV": "development",
                                     "PERSONAL_DATA_KEY": encoded}) == key


@pytest.mark.parametrize("env", ["prod", "Production", " production", "staging", "", "dev",
                                 "production\n", None])
def test_an_unknown_environment_is_refused_everywhere(env, tmp_path, monkeypatch, capsys):
    with pytest.raises(UnsafeSettings, match="ANTIFRAUD_ENV"):
        refuse_unknown_environment({"ANTIFRAUD_ENV": env})
    with pytest.raises(UnsafeSettings, match="ANTIFRAUD_ENV"):
        refuse_unsafe_settings({"ANTIFRAUD_ENV": env}, environ={})
    with pytest.raises(UnsafeSettings, match="ANTIFRAUD_ENV"):  # never the public key
        crypto.key_from_settings({"ANTIFRAUD_ENV": env})
    if env is None:
        return
    from dashboard import create_app

    with pytest.raises(UnsafeSettings, match="ANTIFRAUD_ENV"):
        create_app({"ANTIFRAUD_ENV": env, "INSTANCE_PATH": str(tmp_path),
                    "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    monkeypatch.setenv("ANTIFRAUD_ENV", env)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    assert main(["init-db"]) == 2  # refused before it touches the database
    assert "ANTIFRAUD_ENV" in capsys.readouterr().err


@pytest.mark.parametrize("env", ["development", "production"])
def test_the_known_environments_pass(env):
    refuse_unknown_environment({"ANTIFRAUD_ENV": env})
