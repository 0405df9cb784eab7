"""Production refuses unsafe settings; errors show an incident id, never a traceback."""

from __future__ import annotations

import base64
import hashlib
import logging

import pytest

from dashboard import create_app
from dashboard.domain.personal_data import PersonalDataKeyError
from dashboard.safe_settings import UnsafeSettings, refuse_unsafe_settings
from tests.conftest import login
from tests.web.conftest import PASSWORD

GOOD_SECRET = "q8Vt3pZr0mXs6LbNw2YcEjHu9KdAf4Ge7TiRo1Us5Pa"
GOOD_KEY = base64.b64encode(hashlib.sha256(b"test_hardening production key").digest()).decode()


def production(**overrides) -> dict:
    return {"ANTIFRAUD_ENV": "production", "SECRET_KEY": GOOD_SECRET,
            "PERSONAL_DATA_KEY": GOOD_KEY, **overrides}


@pytest.mark.parametrize("secret", ["", "dev-insecure-secret-change-me", "changeme", "short-key"])
def test_production_refuses_a_weak_secret_key(secret):
    with pytest.raises(UnsafeSettings, match="SECRET_KEY"):
        refuse_unsafe_settings(production(SECRET_KEY=secret), environ={})


def test_production_refuses_debug():
    with pytest.raises(UnsafeSettings, match="debug"):
        refuse_unsafe_settings(production(DEBUG=True), environ={})
    with pytest.raises(UnsafeSettings, match="debug"):
        refuse_unsafe_settings(production(), environ={"FLASK_DEBUG": "1"})


def test_development_allows_the_defaults():
    refuse_unsafe_settings({"ANTIFRAUD_ENV": "development", "SECRET_KEY": ""}, environ={})


def test_create_app_refuses_production_without_a_personal_data_key(tmp_path):
    with pytest.raises(PersonalDataKeyError):
        create_app({**production(PERSONAL_DATA_KEY=None), "INSTANCE_PATH": str(tmp_path)})
    with pytest.raises(UnsafeSettings):
        create_app({**production(SECRET_KEY="secret"), "INSTANCE_PATH": str(tmp_path)})


@pytest.fixture
def failing_app(app_factory):
    app = app_factory()

    def explode():
        raise ValueError("person 13912345678 could not be reached")

    app.add_url_rule("/boom", "boom", explode)
    return app


def test_an_error_shows_an_incident_id_and_logs_the_trace_without_numbers(
        failing_app, caplog):
    client = failing_app.test_client()
    login(client, "officer", PASSWORD)
    with caplog.at_level(logging.ERROR, logger="dashboard.incidents"):
        page = client.get("/boom")
        api = client.get("/boom", headers={"Accept": "application/json"})
    body = page.get_data(as_text=True)
    assert page.status_code == 500 and "Traceback" not in body and "13912345678" not in body
    incident = api.get_json()["incident"]
    assert incident in caplog.text and "Traceback" in caplog.text
    assert "13912345678" not in caplog.text and "[digits]" in caplog.text


def test_debug_switched_on_later_in_production_serves_nothing(app_factory):
    app = app_factory(**production(TOTP_REQUIRED_ROLES=""))
    app.debug = True
    assert app.test_client().get("/healthz").status_code == 503
