"""Every redirect target from a request stays on this site, whatever the browser makes of it;
a control character in it is a 400, never a 500 (properties, with hypothesis)."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, unquote, urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dashboard.web.redirects import MAX_TARGET, safe_target
from tests.web.conftest import PASSWORD

BASE = "https://dash.example/queue?unit=1"
TRICKY = list("/\\\t\n\r :@.%?#&=a1;") + ["\x00", "\x1b", "\x7f", "\x85", "\u3000", "\u2028",
                                          "\u200b", "\u202e", "\ufeff", "\uff0f", "%2F", "%5C",
                                          "%0A", "http:", "https:", "javascript:", "//", "/\\"]
pieces = st.one_of(st.sampled_from(TRICKY), st.characters(codec="utf-8"))
texts = st.lists(pieces, max_size=12).map("".join)
targets = st.one_of(texts, texts.map(lambda s: "/" + s), texts.map(lambda s: "//" + s),
                    texts.map(lambda s: "/\\" + s), texts.map(lambda s: " /" + s))
PURE = settings(max_examples=1000, deadline=None)
SLOW = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def browser_origin(location: str) -> tuple[str, str]:
    """Scheme and host a browser goes to for ``location`` on a page of ``BASE`` (the WHATWG
    URL parser's steps that matter here: C0 controls and spaces trimmed, tabs and line breaks
    dropped, backslashes read as slashes)."""
    text = location.strip("".join(chr(c) for c in range(0x21)))
    text = re.sub("[\t\n\r]", "", text).replace("\\", "/")
    try:
        resolved = urlsplit(urljoin(BASE, text))
    except ValueError:  # a host no parser accepts: certainly not this one
        return "", "invalid"
    return resolved.scheme, resolved.netloc


def has_control(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)


@PURE
@given(targets)
@example("/queue?unit=350203&period=today")
@example("/\t/evil.example")
@example("/%2F%2Fevil.example")
@example("/" + "a" * MAX_TARGET)
def test_an_accepted_target_is_the_same_path_on_the_same_origin(target):
    accepted = safe_target(target)
    if accepted is not None:
        assert accepted == target
        assert browser_origin(accepted) == ("https", "dash.example"), target


@PURE
@given(targets)
def test_a_target_a_browser_would_read_as_another_origin_is_refused(target):
    if browser_origin(target) != ("https", "dash.example"):
        assert safe_target(target) is None, target


@pytest.mark.parametrize("target", ["/queue", "/warnings/12?x=1#top", "/统计", "/a/../b"])
def test_paths_of_this_site_are_kept(target):
    assert safe_target(target) == target


def answer_is_safe(response, target: str, fallback: str) -> None:
    if has_control(target):
        assert response.status_code == 400, (target, response.status_code)
        return
    assert response.status_code == 302, (target, response.status_code)
    location = response.headers["Location"]
    assert browser_origin(location) == ("https", "dash.example"), (target, location)
    if safe_target(target) is None:
        assert location == fallback, (target, location)


@SLOW
@given(targets)
@example("/x\r\nSet-Cookie: a=b")
@example("//evil.example")
def test_the_language_switch_goes_back_only_to_this_site(fresh_client, target):
    response = fresh_client().get(f"/lang/en?next={quote(target, safe='')}")
    answer_is_safe(response, target, "/")


def log_in(client, extra: dict):
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    return client.post("/login", data={"username": "officer", "password": PASSWORD,
                                       "csrf_token": token, **extra})


@pytest.fixture
def officer_home(fresh_client) -> str:
    """Where the officer lands after a login without ``next``."""
    return log_in(fresh_client(), {}).headers["Location"]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(targets)
@example("/x\r\nLocation: //evil.example")
@example("/\\evil.example")
def test_the_login_goes_on_only_to_this_site(fresh_client, officer_home, target):
    answer_is_safe(log_in(fresh_client(), {"next": target}), target, officer_home)
    query = fresh_client().get(f"/login?next={quote(target, safe='')}")
    assert query.status_code == (400 if has_control(target) else 200)


@pytest.mark.parametrize("here", ["/?unit=350203&period=month", "/funds?unit=350203&from=2026-10-01&to=2026-10-31",
                                  "/warnings/12", "/统计?a=%2F&b=c%20d"])
def test_the_language_switch_keeps_the_page_and_its_query(fresh_client, here):
    """The shell's switch link (``switch_href``) brings the browser back to the same path and query."""
    from dashboard.web.shell import switch_href

    href = switch_href("en", here)
    assert href.startswith("/lang/en?next=/") and "&" not in href.partition("?")[2]
    response = fresh_client().get(href)
    assert response.status_code == 302
    assert unquote(response.headers["Location"]) == unquote(here)
