"""Personal data: authenticated encryption at rest, and masks."""

from __future__ import annotations

import base64
import logging
import os

import pytest
from sqlalchemy import text

from dashboard.domain import personal_data as crypto
from dashboard.domain.personal_data import (
    DEV_KEY,
    PersonalDataCipher,
    PersonalDataKeyError,
    PersonalDataUnreadable,
    key_from_settings,
    mask_bank_account,
    mask_id_number,
    mask_name,
    mask_phone,
)

PHONE = "13812345678"


@pytest.fixture
def cipher():
    return PersonalDataCipher(os.urandom(32))


def test_round_trip_and_no_plaintext_in_stored_form(cipher):
    stored = cipher.encrypt(PHONE, "warnings.person_phone")
    assert stored.startswith("pd1:")
    assert PHONE not in stored and "5678" not in stored
    assert cipher.decrypt(stored, "warnings.person_phone") == PHONE


def test_same_value_encrypts_differently(cipher):
    assert cipher.encrypt(PHONE) != cipher.encrypt(PHONE)


def test_unicode_round_trip(cipher):
    assert cipher.decrypt(cipher.encrypt("张三丰 6222", "x"), "x") == "张三丰 6222"


@pytest.mark.parametrize("position", [4, 10, 20, -1])
def test_any_changed_byte_is_detected(cipher, position):
    stored = cipher.encrypt(PHONE)
    raw = bytearray(base64.urlsafe_b64decode(stored[4:]))
    raw[position] ^= 0x01
    tampered = "pd1:" + base64.urlsafe_b64encode(bytes(raw)).decode()
    with pytest.raises(PersonalDataUnreadable):
        cipher.decrypt(tampered)


@pytest.mark.parametrize("garbage", ["", "13812345678", "pd1:", "pd1:@@@@", "pd1:AAAA"])
def test_garbage_is_unreadable(cipher, garbage):
    with pytest.raises(PersonalDataUnreadable):
        cipher.decrypt(garbage)


def test_value_moved_to_another_column_does_not_decrypt(cipher):
    stored = cipher.encrypt(PHONE, "warnings.person_phone")
    with pytest.raises(PersonalDataUnreadable):
        cipher.decrypt(stored, "warnings.person_bank_account")


def test_another_key_cannot_decrypt(cipher):
    stored = cipher.encrypt(PHONE)
    with pytest.raises(PersonalDataUnreadable):
        PersonalDataCipher(os.urandom(32)).decrypt(stored)


def test_lookup_hash_is_keyed_and_stable(cipher):
    assert cipher.lookup_hash(PHONE, "p") == cipher.lookup_hash(PHONE, "p")
    assert cipher.lookup_hash(PHONE, "p") != cipher.lookup_hash(PHONE, "q")
    assert cipher.lookup_hash(PHONE, "p") != PersonalDataCipher(os.urandom(32)).lookup_hash(PHONE, "p")


def test_key_from_settings():
    key = os.urandom(32)
    assert key_from_settings({"PERSONAL_DATA_KEY": base64.b64encode(key).decode()}) == key


def test_development_without_key_uses_dev_key_with_warning(caplog):
    with caplog.at_level(logging.WARNING):
        assert key_from_settings({"ANTIFRAUD_ENV": "development"}) == DEV_KEY
    assert "PERSONAL_DATA_KEY" in caplog.text


@pytest.mark.parametrize("value", [None, "", base64.b64encode(DEV_KEY).decode()])
def test_production_refuses_missing_or_development_key(value):
    with pytest.raises(PersonalDataKeyError):
        key_from_settings({"ANTIFRAUD_ENV": "production", "PERSONAL_DATA_KEY": value})


@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(b"short").decode()])
def test_malformed_key_is_refused(value):
    with pytest.raises(PersonalDataKeyError):
        key_from_settings({"PERSONAL_DATA_KEY": value})


def test_encrypted_column_stores_ciphertext(session, make_user):
    user = make_user("officer", totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    session.flush()
    raw = session.execute(
        text("SELECT totp_secret FROM users WHERE id = :id"), {"id": user.id}
    ).scalar_one()
    assert raw.startswith("pd1:") and "JBSWY3DP" not in raw
    session.expire_all()
    assert session.get(type(user), user.id).totp_secret == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    assert crypto.cipher().decrypt(raw, "users.totp_secret") == user.totp_secret


@pytest.mark.parametrize(("value", "masked"), [
    ("13812345678", "138****5678"),
    ("138 1234 5678", "138****5678"),
    ("+86 13812345678", "138****5678"),
    ("0592-5551234", "059****1234"),
    ("0592-55512345", "059*****2345"),
    ("12345", "***45"),
    (None, ""),
])
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(("value", "masked"), [
    ("350203199001011234", "3502**********1234"),
    ("35020319900101123x", "3502**********123X"),
    ("350203900101123", "3502*******1123"),
    ("1234", "****"),
    (None, ""),
])
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(("value", "masked"), [
    ("6222021234567891234", "6222 **** **** 1234"),
    ("6222 0212 3456 7890", "6222 **** **** 7890"),
    ("62220212", "********"),
    (None, ""),
])
def test_mask_bank_account(value, masked):
    assert mask_bank_account(value) == masked


@pytest.mark.parametrize(("value", "masked"), [
    ("张三", "张*"), ("张三丰", "张**"), ("欧阳娜娜", "欧***"), ("王", "*"), ("", ""), (None, ""),
])
def test_mask_name(value, masked):
    assert mask_name(value) == masked


@pytest.mark.parametrize("mask", [mask_phone, mask_id_number, mask_bank_account])
def test_no_mask_reveals_more_than_eight_digits(mask):
    for value in ("13812345678", "350203199001011234", "6222021234567891234"):
        shown = [ch for ch in mask(value) if ch.isdigit()]
        assert len(shown) <= 8


def test_bulk_encrypted_values_read_back_through_the_column_type():
    stored = crypto.encrypt_values(["13812345678", None, float("nan")], "warnings.person_phone")
    assert stored[1] is None and stored[2] is None
    column = crypto.EncryptedString(255, purpose="warnings.person_phone")
    assert column.process_result_value(stored[0], None) == "13812345678"


def test_bulk_encryption_leaves_pandas_missing_values_empty():
    import pandas as pd

    column = pd.array(["13812345678", pd.NA], dtype="string")
    stored = crypto.encrypt_values(list(column), "warnings.person_phone")
    assert stored[1] is None
    assert crypto.EncryptedString(255, purpose="warnings.person_phone").process_result_value(
        stored[0], None) == "13812345678"
