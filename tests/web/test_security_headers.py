"""Every answer carries the security headers; the CSP names no origin but this one and allows
Dash's inline scripts by their hashes only; HSTS in production only."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from tests.web.test_hardening import production
from tests.web.test_route_walk import call, sample_urls

SOURCE = re.compile(r"'self'|'none'|data:|blob:|'sha256-[A-Za-z0-9+/]+={0,2}'|'unsafe-inline'")
INLINE_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S)


def policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def check_headers(response, where) -> None:
    csp = policy(response)
    assert csp["default-src"] == ["'self'"] and csp["frame-ancestors"] == ["'none'"], where
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"], where
    assert csp["form-action"] == ["'self'"], where
    for name, sources in csp.items():
        assert all(SOURCE.fullmatch(source) for source in sources), (where, name, sources)
        if "'unsafe-inline'" in sources:
            assert name == "style-src", (where, name)
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff", where
    assert response.headers["X-Frame-Options"] == "DENY", where
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer"), where


@pytest.fixture
def suite_url(client) -> str:
    html = client.get("/").get_data(as_text=True)
    return re.search(r'src="(/_dash-component-suites/[^"]+)"', html).group(1)


@pytest.mark.parametrize("who", ["anonymous", "leader", "sysadmin", "secadmin"])
def test_every_route_answers_with_the_headers(app, anonymous_client, logged_in_client,
                                              suite_url, who):
    client = anonymous_client if who == "anonymous" else logged_in_client(who)
    for endpoint, method, url in sample_urls(app, suite_url):
        if url == "/logout":
            continue
        response = call(client, method, url)
        check_headers(response, (who, endpoint, method, response.status_code))
        assert "Strict-Transport-Security" not in response.headers  # development: plain HTTP
    for url in ("/no/such/page", "/warnings/abc", "/lang/en?next=/%0A"):  # refusals too
        check_headers(client.get(url), (who, url))


def test_every_inline_script_of_dash_is_allowed_by_its_hash_and_nothing_else(client):
    for path in ("/", "/queue", "/warnings/1", "/no/such/page"):
        client.post("/_dash-update-component", json={})  # whatever Dash adds after a request
        response = client.get(path)
        allowed = set(policy(response)["script-src"])
        html = re.sub(r"<!--.*?-->", "", response.get_data(as_text=True), flags=re.S)  # not run
        scripts = [m["body"] for m in INLINE_SCRIPT.finditer(html)
                   if "src=" not in m["attrs"] and "application/json" not in m["attrs"]]
        assert scripts, "the index has no inline script: the check is empty"
        for body in scripts:
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in allowed, (path, body[:80])
        assert allowed - {"'self'"} <= set(client.application.extensions["dash"].csp_hashes())


def test_production_adds_hsts_everywhere(app_factory):
    app = app_factory(**production(TOTP_REQUIRED_ROLES=""))
    client = app.test_client()
    for url in ("/login", "/healthz", "/", "/assets/app.css", "/lang/en?next=/%0D"):
        response = client.get(url)
        hsts = response.headers["Strict-Transport-Security"]
        age = int(re.search(r"max-age=(\d+)", hsts).group(1))
        assert age >= 365 * 24 * 3600 and "includeSubDomains" in hsts, url
        check_headers(response, url)
