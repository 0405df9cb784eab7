"""Fixtures of the task tests: a small command chain with a user of every role, and task helpers.

The chain: city 990000; county 990001 with stations 99000101-03; county 990002
with station 99000201.  Users are named after their role and unit.  The
databases (SQLite, and PostgreSQL when ``TEST_DATABASE_URL`` is set) come from
``tests/conftest.py``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from dashboard.commands.tasks import IssueTask
from dashboard.domain import OrgUnit, Task, User, Warning
from dashboard.domain.base import SHANGHAI

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)
CHAIN = {"990000": None, "990001": "990000", "99000101": "990001", "99000102": "990001",
         "99000103": "990001", "990002": "990000", "99000201": "990002"}
LEVELS = {6: "county", 8: "station"}
# name -> (role, unit code)
USERS = {
    "city_leader": ("leader", "990000"),
    "county_leader": ("leader", "990001"),
    "commander": ("commander", "990001"),
    "other_commander": ("commander", "990002"),
    "officer": ("officer", "99000101"),
    "officer_b": ("officer", "99000102"),
    "officer_c": ("officer", "99000103"),
    "other_officer": ("officer", "99000201"),
    "press": ("press", "990000"),
    "admin": ("sysadmin", None),
    "auditor": ("auditor", None),
}


def build_units(session: Session) -> dict[str, OrgUnit]:
    units: dict[str, OrgUnit] = {}
    for code, parent_code in CHAIN.items():
        parent = units.get(parent_code) if parent_code else None
        level = "city" if parent is None else LEVELS[len(code)]
        unit = OrgUnit(code=code, name_zh=f"单位{code}", name_en=f"Unit {code}", level=level,
                       parent=parent, path=f"{parent.path}/{code}" if parent else code)
        session.add(unit)
        units[code] = unit
    session.flush()
    return units


def build_users(session: Session, units: dict[str, OrgUnit]) -> dict[str, User]:
    users = {}
    for name, (role, unit_code) in USERS.items():
        user = User(username=name.replace("_", "."), display_name=name, password_hash="x",
                    role=role, unit_id=units[unit_code].id if unit_code else None,
                    is_active=True, failed_logins=0, created_at=NOW, password_changed_at=NOW)
        session.add(user)
        users[name] = user
    session.flush()
    return users


_serial = iter(range(1, 1_000_000))


def make_warning(station: OrgUnit, received_at: datetime, *, risk: str = "medium",
                 status: str = "dispatched", outcome: str | None = None) -> Warning:
    """A warning routed to ``station`` (not yet added to a session)."""
    return Warning(source="test", external_id=f"TASK{next(_serial):06d}", received_at=received_at,
                   fraud_type="investment", risk_level=risk, channel="call",
                   county_id=station.parent_id, station_id=station.id, status=status,
                   outcome=outcome, deadline_at=received_at + timedelta(minutes=15),
                   closed_at=received_at + timedelta(minutes=20) if status == "closed" else None,
                   amount_at_risk=20_000, person_name="张某", person_phone="13800001111")


class Chain:
    """Units and users of the test chain, and a helper to issue tasks."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.units = build_units(session)
        self.users = build_users(session, self.units)

    def issue(self, by: str = "commander", to=("99000101",), kind: str = "clue_verification",
              priority: str = "normal", now: datetime = NOW, **fields) -> Task:
        tasks = IssueTask(self.users[by], kind, priority, fields.pop("title", "核查线索"),
                          target_units=list(to), **fields).run(self.session, now)
        return tasks[0]


@pytest.fixture
def chain(session) -> Chain:
    made = Chain(session)
    session.commit()
    return made
