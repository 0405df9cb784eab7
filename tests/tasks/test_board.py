"""The board's queries and the unit performance metric, scoped to what each user may see."""

from __future__ import annotations

from datetime import timedelta

from dashboard.auth.scope import scope_of
from dashboard.commands.tasks import Acknowledge, Complete, Reject, Split
from dashboard.commands.tasks.escalation_pass import escalate_due
from dashboard.metrics.task_board import BoardFilter, board_rows, open_by_precinct, waiting_count
from tests.tasks.conftest import NOW


def rows_for(chain, session, name, now=NOW, **filters):
    user = chain.users[name]
    return board_rows(session, user, scope_of(session, user), now, BoardFilter(**filters))


def test_inbox_outbox_and_scope(chain, session):
    county_task = chain.issue(by="city_leader", to=["990001"], kind="publicity")
    station_task = chain.issue(by="commander", to=["99000102"])
    other = chain.issue(by="other_commander", to=["99000201"])
    assert rows_for(chain, session, "commander", box="inbox")["id"].tolist() == [county_task.id]
    assert rows_for(chain, session, "commander", box="outbox")["id"].tolist() == [station_task.id]
    assert set(rows_for(chain, session, "city_leader", box="scope")["id"]) == {
        county_task.id, station_task.id, other.id}
    assert rows_for(chain, session, "officer_b", box="inbox")["id"].tolist() == [station_task.id]
    # a sibling station sees nothing of it
    assert rows_for(chain, session, "officer", box="scope").empty
    assert rows_for(chain, session, "press", box="scope").empty


def test_overdue_first_then_escalated_then_by_deadline(chain, session, engine):
    later = chain.issue(kind="report_request", priority="low")                 # 3 days
    soon = chain.issue(kind="report_request", priority="high")                 # 8 hours
    overdue = chain.issue(kind="door_visit", priority="urgent")                # 30 minutes
    session.commit()
    at = NOW + timedelta(minutes=90)  # the high one's hour to acknowledge is over
    escalate_due(engine, at)
    session.expire_all()
    frame = rows_for(chain, session, "commander", now=at, box="outbox")
    assert frame["id"].tolist() == [overdue.id, soon.id, later.id]
    assert frame["overdue"].tolist() == [True, False, False]
    assert frame["escalated_for"].tolist()[:2] == ["overdue", "unacknowledged"]
    flagged = rows_for(chain, session, "commander", now=at, box="outbox", flag="overdue")
    assert flagged["id"].tolist() == [overdue.id]


def test_parent_rows_show_children_progress(chain, session):
    parent = chain.issue(by="city_leader", to=["990001"], kind="publicity")
    split = Split(chain.users["commander"], parent.id, parent.version,
                  target_units=["99000101", "99000102", "99000103"])
    split.run(session, NOW)
    first = split.children[0]
    Acknowledge(chain.users["officer"], first.id, first.version).run(session, NOW)
    Complete(chain.users["officer"], first.id, first.version, people_reached=40).run(session, NOW)
    row = rows_for(chain, session, "city_leader", box="outbox").iloc[0]
    assert (row["children_done"], row["children_total"]) == (1, 3)


def test_what_waits_for_whom(chain, session, engine):
    named = chain.issue(to=["99000101"], assignee_id=chain.users["officer"].id)
    chain.issue(to=["99000101"])
    chain.issue(to=["99000102"])
    rejected = chain.issue(to=["99000103"])
    Reject(chain.users["officer_c"], rejected.id, rejected.version, note="不属本所").run(session, NOW)
    assert waiting_count(session, chain.users["officer"]) == 2
    assert waiting_count(session, chain.users["officer_b"]) == 1
    assert waiting_count(session, chain.users["commander"]) == 1  # the rejected one
    assert waiting_count(session, chain.users["press"]) == 0
    assert waiting_count(session, chain.users["admin"]) == 0
    assert named.assignee_id == chain.users["officer"].id
    # a county task it has split waits on its stations, not on the county
    parent = chain.issue(by="city_leader", to=["990001"], kind="publicity")
    assert waiting_count(session, chain.users["commander"]) == 2
    Split(chain.users["commander"], parent.id, parent.version,
          target_units=["99000101"]).run(session, NOW)
    assert waiting_count(session, chain.users["commander"]) == 1


def test_open_tasks_by_precinct(chain, session):
    chain.issue(to=["99000101"])
    chain.issue(to=["99000101"], kind="door_visit", priority="urgent")
    chain.issue(by="city_leader", to=["990002"])
    city = scope_of(session, chain.users["city_leader"])
    stations = open_by_precinct(session, city, NOW + timedelta(hours=1), "station")
    by_code = dict(zip(stations["name_en"], stations["value"], strict=True))
    assert by_code["Unit 99000101"] == 2 and by_code["Unit 99000201"] == 0
    overdue = dict(zip(stations["name_en"], stations["overdue"], strict=True))
    assert overdue["Unit 99000101"] == 1
    counties = open_by_precinct(session, city, NOW, "county")
    assert dict(zip(counties["name_en"], counties["value"], strict=True)) == {
        "Unit 990001": 2, "Unit 990002": 1}
    county = scope_of(session, chain.users["commander"])
    assert len(open_by_precinct(session, county, NOW, "station")) == 3


