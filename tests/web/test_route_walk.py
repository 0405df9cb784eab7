"""A walk over every Flask route, every Dash page and every Dash callback, for every role
and for no login: each answer is exactly what the permission table allows.

What a page or callback needs is read from its declaration (``permission=`` in
``register_page``, ``@requires`` on the callback, else its page's); what each
role may do is ``data/permissions.csv``.  The server's answers must match.
"""

from __future__ import annotations

import re

import dash
import pytest

from dashboard.auth.permissions import ANY_OF, actions, allowed, roles
from tests.web.dash_requests import ROUTER_OUTPUT, callback_body, find, render_page, router_body

SIGNED_IN = "signed_in"
# The issue's allowlist: the login page (and its second-factor steps), the health
# check, the language switch and static files.  Nothing else answers without a login.
PUBLIC = {
    "auth.login", "auth.second_factor", "auth.enrol", "auth.new_password", "health.healthz",
    "i18n.switch_language",
    "_dash_assets.static", "/_favicon.ico",
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>",
}
ROLES = sorted(roles())
RECORD_LEVEL = {"view_records", "view_queue", "unmask_personal_data", "record_outcome",
                "manage_tasks"}
# token APIs that also take a login session, and the permission the session's role needs
SESSION_APIS = {"stats_api.stats": "export_statistics"}


def may(role: str | None, action: str | None) -> bool:
    if role is None or action is None:
        return False
    return True if action == SIGNED_IN else allowed(role, action)


def declared_callback_permission(callback: dict) -> str | None:
    func = callback["callback"]
    declared = getattr(func, "required_permission", None)
    if declared:
        return declared
    page = dash.page_registry.get(func.__module__)
    return page.get("permission") if page else None


def refused_for_login(response, path: str) -> bool:
    """The answer to a request that needs a login: 401, or the login page with ``next``."""
    if response.status_code == 401:
        return True
    location = response.headers.get("Location", "")
    return response.status_code == 302 and location.startswith("/login") and (
        "next=" in location or path == "/")


