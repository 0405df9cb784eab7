"""Unmasking one field of one warning: by permission and scope, audited without the value."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dashboard.auth import audit
from dashboard.auth.permissions import PermissionDenied
from dashboard.commands.errors import Invalid, NotFound
from dashboard.commands.unmask import unmask
from dashboard.domain import AuditEntry, Warning

PHONE, ID_NUMBER, ACCOUNT = "13912345678", "350203199001011234", "6222021234567891234"


@pytest.fixture
def warning(session, org, now):
    station = org["35020301"]
    row = Warning(source="t", external_id="U1", received_at=now, fraud_type="investment",
                  risk_level="high", channel="call", county_id=station.parent_id,
                  station_id=station.id, status="dispatched", deadline_at=now + timedelta(minutes=15),
                  person_phone=PHONE, person_id_number=ID_NUMBER, person_bank_account=ACCOUNT)
    session.add(row)
    session.flush()
    return row


def rows(session):
    return session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()


@pytest.mark.parametrize(("field", "value"), [("phone", PHONE), ("id_number", ID_NUMBER),
                                              ("bank_account", ACCOUNT)])
def test_in_scope_returns_the_clear_value_and_audits_the_id(session, org, make_user, warning,
                                                            field, value):
    officer = make_user("officer", org["35020301"])
    assert unmask(session, officer, warning.id, field) == value
    (row,) = rows(session)
    assert (row.action, row.object, row.detail) == (audit.UNMASK, f"warning:{warning.id}",
                                                    f'{{"field":"{field}"}}')


@pytest.mark.parametrize("unit", ["35020302", "35020", "3502001"])
def test_out_of_scope_is_not_found(session, org, make_user, warning, unit):
    user = make_user("officer" if len(unit) > 6 else "commander", org.get(unit) or org["35020"])
    with pytest.raises(NotFound):
        unmask(session, user, warning.id, "phone")
    (row,) = rows(session)
    assert (row.action, row.object) == (audit.ACCESS_DENIED, f"warning:{warning.id}")


@pytest.mark.parametrize("role", ["leader", "press", "sysadmin", "secadmin", "auditor"])
def test_roles_without_the_permission_are_refused(session, org, make_user, warning, role):
    user = make_user(role, org["350200"] if role in ("leader", "press") else None)
    with pytest.raises(PermissionDenied):
        unmask(session, user, warning.id, "phone")
    assert rows(session)[0].action == audit.ACCESS_DENIED


def test_only_the_three_fields(session, org, make_user, warning):
    with pytest.raises(Invalid):
        unmask(session, make_user("officer", org["35020301"]), warning.id, "person_name")
