"""Factories for raw rows: a tiny command chain and warnings, attempts, funds, cases, events."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from dashboard.domain import Case, Dissuasion, OrgUnit, PublicityEvent, StopPayment, Warning

RESPONSE_MINUTES = {"high": 15, "medium": 60, "low": 240}
_serial = itertools.count(1)


def build_chain(session: Session, populations=(1_000_000, 400_000, 600_000)) -> dict[str, OrgUnit]:
    """City 990000 with counties 990001 (stations 99000101, 99000102) and 990002 (99000201)."""
    city = OrgUnit(code="990000", name_zh="测试市局", name_en="Test City Bureau", level="city",
                   path="990000", population=populations[0])
    session.add(city)
    session.flush()
    units = {"city": city}
    for county_code, stations, population in (("990001", ["99000101", "99000102"], populations[1]),
                                              ("990002", ["99000201"], populations[2])):
        county = OrgUnit(code=county_code, name_zh=f"分局{county_code}", name_en=f"Sub-bureau {county_code}",
                         level="county", parent_id=city.id, path=f"990000/{county_code}",
                         population=population)
        session.add(county)
        session.flush()
        units[county_code] = county
        for code in stations:
            station = OrgUnit(code=code, name_zh=f"派出所{code}", name_en=f"Station {code}",
                              level="station", parent_id=county.id, path=f"{county.path}/{code}",
                              population=population // len(stations))
            session.add(station)
            units[code] = station
    session.flush()
    return units


def make_warning(station: OrgUnit, received_at: datetime, *, fraud_type="investment", risk="medium",
                 amount=10_000, channel="call") -> Warning:
    """An open warning routed to ``station`` (not yet added to a session)."""
    n = next(_serial)
    return Warning(
        source="test", external_id=f"T{n:08d}", received_at=received_at, fraud_type=fraud_type,
        risk_level=risk, channel=channel, county_id=station.parent_id, station_id=station.id,
        status="dispatched", deadline_at=received_at + timedelta(minutes=RESPONSE_MINUTES[risk]),
        amount_at_risk=amount,
    )


def attempt(warning: Warning, method: str, started_at: datetime, result: str) -> Dissuasion:
    return Dissuasion(warning=warning, method=method, started_at=started_at,
                      ended_at=started_at + timedelta(minutes=3), result=result, officer="T-01")


def close(warning: Warning, outcome: str, closed_at: datetime, loss: int = 0,
          dissuaded: bool = True) -> None:
    warning.status, warning.outcome, warning.closed_at = "closed", outcome, closed_at
    warning.loss = loss
    warning.loss_avoided = (warning.amount_at_risk - loss) if dissuaded else 0


def make_stop_payment(station: OrgUnit, requested_at: datetime, amount: int) -> StopPayment:
    n = next(_serial)
    return StopPayment(county_id=station.parent_id, station_id=station.id, account=f"6222{n:012d}",
                       bank="测试银行", reported_at=requested_at - timedelta(minutes=5),
                       requested_at=requested_at, requested_amount=amount)


def make_case(station: OrgUnit, reported_at: datetime, loss: int, fraud_type="investment") -> Case:
    n = next(_serial)
    return Case(number=f"A{n:010d}", reported_at=reported_at, fraud_type=fraud_type,
                county_id=station.parent_id, station_id=station.id, loss=loss, status="filed")


def make_publicity(unit: OrgUnit, day: date, kind="lecture", reach=100) -> PublicityEvent:
    county_id = unit.id if unit.level == "county" else unit.parent_id if unit.level == "station" else None
    return PublicityEvent(day=day, unit_id=unit.id, county_id=county_id, kind=kind, reach=reach)


def provision_account(session: Session, username: str, role: str, unit_code: str | None,
                      password: str, now: datetime | None = None):
    """An account ready to log in, made the way the product makes one: created (no role) at
    the console, then granted its business role by another person; an administrator is made
    at the console with its role.  The password is the account's own (no forced change)."""
    from dashboard.auth.permissions import roles
    from dashboard.commands.create_user import CreateUser
    from dashboard.commands.grant_role import GrantRole

    administrator = roles()[role].is_administrator
    user = CreateUser("test:sysadmin", username, password,
                      role=role if administrator else None).run(session, now=now)
    if not administrator:
        GrantRole("test:secadmin", user.id, role, unit_code).run(session, now=now)
    user.must_change_password = False
    return user
