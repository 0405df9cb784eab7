"""A writable app for login, session and admin tests: its own small city, users and warnings.

``city``: bureau 350200; sub-bureau 350203 with stations 35020301 and
35020302; sub-bureau 350205 with station 35020501.  One user per role
(username = role code, password ``PASSWORD``) plus ``commander2`` of 350205,
and two warnings per station carrying made-up personal data.

``fresh_app`` serves that database with a clock the test can move
(``fresh_app.clock.now = ...``); ``app_factory(**settings)`` makes one with
other settings; ``fresh_client(username)`` logs a client of it in.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from dashboard.domain import OrgUnit, Warning
from dashboard.domain.base import SHANGHAI
from tests.conftest import ORIGIN, login
from tests.factories import provision_account

PASSWORD = "Lujiang-harbour-2026!"
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=SHANGHAI)
UNITS = (  # code, level, parent code
    ("350200", "city", None), ("350203", "county", "350200"), ("35020301", "station", "350203"),
    ("35020302", "station", "350203"), ("350205", "county", "350200"),
    ("35020501", "station", "350205"),
)
USERS = (  # username, role, unit code
    ("leader", "leader", "350200"), ("commander", "commander", "350203"),
    ("commander2", "commander", "350205"), ("officer", "officer", "35020301"),
    ("press", "press", "350200"), ("sysadmin", "sysadmin", None), ("secadmin", "secadmin", None),
    ("auditor", "auditor", None),
)


def engine_url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


class City:
    """What the ``city`` fixture made: units and warnings by station code, people's numbers."""

    def __init__(self) -> None:
        self.units: dict[str, int] = {}
        self.warnings: dict[str, list[int]] = {}
        self.phones: dict[int, str] = {}
        self.accounts: dict[int, str] = {}


@pytest.fixture(autouse=True)
def keep_personal_data_key():
    """Apps made here install their own key; put back the one that was active."""
    from dashboard.domain import personal_data as crypto

    old = crypto.use_cipher(None)
    crypto.use_cipher(old)
    yield
    crypto.use_cipher(old)


@pytest.fixture
def city(engine) -> City:
    made = City()
    serial = itertools.count(1)
    with Session(engine) as session, session.begin():
        units: dict[str, OrgUnit] = {}
        for code, level, parent in UNITS:
            parent_unit = units.get(parent)
            unit = OrgUnit(code=code, name_zh=f"单位{code}", name_en=f"Unit {code}", level=level,
                           parent=parent_unit,
                           path=f"{parent_unit.path}/{code}" if parent_unit else code)
            session.add(unit)
            units[code] = unit
        session.flush()
        for username, role, unit_code in USERS:
            provision_account(session, username, role, unit_code, PASSWORD, now=NOW)
        for code, unit in units.items():
            made.units[code] = unit.id
            if unit.level != "station":
                continue
            for _ in range(2):
                n = next(serial)
                warning = Warning(
                    source="test", external_id=f"W{n:06d}", received_at=NOW - timedelta(hours=n),
                    fraud_type="investment", risk_level="high", channel="call",
                    county_id=unit.parent.id, station_id=unit.id, status="dispatched",
                    deadline_at=NOW, amount_at_risk=50_000, person_name="张三丰",
                    person_phone=f"139{n:08d}", person_id_number=f"35020319900101{n:03d}X",
                    person_bank_account=f"6222020{n:012d}")
                session.add(warning)
                session.flush()
                made.warnings.setdefault(code, []).append(warning.id)
                made.phones[warning.id] = warning.person_phone
                made.accounts[warning.id] = warning.person_bank_account
    return made


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def app_factory(engine, city, tmp_path):
    """Factory: the app over the ``city`` database with extra settings, clock at ``NOW``."""
    from dashboard import create_app

    def make(**settings):
        app = create_app({"DATABASE_URL": engine_url(engine), "INSTANCE_PATH": str(tmp_path),
                          "TESTING": True, **settings})
        app.clock = Clock(NOW)
        app.extensions["clock"] = app.clock
        app.city = city
        return app

    return make


@pytest.fixture
def fresh_app(app_factory):
    return app_factory()


@pytest.fixture
def fresh_client(fresh_app):
    """Factory: a client of ``fresh_app``, logged in as ``username`` unless None."""
    def make(username: str | None = None, password: str = PASSWORD):
        client = fresh_app.test_client()
        client.environ_base["HTTP_ORIGIN"] = ORIGIN
        if username is not None:
            response = login(client, username, password)
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return make
