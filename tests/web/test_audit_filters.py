"""The audit page's filters come from the browser: any value that does not parse is a message
naming the filter (200, zh-CN and en), never an error page and never a list filtered otherwise.

The oracle here reads each value as the page should, from its own rules: a
name or an action is text (an action one of ``audit.ACTIONS``), a date is
``YYYY-MM-DD`` (a date picker may add a time) between 2000-01-01 and
2099-12-31 and the start is not after the end, a page is a whole number from
1 to the number of pages.  Whatever the oracle accepts must list exactly the
entries a direct query finds; whatever it refuses must be the message
naming the first filter it refuses.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.domain import AuditEntry
from dashboard.domain.base import SHANGHAI
from dashboard.i18n import translate
from tests.web.dash_requests import find, post_callback

AUDIT = ("..audit-table.children...audit-summary.children...audit-page.max_value"
         "...audit-page.active_page..")
INPUTS = (("audit-user", "value"), ("audit-action", "value"), ("audit-dates", "start_date"),
          ("audit-dates", "end_date"), ("audit-page", "active_page"))
LABELS = {"username": "audit.filter.user", "action": "audit.filter.action",
          "start": "audit.filter.from", "end": "audit.filter.to", "dates": "audit.filter.dates",
          "page": "audit.filter.page"}
DAY = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(T[0-9:.]{0,15})?")

JUNK_TEXT = ["", "  ", "2026-13-45", "abc", "2026-02-30", "0001-01-01", "1999-12-31", "2100-01-01",
             "9999-12-31", "2026-11-22", "2026-11-22T00:00:00", "2026-11-22T09:00:00.000",
             "2026-11-22 junk", "2026-11-22\n", "２０２６-１１-２２", "login", "access_denied",
             "LOGIN", "officer", "auditor", "13912345678", "a\x00b", "x" * 65, "x" * 64, "-1", "1"]
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-3, max_value=3),
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(JUNK_TEXT),
    st.text(max_size=20), st.lists(st.none() | st.integers() | st.text(max_size=4), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers() | st.text(max_size=4), max_size=2))


class Refused(Exception):
    def __init__(self, field: str, reason: str, **params) -> None:
        self.field, self.reason, self.params = field, reason, params


def _text(value, field):
    if value is None:
        return None
    if not isinstance(value, str):
        raise Refused(field, "audit.error.not_text")
    value = value.strip()
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise Refused(field, "audit.error.control")
    return value or None


def _day(value, field):
    text = _text(value, field)
    if text is None:
        return None
    found = DAY.fullmatch(text)
    try:
        day = date.fromisoformat(found.group(1)) if found else None
    except ValueError:
        day = None
    if day is None:
        raise Refused(field, "audit.error.not_date")
    if not date(2000, 1, 1) <= day <= date(2099, 12, 31):
        raise Refused(field, "audit.error.date_range", earliest="2000-01-01", latest="2099-12-31")
    return day


def oracle(username, action, start, end, page, pages_of) -> tuple:
    """(username, action, first day, last day, page) as the page must read them, or ``Refused``."""
    name = _text(username, "username")
    if name is not None and len(name) > 64:
        raise Refused("username", "audit.error.too_long", max=64)
    code = _text(action, "action")
    if code is not None and code not in audit.ACTIONS:
        raise Refused("action", "audit.error.unknown_action")
    first, last = _day(start, "start"), _day(end, "end")
    if first and last and first > last:
        raise Refused("dates", "audit.error.start_after_end")
    if page is not None and (isinstance(page, bool) or not isinstance(page, int)):
        raise Refused("page", "audit.error.not_page")
    if page is not None and not 1 <= page <= 1_000_000:
        raise Refused("page", "audit.error.page_range", pages=1_000_000)
    pages = pages_of(name, code, first, last)
    if (page or 1) > pages:
        raise Refused("page", "audit.error.page_range", pages=pages)
    return name, code, first, last, page or 1


def matching(engine, name, code, first, last) -> int:
    conditions = []
    if name:
        conditions.append(AuditEntry.username == name.lower())
    if code:
        conditions.append(AuditEntry.action == code)
    if first:
        conditions.append(AuditEntry.at >= datetime.combine(first, time(), SHANGHAI))
    if last:
        conditions.append(AuditEntry.at < datetime.combine(last + timedelta(days=1), time(),
                                                           SHANGHAI))
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))


def show(client, values, changed="audit-page.active_page"):
    inputs = [{"id": component, "property": prop, "value": value}
              for (component, prop), value in zip(INPUTS, values, strict=True)]
    return post_callback(client, AUDIT, inputs, changed=[changed])


@pytest.fixture
def auditor(fresh_client):
    for _ in range(2):
        fresh_client("officer")
    return fresh_client("auditor")


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(values=st.tuples(JUNK, JUNK, JUNK, JUNK, JUNK), lang=st.sampled_from(["zh-CN", "en"]))
@example(values=(None, None, "2026-13-45", None, 1), lang="en")
@example(values=(None, None, "2026-11-23", "2026-11-22", 1), lang="zh-CN")
@example(values=(["officer"], None, None, None, 1), lang="en")
@example(values=(None, {"a": 1}, None, None, 1), lang="en")
@example(values=(None, None, None, None, 0), lang="en")
@example(values=(None, None, None, None, -5), lang="en")
@example(values=(None, None, None, None, 10**30), lang="en")
@example(values=(None, None, None, None, "2"), lang="en")
@example(values=(None, None, None, None, 2), lang="en")
@example(values=(None, None, None, None, True), lang="en")
@example(values=(None, None, None, None, 1.0), lang="en")
@example(values=(None, "no-such-action", None, None, 1), lang="zh-CN")
@example(values=("officer", "login", "2026-11-22", "2026-11-22", 1), lang="en")
@example(values=(None, None, "9999-12-31", None, None), lang="en")
@example(values=("x" * 65, None, None, None, 1), lang="en")
@example(values=("off\x85icer", None, None, None, 1), lang="zh-CN")
@example(values=(None, None, None, "2026-11-22 junk", 1), lang="en")
def test_any_filter_value_is_a_list_or_a_message_naming_the_filter(auditor, engine, values, lang):
    auditor.set_cookie("lang", lang)
    response = show(auditor, values)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    out = response.get_json()["response"]

    def pages_of(*wanted):
        return max(1, -(-matching(engine, *wanted) // 50))

    try:
        name, code, first, last, page = oracle(*values, pages_of)
    except Refused as refused:
        alert = out["audit-summary"]["children"]
        assert alert["props"]["id"] == "audit-refused", (values, alert)
        field = translate(LABELS[refused.field], lang)
        assert alert["props"]["children"] == translate(
            "audit.refused", lang, field=field,
            reason=translate(refused.reason, lang, **refused.params)), values
        assert find(out["audit-table"]["children"], "audit-rows") is None
        return
    rows = find(out["audit-table"]["children"], "audit-rows")["props"]["children"]
    total = matching(engine, name, code, first, last)
    assert len(rows) == min(50, total - 50 * (page - 1)), values
    assert out["audit-page"]["active_page"] == page
    assert out["audit-summary"]["children"] == translate(
        "audit.summary", lang, total=total, page=page, pages=pages_of(name, code, first, last))


def test_the_filters_list_what_they_name(auditor):
    response = show(auditor, ("officer", audit.LOGIN, "2026-11-22", "2026-11-22", 1))
    rows = find(response.get_json()["response"]["audit-table"]["children"], "audit-rows")
    assert len(rows["props"]["children"]) == 2


def test_a_changed_filter_starts_at_the_first_page(auditor):
    # page 3 of a filter with one page: a message when the page itself is asked for ...
    response = show(auditor, ("officer", None, None, None, 3))
    assert response.get_json()["response"]["audit-summary"]["children"]["props"]["id"] == (
        "audit-refused")
    # ... the first page when the filter changed under it
    response = show(auditor, ("officer", None, None, None, 3), changed="audit-user.value")
    out = response.get_json()["response"]
    assert out["audit-page"]["active_page"] == 1
    assert len(find(out["audit-table"]["children"], "audit-rows")["props"]["children"]) == 2
    # ... but a page that is no page is a message all the same
    response = show(auditor, ("officer", None, None, None, "3"), changed="audit-user.value")
    assert response.get_json()["response"]["audit-summary"]["children"]["props"]["id"] == (
        "audit-refused")
