"""``antifraud create-user`` and ``antifraud audit verify``."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from dashboard.auth.passwords import verify_password
from dashboard.cli import main
from dashboard.domain import OrgUnit, User

PASSWORD = "Wuyuan-bay-2026!"


@pytest.fixture
def database(cli_database):
    engine = cli_database
    with Session(engine) as session, session.begin():
        city = OrgUnit(code="350200", name_zh="市局", name_en="City", level="city", path="350200")
        session.add(city)
        session.flush()
        session.add(OrgUnit(code="350203", name_zh="思明", name_en="Siming", level="county",
                            path="350200/350203", parent_id=city.id))
    return engine


def create(monkeypatch, *args, password=PASSWORD):
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return main(["create-user", "--password-stdin", *args])


def test_an_account_from_the_shell_has_no_role_until_one_is_granted(database, monkeypatch, capsys):
    assert create(monkeypatch, "--username", "cmd1", "--display-name", "指挥员") == 0
    assert "created account 'cmd1'" in capsys.readouterr().out
    with Session(database) as session:
        user = session.scalar(select(User).where(User.username == "cmd1"))
        assert user.role is None and user.unit is None and not user.can_log_in
        assert user.must_change_password and verify_password(user.password_hash, PASSWORD)
        assert user.created_by.startswith("cli:")


@pytest.mark.parametrize("role", ["sysadmin", "secadmin", "auditor"])
def test_the_three_administrators_are_made_at_the_console(database, monkeypatch, capsys, role):
    assert create(monkeypatch, "--username", f"{role}1", "--role", role) == 0
    assert f"created {role}" in capsys.readouterr().out
    with Session(database) as session:
        user = session.scalar(select(User).where(User.username == f"{role}1"))
        assert user.role == role and user.unit is None and user.can_log_in
        assert user.must_change_password


@pytest.mark.parametrize(("args", "password", "option"), [
    (["--username", "cmd1", "--role", "commander"], PASSWORD, "--role"),
    (["--username", "cmd1", "--role", "leader"], PASSWORD, "--role"),
    (["--username", "cmd1", "--role", "boss"], PASSWORD, "--role"),
    (["--username", "x", "--role", "auditor"], PASSWORD, "--username"),
    (["--username", "aud1", "--role", "auditor"], "password1234", "--password"),
])
def test_refusals_are_one_line_naming_the_option(database, monkeypatch, capsys, args, password,
                                                 option):
    assert create(monkeypatch, *args, password=password) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"antifraud create-user: {option}:")
    assert password not in err


def test_audit_verify_passes_then_fails_after_a_row_is_changed(database, monkeypatch, capsys):
    create(monkeypatch, "--username", "aud1", "--role", "auditor")
    create(monkeypatch, "--username", "aud2", "--role", "auditor")
    assert main(["audit", "verify"]) == 0
    assert "audit chain intact: 2 entries" in capsys.readouterr().out
    with database.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_entries_no_update"))
        conn.execute(text("UPDATE audit_entries SET outcome = 'failure' WHERE id = 1"))
    assert main(["audit", "verify"]) == 1
    assert "the first entry that disagrees is 1" in capsys.readouterr().err
