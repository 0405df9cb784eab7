"""A page's write runs through ``run_command``: committed on success, an audited refusal's rows
kept, anything else rolled back; and no page ends a transaction itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dashboard import create_app
from dashboard.auth import audit
from dashboard.auth.permissions import PermissionDenied
from dashboard.commands.errors import Invalid
from dashboard.domain.audit import AuditEntry
from dashboard.web.commands import run_command
from dashboard.web.database import request_session

PAGES = Path(__file__).parents[2] / "dashboard" / "pages"


class Refused(Invalid):
    pass


@pytest.fixture
def request_context(engine, tmp_path):
    app = create_app({"DATABASE_URL": engine.url.render_as_string(hide_password=False),
                      "INSTANCE_PATH": str(tmp_path), "TESTING": True})
    with app.test_request_context("/"):
        yield


def _audit(session, action: str) -> None:
    audit.record(session, user="tester", action=action, outcome="refused")
    session.flush()


def _count(action: str) -> int:
    session = request_session()
    return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def _refuse(error):
    def work(session):
        _audit(session, type(error).__name__)
        raise error
    return work


def test_success_commits_and_a_form_refusal_rolls_back(request_context):
    assert run_command(lambda session: _audit(session, "done")).ok
    refused = run_command(_refuse(Refused("name", "access.denied.title")))
    assert not refused.ok and refused.refused(Invalid) and refused.message("en")
    request_session().rollback()  # nothing left to lose: what was committed is in the database
    assert _count("done") == 1 and _count("Refused") == 0


def test_an_audited_refusal_keeps_its_row(request_context):
    denied = run_command(_refuse(PermissionDenied("manage_users")))
    kept = run_command(_refuse(Refused("warning", "access.not_found.title")), keep=(Refused,))
    assert denied.refused(PermissionDenied) and kept.refused(Refused)
    request_session().rollback()
    assert _count("PermissionDenied") == 1 and _count("Refused") == 1


def test_a_fault_is_raised_and_nothing_is_half_written(request_context):
    with pytest.raises(ZeroDivisionError):
        run_command(lambda session: (_audit(session, "half"), 1 / 0))
    request_session().rollback()
    assert _count("half") == 0


def test_no_page_ends_a_transaction_itself():
    ending = re.compile(r"\.(commit|rollback)\(")
    offenders = [f"{path.name}:{n}" for path in sorted(PAGES.glob("*.py"))
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if ending.search(line)]
    assert offenders == [], "pages run writes through dashboard.web.commands.run_command"
