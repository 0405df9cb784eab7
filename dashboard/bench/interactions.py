"""Each dashboard interaction through the real server code path, and its SQL re-run bare.

An interaction is what one user action makes the browser send: the page
router's request for a view, a callback, or an HTTP endpoint, through the
Flask test client logged in as the role that does it.  It is timed over
``runs`` after one warm-up; the SQL statements the warm-up sent are then
re-run on a plain connection as often (no Flask, Dash, ORM, figure or
JSON), which is the time of the bare queries for the same figures.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, event, select

from dashboard.bench.dash_protocol import CallFailed, callback_body, post, render
from dashboard.components.overview import REDRAWN
from dashboard.domain import OrgUnit
from dashboard.domain.base import now_local

CITY, COUNTY, STATION = "350200", "350203", "35020301"
LIVE = "..overview-live-counters.children...overview-live-hourly.figure.."
FLAGS = "overview-anomalies.children"
REDRAW = ".." + "...".join(f"{i}.{p}" for i, p in [*REDRAWN, ("overview-state", "data")]) + ".."
QUEUE = "..queue-rows.children...queue-summary.children...queue-pages.max_value...queue-pages.active_page.."


@dataclass
class Interaction:
    key: str        # message id suffix: bench.interaction.<key>
    role: str
    run: Callable   # run(client, context) -> None; raises CallFailed


def _overview(search: str):
    return lambda client, ctx: render(client, "/", search)


def map_click(client, dependencies: list, unit: str, code: str) -> str:
    """A click on unit ``code`` of the map of ``unit`` (month): the navigate callback's new URL query."""
    values = {"overview-period.value": "month", "overview-metric.value": "received",
              "overview-per.value": [], "overview-state.data": {"unit": unit, "period": "month"},
              "overview-map.clickData": {"points": [{"customdata": [0, 0, code]}]}}
    answer = post(client, callback_body(dependencies, "overview-url.search", values, "overview-map.clickData"))
    search = (answer.get("response") or {}).get("overview-url", {}).get("search")
    if not isinstance(search, str) or code not in search:
        raise CallFailed(f"map click on {code} answered {search!r}")
    return search


def live_poll(client, dependencies: list, unit: str) -> None:
    """The live panel's interval callback for ``unit`` (``CallFailed`` when it answers no counters)."""
    values = {"overview-live-tick.n_intervals": 1, "overview-state.data": {"unit": unit, "period": "month"}}
    answer = post(client, callback_body(dependencies, LIVE, values, "overview-live-tick.n_intervals"))
    if "overview-live-counters" not in (answer.get("response") or {}):
        raise CallFailed("live poll answered no counters")


def redraw(client, dependencies: list, search: str, current: dict) -> None:
    """The overview's new view for ``search`` from the view ``current``: what the page sends after
    a drill or a period change (``CallFailed`` when it answers no map)."""
    values = {"overview-url.search": search, "overview-state.data": current}
    answer = post(client, callback_body(dependencies, REDRAW, values, "overview-url.search"))
    if "overview-map" not in (answer.get("response") or {}):
        raise CallFailed(f"the view {search} redrew no map")


def anomaly_flags(client, dependencies: list, unit: str) -> None:
    """The overview's anomaly flags for ``unit``: the callback the browser sends as a view arrives."""
    values = {"overview-anomalies-tick.n_intervals": 0, "overview-state.data": {"unit": unit, "period": "month"}}
    body = callback_body(dependencies, FLAGS, values, "overview-anomalies-tick.n_intervals")
    answer = post(client, {**body, "changedPropIds": []})  # a first call: nothing changed
    if "overview-anomalies" not in (answer.get("response") or {}):
        raise CallFailed("anomaly flags answered nothing")


def _drill(client, ctx) -> None:
    """A click on a district of the map: the navigate callback, then the page redraws what changes."""
    search = map_click(client, ctx["dependencies"], CITY, COUNTY)
    redraw(client, ctx["dependencies"], search, {"unit": CITY, "period": "month"})


def _period_change(client, ctx) -> None:
    """This month to this year on the city's overview: what the page redraws."""
    redraw(client, ctx["dependencies"], f"?unit={CITY}&period=year", {"unit": CITY, "period": "month"})


def _live(client, ctx) -> None:
    live_poll(client, ctx["dependencies"], CITY)


def _queue(client, ctx) -> None:
    values = {"queue-pages.active_page": 1, "queue-tick.n_intervals": 1,
              "queue-sort.data": None, "queue-unit.value": None}
    answer = post(client, callback_body(ctx["dependencies"], QUEUE, values, "queue-tick.n_intervals"))
    if "queue-rows" not in answer.get("response", {}):
        raise CallFailed("queue answered no rows")


def _shapes(client, ctx) -> None:
    """The city map's district polygons, which the browser fetches once and then keeps."""
    response = client.get(f"/geo/{ctx['city']}/county.geojson")
    if response.status_code != 200 or len(response.get_json().get("features", [])) != len(ctx["counties"]):
        raise CallFailed(f"map shapes: HTTP {response.status_code}")


def _export(client, ctx) -> None:
    today = now_local().date()
    query = {"unit": ",".join(ctx["counties"]), "from": (today - timedelta(days=365)).isoformat(),
             "to": (today - timedelta(days=1)).isoformat(), "format": "xlsx", "lang": "zh-CN"}
    response = client.get("/api/v1/stats", query_string=query)
    if response.status_code != 200 or not response.data.startswith(b"PK"):
        raise CallFailed(f"export: HTTP {response.status_code} {response.get_data(as_text=True)[:200]}")


