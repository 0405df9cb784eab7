"""TOTP: right codes pass once, replays and wrong codes are refused, QR made locally."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pyotp
import pytest

from dashboard.auth import totp
from dashboard.auth.permissions import roles


def make_user(secret=None, role="officer"):
    return SimpleNamespace(totp_secret=secret, totp_last_step=None, role=role, is_active=True)


def code_at(secret, when):
    return pyotp.TOTP(secret).at(when)


def test_right_code_is_accepted_and_its_step_remembered(now):
    secret = totp.new_secret()
    user = make_user(secret)
    assert totp.accept_code(user, code_at(secret, now), at=now)
    assert user.totp_last_step == pyotp.TOTP(secret).timecode(now)


def test_replayed_code_is_refused(now):
    secret = totp.new_secret()
    user = make_user(secret)
    code = code_at(secret, now)
    assert totp.accept_code(user, code, at=now)
    assert not totp.accept_code(user, code, at=now)
    assert not totp.accept_code(user, code, at=now + timedelta(seconds=20))


def test_older_code_after_a_newer_one_is_refused(now):
    secret = totp.new_secret()
    user = make_user(secret)
    assert totp.accept_code(user, code_at(secret, now), at=now)
    earlier = code_at(secret, now - timedelta(seconds=30))
    assert not totp.accept_code(user, earlier, at=now)


def test_next_code_is_accepted_after_one(now):
    secret = totp.new_secret()
    user = make_user(secret)
    assert totp.accept_code(user, code_at(secret, now), at=now)
    later = now + timedelta(seconds=30)
    assert totp.accept_code(user, code_at(secret, later), at=later)


def test_one_step_of_clock_drift_is_tolerated_but_not_two(now):
    secret = totp.new_secret()
    assert totp.matching_step(secret, code_at(secret, now - timedelta(seconds=30)), now)
    assert totp.matching_step(secret, code_at(secret, now + timedelta(seconds=30)), now)
    assert not totp.matching_step(secret, code_at(secret, now - timedelta(seconds=90)), now)


@pytest.mark.parametrize("code", [None, "", "12345", "1234567", "abcdef", "000000x"])
def test_malformed_code_is_refused(code, now):
    user = make_user(totp.new_secret())
    assert not totp.accept_code(user, code, at=now)
    assert user.totp_last_step is None


def test_wrong_code_is_refused(now):
    secret = totp.new_secret()
    right = code_at(secret, now)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert not totp.accept_code(make_user(secret), wrong, at=now)


def test_code_with_spaces_is_read(now):
    secret = totp.new_secret()
    code = code_at(secret, now)
    assert totp.accept_code(make_user(secret), f"{code[:3]} {code[3:]}", at=now)


def test_enrolment_needs_a_right_code(now):
    user = make_user()
    secret = totp.new_secret()
    assert not totp.enrol(user, secret, "000000" if code_at(secret, now) != "000000" else "111111",
                          at=now)
    assert user.totp_secret is None
    assert totp.enrol(user, secret, code_at(secret, now), at=now)
    assert user.totp_secret == secret
    assert not totp.accept_code(user, code_at(secret, now), at=now)  # the enrolment code is spent


def test_provisioning_uri_and_local_svg_qr():
    secret = totp.new_secret()
    uri = totp.provisioning_uri(secret, "officer1", "Anti-fraud dashboard")
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    svg = totp.qr_svg(uri)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")


def test_required_roles_follow_profile_and_setting():
    assert totp.required_roles({"ANTIFRAUD_ENV": "development"}) == frozenset()
    assert totp.required_roles({"ANTIFRAUD_ENV": "production"}) == set(roles())
    assert totp.required_roles({"ANTIFRAUD_ENV": "production", "TOTP_REQUIRED_ROLES": ()}) == set()
    assert totp.required_roles({"TOTP_REQUIRED_ROLES": "leader, press"}) == {"leader", "press"}
    assert totp.totp_required(make_user(role="sysadmin"), {"ANTIFRAUD_ENV": "production"})
    assert totp.totp_required(make_user(role="press"), {"ANTIFRAUD_ENV": "production"})


def test_second_factor_step():
    prod = {"ANTIFRAUD_ENV": "production"}
    assert totp.second_factor_step(make_user(role="officer"), prod) == "enrol"
    assert totp.second_factor_step(make_user(role="press"), prod) == "enrol"
    assert totp.second_factor_step(make_user(role="press"), {"ANTIFRAUD_ENV": "development"}) == (
        "none")
    assert totp.second_factor_step(make_user("SECRET", role="press"), prod) == "code"