def sample_urls(app, suite_url: str) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every rule, with sample values for its variables."""
    adapter = app.url_map.bind("localhost")
    samples = {"code": "en", "filename": "app.css", "path": "no/such/page", "kind": "warnings"}
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("/_dash-component-suites/"):
            url = suite_url
        else:
            url = adapter.build(rule.endpoint, {name: samples.get(name, "1")
                                                for name in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, url))
    return sorted(out, key=lambda item: item[1] == "POST" and item[2] == "/logout")


def call(client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    if url == "/_dash-update-component":
        return client.post(url, json=router_body("/404"))
    token = client.get_cookie("_csrf_token")
    return client.post(url, data={"csrf_token": token.value if token else ""})


@pytest.fixture
def suite_url(client) -> str:
    html = client.get("/").get_data(as_text=True)
    return re.search(r'src="(/_dash-component-suites/[^"]+)"', html).group(1)


def test_the_walk_covers_the_routes_the_issue_names(app):
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert {"/login", "/logout", "/healthz", "/_dash-layout", "/_dash-dependencies",
            "/_dash-update-component", "/assets/<path:filename>"} <= rules


def test_without_login_only_the_allowlist_answers(app, anonymous_client, suite_url):
    for endpoint, method, url in sample_urls(app, suite_url):
        response = call(anonymous_client, method, url)
        if url.startswith("/api/"):
            continue  # the token API: see the logged-in walk below
        if endpoint in PUBLIC:
            assert not refused_for_login(response, url), (endpoint, method, response.status_code)
        else:
            assert refused_for_login(response, url), (endpoint, method, response.status_code)
            if url.startswith("/_dash-") or method == "POST":
                assert response.status_code == 401, (endpoint, method)


@pytest.mark.parametrize("role", ROLES)
def test_logged_in_every_route_answers_and_a_session_opens_no_token_api(
        app, anonymous_client, logged_in_client, role, suite_url):
    client = logged_in_client(role)
    for endpoint, method, url in sample_urls(app, suite_url):
        response = call(client, method, url)
        if endpoint in SESSION_APIS:  # no query: 400 naming the field for a role that may, else 403
            expected = 400 if may(role, SESSION_APIS[endpoint]) else 403
            assert response.status_code == expected, (role, endpoint, response.status_code)
            continue
        if url.startswith("/api/"):  # tokens only: a login session adds nothing
            assert response.status_code == call(anonymous_client, method, url).status_code
            continue
        assert not refused_for_login(response, url), (role, endpoint, method)
        assert response.status_code < 500, (role, endpoint, method, response.status_code)


def test_every_page_and_callback_declares_a_known_permission(client):
    known = set(actions()) | {SIGNED_IN}
    for page in dash.page_registry.values():
        declared = str(page.get("permission")).split(ANY_OF)  # "a|b": either
        assert set(declared) <= known, f"page {page['module']} declares no permission"
    callbacks = client.application.extensions["dash"].callback_map
    for output, callback in callbacks.items():
        if "callback" not in callback or output == ROUTER_OUTPUT:
            continue  # clientside, or the router (every page is guarded itself)
        assert set(str(declared_callback_permission(callback)).split(ANY_OF)) <= known, output


def decided_status(content) -> int:
    """The HTTP status of what the router drew: the refusal, "not found", or the page."""
    if find(content, "access-denied") is not None:
        return 403
    return 404 if find(content, "access-not-found") is not None else 200


@pytest.mark.parametrize("role", ROLES)
def test_each_page_opens_exactly_for_the_roles_granted_it(logged_in_client, role):
    client = logged_in_client(role)
    for page in dash.page_registry.values():
        path = page.get("path_template") or page["path"]
        path = re.sub(r"<[^>]+>", "1", path)
        content = render_page(client, path)
        denied = find(content, "access-denied") is not None
        assert denied == (not may(role, page.get("permission"))), (role, path)
        # a full load of the page's address says the same at the HTTP level
        response = client.get(path)
        assert response.status_code == decided_status(content), (role, path, response.status_code)
        if response.status_code != 200:
            element = "access-denied" if denied else "access-not-found"
            assert f'id="{element}"' in response.get_data(as_text=True) or \
                response.status_code == 404 and 'id="_dash-config"' in response.get_data(
                    as_text=True), (role, path)


@pytest.mark.parametrize("role", ROLES)
def test_an_address_that_names_no_page_is_a_404_and_anonymous_users_still_log_in(
        logged_in_client, anonymous_client, role):
    client = logged_in_client(role)
    for path in ("/no/such/page", "/warnings", "/admin", "/404", "/queue/x"):
        assert client.get(path).status_code == 404, (role, path)
        response = anonymous_client.get(path)
        assert refused_for_login(response, path), path


@pytest.mark.parametrize("role", ROLES + [None])
def test_each_callback_answers_exactly_the_roles_granted_it(app, logged_in_client,
                                                            anonymous_client, role):
    client = logged_in_client(role) if role else anonymous_client
    dependencies = logged_in_client("leader").get("/_dash-dependencies").get_json()
    callbacks = app.extensions["dash"].callback_map
    walked = 0
    for dependency in dependencies:
        if dependency["clientside_function"] is not None:
            continue
        output = dependency["output"]
        body = router_body("/404") if output == ROUTER_OUTPUT else callback_body(dependency)
        response = client.post("/_dash-update-component", json=body)
        walked += 1
        if role is None:
            assert response.status_code == 401, output
            continue
        action = SIGNED_IN if output == ROUTER_OUTPUT else declared_callback_permission(
            callbacks[output])
        if may(role, action):
            assert response.status_code in (200, 204), (role, output, response.status_code)
        else:
            assert response.status_code == 403, (role, output, response.status_code)
    assert walked >= 5


def test_press_never_reaches_a_record_level_page(logged_in_client):
    client = logged_in_client("press")
    record_pages = [p for p in dash.page_registry.values() if p.get("permission") in RECORD_LEVEL]
    assert record_pages, "no record-level page is registered: the check is empty"
    for page in record_pages:
        path = re.sub(r"<[^>]+>", "1", page.get("path_template") or page["path"])
        assert find(render_page(client, path), "access-denied") is not None, path


def nav_links(component) -> set[str]:
    """The targets of every ``NavLink`` in a Dash layout."""
    found = set()
    if isinstance(component, dict):
        if component.get("type") == "NavLink":
            found.add(component["props"]["href"])
        for value in component.get("props", {}).values():
            found |= nav_links(value)
    elif isinstance(component, list):
        for item in component:
            found |= nav_links(item)
    return found


@pytest.mark.parametrize("role", ROLES)
def test_navigation_lists_exactly_the_pages_a_role_may_open(logged_in_client, role):
    listed = nav_links(logged_in_client(role).get("/_dash-layout").get_json())
    expected = {page["relative_path"] for page in dash.page_registry.values()
                if page.get("nav", True) and not page.get("path_template")
                and may(role, page.get("permission"))}
    assert listed == expected