INTERACTIONS = [
    Interaction("overview_city", "leader", _overview("?period=month")),
    Interaction("overview_county", "leader", _overview(f"?unit={COUNTY}&period=month")),
    Interaction("overview_station", "leader", _overview(f"?unit={STATION}&period=month")),
    Interaction("drill", "leader", _drill),
    Interaction("map_shapes", "leader", _shapes),
    Interaction("year", "leader", _overview("?period=year")),
    Interaction("period_change", "leader", _period_change),
    Interaction("live_poll", "leader", _live),
    Interaction("anomaly_flags", "leader", lambda client, ctx: anomaly_flags(client, ctx["dependencies"], CITY)),
    Interaction("queue", "commander", _queue),
    Interaction("funds", "leader", lambda client, ctx: render(client, "/funds", "?period=month")),
    Interaction("cases", "leader", lambda client, ctx: render(client, "/cases", "?period=month")),
    Interaction("press_export", "press", _export),
]


class StatementLog:
    """The SQL the engines send while ``on`` (SELECTs only: what a view reads), each with its engine.

    With ``READ_DATABASE_URL`` the app has two engines (the primary's and the
    standby's); a statement is re-run bare on the engine that sent it.
    """

    def __init__(self, *engines: Engine) -> None:
        self.engines = list(dict.fromkeys(engines))  # one engine when reads are not replicated
        self.on, self.statements = False, []
        for engine in self.engines:
            event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, _cursor, statement, parameters, _context, executemany) -> None:
        if self.on and not executemany and statement.lstrip()[:6].upper() in ("SELECT", "WITH S"):
            self.statements.append((conn.engine, statement, parameters))

    def close(self) -> None:
        for engine in self.engines:
            event.remove(engine, "before_cursor_execute", self._seen)


def bare_sql_seconds(statements: list) -> list[float]:
    """One pass over ``statements`` (engine, SQL, parameters), each on a plain connection of its
    engine, every row fetched: seconds of each."""
    seconds, connections = [], {}
    try:
        for engine, statement, parameters in statements:
            if engine not in connections:
                conn = engine.connect()
                connections[engine] = (conn, conn.connection.dbapi_connection.cursor())
            cursor = connections[engine][1]
            started = time.perf_counter()
            cursor.execute(statement, parameters)
            cursor.fetchall()
            seconds.append(time.perf_counter() - started)
    finally:
        for conn, cursor in connections.values():
            cursor.close()
            # only SELECTs; a commit keeps psycopg's prepared statements, as the server's requests do
            conn.connection.dbapi_connection.commit()
            conn.close()
    return seconds


def summary(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    p95 = ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]  # nearest rank
    return {"median_ms": round(statistics.median(ordered) * 1000, 2), "p95_ms": round(p95 * 1000, 2),
            "runs": len(ordered)}


def measure(app, clients: dict, runs: int) -> list[dict]:
    """Every interaction timed ``runs`` times; a failing one is reported as not measured."""
    database = app.extensions["database"]
    engine = database.engine
    context = {"counties": [], "city": None, "dependencies": clients["leader"].get("/_dash-dependencies").get_json()}
    with engine.connect() as conn:
        context["counties"] = list(conn.scalars(
            select(OrgUnit.code).where(OrgUnit.level == "county").order_by(OrgUnit.code)))
        context["city"] = conn.scalar(select(OrgUnit.id).where(OrgUnit.level == "city"))
    log = StatementLog(engine, database.read_engine)
    results = []
    try:
        for item in INTERACTIONS:
            results.append(_measure_one(item, clients[item.role], context, log, runs))
    finally:
        log.close()
    return results


def _measure_one(item: Interaction, client, context, log: StatementLog, runs: int) -> dict:
    result = {"key": item.key, "role": item.role}
    log.statements, log.on = [], True
    try:
        item.run(client, context)  # warm-up; its SQL is what the bare runs repeat
    except CallFailed as exc:
        return {**result, "measured": False, "reason": str(exc)}
    finally:
        log.on = False
    served = []
    for _ in range(runs):
        started = time.perf_counter()
        item.run(client, context)
        served.append(time.perf_counter() - started)
    statements = list(log.statements)
    passes = [bare_sql_seconds(statements) for _ in range(runs)]
    server, sql = summary(served), summary([sum(p) for p in passes])
    ratio = round(server["median_ms"] / sql["median_ms"], 1) if sql["median_ms"] else None
    # the statement that took longest (median over the passes): where to look first
    each = [statistics.median(p[i] for p in passes) for i in range(len(statements))]
    slowest = max(range(len(statements)), key=each.__getitem__) if statements else None
    if len(log.engines) > 1:  # READ_DATABASE_URL: how many of them the read engine (the standby) ran
        result["read_statements"] = sum(1 for sent_by, *_ in statements if sent_by is log.engines[1])
    return {**result, "measured": True, "server": server, "sql": sql, "statements": len(statements),
            "ratio": ratio, "slowest_statement": None if slowest is None else {
                "median_ms": round(each[slowest] * 1000, 2),
                "sql": " ".join(statements[slowest][1].split())[:600]}}
