"""For random users and random unit filters, every row a query returns lies in the user's scope.

The oracle is written here from the unit paths alone: a leader, commander or
officer sees the subtree of their unit, a press officer the city, anyone else
(system roles, unknown roles, inactive users, users without a unit) nothing;
a unit filter narrows that to the filter's subtree if the filter lies inside
it, else to nothing.  The app answers through ``current_scope()``,
``scope_within()``, ``warnings_by_unit`` and a raw select.
"""

from __future__ import annotations

import pytest
from flask_login import login_user
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from dashboard.domain import OrgUnit, User, Warning
from dashboard.metrics.period import Period
from dashboard.metrics.volume import warnings_by_unit
from dashboard.web.access import current_scope, scope_within
from dashboard.web.database import request_session
from dashboard.web.login import SignedInUser
from tests.conftest import SEED_END

SUBTREE_ROLES = {"leader", "commander", "officer"}


@pytest.fixture(scope="module")
def units(seeded_engine) -> dict[int, str]:
    with seeded_engine.connect() as conn:
        return dict(conn.execute(select(OrgUnit.id, OrgUnit.path)).all())


def visible_prefix(role, unit_path, active, filter_path, city_path) -> str | None:
    """The path every visible row's unit must equal or lie below; None: no rows at all."""
    if not active or role not in SUBTREE_ROLES | {"press"}:
        return None
    base = city_path if role == "press" else unit_path
    if base is None:
        return None
    if filter_path is None:
        return base
    inside = filter_path == base or filter_path.startswith(base + "/")
    return filter_path if inside else None


def within(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_every_row_lies_in_the_users_scope(app, units, data):
    unit_ids = sorted(units)
    role = data.draw(st.sampled_from(["leader", "commander", "officer", "press", "sysadmin",
                                      "secadmin", "auditor", "intruder", None]), label="role")
    unit_id = data.draw(st.none() | st.sampled_from(unit_ids), label="unit")
    active = data.draw(st.booleans(), label="active")
    codes = sorted(path.rsplit("/", 1)[-1] for path in units.values())
    wanted = data.draw(st.none() | st.sampled_from(unit_ids) | st.integers(-5, 10**12)
                       | st.sampled_from(codes) | st.text(max_size=12), label="filter")
    level = data.draw(st.sampled_from(["county", "station"]), label="level")
    days = data.draw(st.integers(1, 800), label="days")

    city_path = next(p for p in units.values() if "/" not in p)
    filter_path = units.get(wanted, "missing") if isinstance(wanted, int) else None
    user = User(username="prop", display_name="prop", password_hash="-", role=role,
                unit_id=unit_id, is_active=active)
    period = Period.last_days(days, now=SEED_END)
    with app.test_request_context("/"):
        login_user(SignedInUser(user, "token"), force=True)
        session = request_session()
        if isinstance(wanted, str) and wanted:
            filter_path = None if "\x00" in wanted else session.scalar(  # PostgreSQL refuses NUL in text
                select(OrgUnit.path).where(OrgUnit.code == wanted.strip()))
            filter_path = filter_path or "missing"
        scope = scope_within(wanted if wanted != "" else None)
        by_unit = warnings_by_unit(session, scope, period, level)
        rows = session.execute(scope.filter_units(
            select(Warning.id, Warning.county_id, Warning.station_id).where(
                Warning.received_at >= period.start, Warning.received_at < period.end)
            .order_by(Warning.id).limit(500), Warning.county_id, Warning.station_id)).all()
        assert current_scope() == current_scope()  # computed once per request

    prefix = visible_prefix(role, units.get(unit_id), active,
                            None if wanted in (None, "") else filter_path, city_path)
    if prefix is None:
        assert rows == [] and by_unit.empty
        return
    assert all(within(units[r.station_id], prefix) for r in rows)
    assert all(within(units[u], prefix) for u in by_unit["unit_id"])
    expected_units = {u for u, p in units.items() if within(p, prefix)}
    assert set(by_unit["unit_id"]) <= expected_units


def _city_leader(units) -> None:
    """Log a leader of the city in, in the current request."""
    city_id = next(u for u, p in units.items() if "/" not in p)
    login_user(SignedInUser(User(username="l", display_name="l", password_hash="-",
                                 role="leader", unit_id=city_id, is_active=True), "t"), force=True)


def test_the_oracle_sees_something(app, units):
    """Guard against a vacuous property: a city leader over a year sees thousands of rows."""
    with app.test_request_context("/"):
        _city_leader(units)
        counts = warnings_by_unit(request_session(), current_scope(),
                                  Period.last_days(365, now=SEED_END), "station")
    assert counts["warnings"].sum() > 10_000


def test_a_unit_code_holding_nul_names_no_unit_on_either_database(app, units):
    """PostgreSQL refuses NUL in a text parameter: the code is never looked up, the scope is empty."""
    with app.test_request_context("/"):
        _city_leader(units)
        assert scope_within("350203\x00").is_empty
        assert not scope_within("350203").is_empty
