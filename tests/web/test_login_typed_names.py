"""A name typed on the login form that is not an account (a password typed in the wrong field,
someone's phone number) is never stored, logged or shown back; an account's username is recorded."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.auth.lockout import unknown_name
from dashboard.domain import AuditEntry
from tests.web.conftest import PASSWORD
from tests.web.test_login import post_login

TYPED = ["Lujiang-harbour-2026!", "Xiamen-Duty-99", "张三的密码abc", "139 1234 5678", "  Secret.Pass  "]


def traces(engine, typed: str) -> list[str]:
    """Where ``typed`` (as typed, trimmed or lower-cased) appears in any text of any table."""
    needles = {typed, typed.strip(), typed.strip().lower()}
    found = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                for value in row:
                    if isinstance(value, str) and any(n in value for n in needles):
                        found.append(f"{table}: {value[:80]}")
    return found


def _usernames(engine, action: str) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(AuditEntry.username).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.id)))


def _shown(response) -> str:
    found = re.search(r'id="login-username"[^>]*value="([^"]*)"', response.get_data(as_text=True))
    return found.group(1) if found else ""


@pytest.mark.parametrize("typed", TYPED)
def test_a_name_that_is_no_account_leaves_no_trace(fresh_client, engine, caplog, typed):
    client = fresh_client()
    with caplog.at_level(logging.DEBUG):
        first = post_login(client, typed, "anything at all 123")
        again = post_login(client, typed, "something else 456")
    for response in (first, again):
        assert response.status_code == 200 and _shown(response) == ""
        assert typed.strip() not in response.get_data(as_text=True)
    assert traces(engine, typed) == []
    assert typed.strip() not in caplog.text and typed.strip().lower() not in caplog.text
    names = _usernames(engine, audit.LOGIN_FAILED)
    assert names == [unknown_name(typed)] * 2  # the same name: the same fingerprint
    assert re.fullmatch(r"unknown:[a-p]{12}", names[0])


def test_different_names_have_different_fingerprints_and_accounts_keep_their_name(fresh_client, engine):
    client = fresh_client()
    post_login(client, "Lujiang-harbour-2026!", "x")
    post_login(client, "Lujiang-harbour-2027!", "x")
    wrong = post_login(client, "officer", "not the password 12345")
    assert _shown(wrong) == ""  # not even an account's name is shown back
    first, second, officer = _usernames(engine, audit.LOGIN_FAILED)
    assert first != second and first.startswith("unknown:") and officer == "officer"


def test_a_rate_limited_attempt_records_no_name_in_clear(fresh_client, engine, caplog):
    client = fresh_client()
    for n in range(20):
        post_login(client, f"guess-{n}", "wrong password 12345")
    with caplog.at_level(logging.DEBUG):
        limited = post_login(client, TYPED[0], PASSWORD)
        account = post_login(client, "officer", PASSWORD)
    assert _shown(limited) == "" and _shown(account) == ""
    assert _usernames(engine, audit.RATE_LIMITED) == [unknown_name(TYPED[0]), "officer"]
    assert traces(engine, TYPED[0]) == [] and TYPED[0] not in caplog.text
    assert all(traces(engine, f"guess-{n}") == [] for n in range(20))
