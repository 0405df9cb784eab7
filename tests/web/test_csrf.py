"""Forged cross-site requests are refused: wrong origin, no token, wrong token."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import PASSWORD
from tests.web.dash_requests import router_body


@pytest.fixture
def officer(fresh_client):
    return fresh_client("officer")


def update(client, headers: dict):
    return client.post("/_dash-update-component", json=router_body("/404"), headers=headers)


def test_same_origin_with_the_token_is_accepted(officer):
    assert update(officer, {}).status_code == 200
    assert update(officer, {"Origin": "", "Referer": "http://localhost/admin"}).status_code == 200


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Origin": "", "Referer": "http://evil.example/page"},
    {"Origin": "", "Referer": ""},
    {"X-CSRFToken": ""},
    {"X-CSRFToken": "forged-token"},
])
def test_forged_dash_requests_are_refused(officer, headers):
    response = update(officer, headers)
    assert response.status_code == 403
    assert "_pages_content" not in response.get_data(as_text=True)


def test_a_cross_site_logout_form_does_nothing(officer):
    token = officer.get_cookie("_csrf_token").value
    forged = officer.post("/logout", data={"csrf_token": token},
                          headers={"Origin": "http://evil.example"})
    assert forged.status_code == 403
    assert officer.get("/_dash-layout").status_code == 200
    assert officer.post("/logout", data={}, headers={"X-CSRFToken": ""}).status_code == 403


def test_the_login_form_needs_its_token(fresh_client):
    client = fresh_client()
    client.get("/login")
    without = client.post("/login", data={"username": "officer", "password": PASSWORD})
    assert without.status_code == 403
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    cross_site = client.post("/login", data={"username": "officer", "password": PASSWORD,
                                             "csrf_token": token},
                             headers={"Origin": "http://evil.example"})
    assert cross_site.status_code == 403
    assert client.get("/_dash-layout").status_code == 401


def test_the_token_changes_at_login(fresh_client):
    client = fresh_client()
    form = client.get("/login").get_data(as_text=True)
    before = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    client.post("/login", data={"username": "officer", "password": PASSWORD,
                                "csrf_token": before})
    assert client.get_cookie("_csrf_token").value != before
