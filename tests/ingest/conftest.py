"""Fixtures of the ingest tests: the demo units on a fresh database, an app, a token."""

from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from dashboard.demo.units import build_demo_units
from dashboard.domain import SHANGHAI
from dashboard.ingest.tokens import create_token

NOW = datetime.now(SHANGHAI).replace(microsecond=0)


@pytest.fixture
def units(engine):
    with Session(engine) as session, session.begin():
        build_demo_units(session)
    return engine


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
