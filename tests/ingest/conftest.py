"""Fixtures of the ingest tests: the demo units on a fresh database, an app, a token, staff.

``staff``: the demo users (leader of the city, commander of 思明 350203,
officer of 35020301, press, the three administrators) and ``commander2`` of 湖里 350206;
``user(session, username)`` finds one.
"""

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.demo.units import build_demo_units
from dashboard.demo.users import DEMO_PASSWORD, create_demo_users
from dashboard.domain import SHANGHAI, User
from dashboard.ingest.tokens import create_token
from tests.factories import provision_account

NOW = datetime.now(SHANGHAI).replace(microsecond=0)


@pytest.fixture
def units(engine):
    with Session(engine) as session, session.begin():
        build_demo_units(session)
    return engine


@pytest.fixture
def staff(units):
    """The demo users and a second commander, of 350206; the engine."""
    with Session(units) as session, session.begin():
        create_demo_users(session)
        provision_account(session, "commander2", "commander", "350206", DEMO_PASSWORD)
    return units


def user(session: Session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


@pytest.fixture
def api(units, tmp_path):
    """A test client of the real app on the unit-loaded database, and a token for source 'upstream'."""
    from dashboard import create_app

    app = create_app({"DATABASE_URL": str(units.url.render_as_string(hide_password=False)),
                      "INSTANCE_PATH": str(tmp_path), "TESTING": True})
    with Session(units) as session, session.begin():
        _, token = create_token(session, "upstream")
    client = app.test_client()

    def post(kind, body, token=token, **kwargs):
        return client.post(f"/api/v1/{kind}", json=body,
                           headers={"Authorization": f"Bearer {token}"} if token else {}, **kwargs)

    client.post_batch = post
    client.token = token
    return client


def warning(i: int, **overrides) -> dict:
    record = {
        "source": "upstream", "external_id": f"W-{i}", "received_at": NOW.isoformat(),
        "fraud_type": "investment", "risk_level": "high", "channel": "call",
        "person": {"name": "王芳", "phone": f"138{i:08d}"[:11], "id_number": "35020319900101123X"},
        "station_code": "35020301", "amount_at_risk": 50000,
    }
    record.update(overrides)
    return record


def city_leader(session: Session) -> User:
    """The city's leader (leaders fix rejected records), made if the test has no staff."""
    found = user(session, "leader")
    if found is None:
        found = provision_account(session, "leader", "leader", "350200", DEMO_PASSWORD)
        session.flush()
    return found
