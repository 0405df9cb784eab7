"""The warning queue: one page out of 100,000 open warnings, urgency order, filters, masking."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from dashboard.auth.scope import scope_for_unit
from dashboard.domain.base import SHANGHAI
from dashboard.metrics.queue import QueueFilter, warning_queue
from tests.factories import build_chain, make_warning

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)
OPEN = 100_000
RISKS = ("high", "medium", "low")
MINUTES = {"high": 15, "medium": 60, "low": 240}


def bulk_open_warnings(session: Session, stations, count: int) -> None:
    """``n`` (up to 100,000) open warnings over three stations, made by the database itself.

    One ``INSERT ... SELECT`` over five joined copies of a table of digits: warning ``k``
    goes to station ``k % 3`` with risk ``high``/``medium``/``low`` by ``k % 3``, received
    ``k % 600`` minutes before ``NOW`` (the 600 times and their deadlines sit in a small
    table, so the SQL is the same on SQLite and PostgreSQL).
    """
    connection = session.connection()
    connection.exec_driver_sql("CREATE TEMPORARY TABLE digits (d INTEGER)")
    connection.exec_driver_sql("CREATE TEMPORARY TABLE times (k INTEGER PRIMARY KEY, received TIMESTAMP, "
                               "high TIMESTAMP, medium TIMESTAMP, low TIMESTAMP)")
    connection.execute(text("INSERT INTO digits (d) VALUES (:d)"), [{"d": d} for d in range(10)])
    start = NOW.replace(tzinfo=None)  # stored as naive Shanghai wall time
    times = []
    for k in range(600):
        received = start - timedelta(minutes=k, seconds=k % 60)
        times.append({"k": k, "received": received,
                      **{risk: received + timedelta(minutes=MINUTES[risk]) for risk in RISKS}})
    connection.execute(text("INSERT INTO times VALUES (:k, :received, :high, :medium, :low)"), times)
    a, b, c = (station.id for station in stations)
    county = {s.id: s.parent_id for s in stations}
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:  # skip the per-row foreign-key triggers: the codes and units above exist
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
    connection.execute(text(f"""
        INSERT INTO warnings (source, external_id, received_at, fraud_type, risk_level, channel,
                              county_id, station_id, status, deadline_at, amount_at_risk, loss,
                              loss_avoided, version)
        SELECT 'bulk', 'B' || CAST(n AS TEXT), t.received, 'investment',
               CASE n % 3 WHEN 0 THEN 'high' WHEN 1 THEN 'medium' ELSE 'low' END, 'call',
               CASE n % 3 WHEN 0 THEN {county[a]} WHEN 1 THEN {county[b]} ELSE {county[c]} END,
               CASE n % 3 WHEN 0 THEN {a} WHEN 1 THEN {b} ELSE {c} END, 'dispatched',
               CASE n % 3 WHEN 0 THEN t.high WHEN 1 THEN t.medium ELSE t.low END,
               1000 + n, 0, 0, 1
        FROM (SELECT d1.d + 10 * d2.d + 100 * d3.d + 1000 * d4.d + 10000 * d5.d AS n
              FROM digits d1, digits d2, digits d3, digits d4, digits d5) AS numbers
        JOIN times t ON t.k = n % 600
        WHERE n < {int(count)}"""))
    if postgresql:
        connection.exec_driver_sql("SET LOCAL session_replication_role = origin")


def test_a_page_of_50_out_of_100000_open_warnings_fetches_51_rows(engine):
    with Session(engine) as session:
        units = build_chain(session)
        bulk_open_warnings(session, [units["99000101"], units["99000102"], units["99000201"]], OPEN)
        closed = make_warning(units["99000101"], NOW - timedelta(minutes=5), risk="high")
        closed.status = "closed"
        session.add(closed)
        session.flush()
        statements: list[tuple[str, object]] = []

        def capture(_conn, _cursor, statement, parameters, _context, _many):
            statements.append((statement, parameters))

        connection = session.connection()
        event.listen(connection, "after_cursor_execute", capture)
        try:
            page = warning_queue(session, scope_for_unit(units["city"]), NOW, offset=50, limit=50)
        finally:
            event.remove(connection, "after_cursor_execute", capture)
        assert page.total == OPEN and len(page.rows) == 50 and page.offset == 50
        # replay what the query sent and count the rows each statement hands back
        fetched = [(s, len(connection.exec_driver_sql(s, p).fetchall())) for s, p in statements]
        assert sorted(n for s, n in fetched if "FROM warnings" in s) == [1, 50]  # count, page
        assert sum(n for _, n in fetched) < 100  # besides: reference codes, a few rows each
        # urgency: high risk first; among them not yet contacted, earliest deadline first
        assert set(page.rows["risk_level"]) == {"high"}
        deadlines = list(page.rows["deadline_at"])
        assert deadlines == sorted(deadlines)
        last = warning_queue(session, scope_for_unit(units["990002"]), NOW, offset=33_300, limit=50)
        assert last.total == 33_333 and len(last.rows) == 33 and set(last.rows["risk_level"]) == {"low"}
        session.rollback()


def test_filters_sort_and_masking(engine):
    with Session(engine) as session:
        units = build_chain(session)
        station = units["99000101"]
        made = []
        for minutes, risk, fraud_type in ((50, "low", "investment"), (40, "high", "fake_loan"),
                                          (30, "medium", "investment"), (20, "high", "investment")):
            warning = make_warning(station, NOW - timedelta(minutes=minutes), risk=risk,
                                   fraud_type=fraud_type, amount=minutes * 1000)
            warning.person_name, warning.person_phone = "李小龙", "13912345678"
            made.append(warning)
        made[3].first_contact_at = NOW - timedelta(minutes=15)  # reached: after the other high one
        made[2].status = "in_progress"
        neighbour = make_warning(units["99000102"], NOW, risk="high")
        session.add_all([*made, neighbour])
        session.flush()
        scope = scope_for_unit(station)

        def ids(**kwargs):
            return list(warning_queue(session, scope, NOW, **kwargs).rows["id"])

        w = [m.id for m in made]
        assert ids() == [w[1], w[3], w[2], w[0]]
        assert ids(wanted=QueueFilter.of(["high", "nonsense"])) == [w[1], w[3]]
        assert ids(wanted=QueueFilter.of(None, "investment", ["in_progress"])) == [w[2]]
        assert ids(wanted=QueueFilter.of(statuses="closed")) == ids()  # only open statuses count
        assert ids(sort=[("waited", True)]) == w  # longest first
        assert ids(sort=[("amount_at_risk", True)]) == w
        assert ids(sort=[("no_such_column", True)]) == ids()
        rows = warning_queue(session, scope, NOW).rows
        assert set(rows["person"]) == {"李** · 139****5678"}
        assert "13912345678" not in rows.to_json(force_ascii=False, date_format="iso")
        first = rows.iloc[0]
        assert (first["minutes_waited"], first["minutes_left"], first["overdue"]) == (40, -25, True)
        assert not rows.iloc[1]["overdue"]  # reached, though past its deadline
        session.rollback()
