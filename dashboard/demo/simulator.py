"""Post the live demo feed through the real ingest API, at a rate, until told to stop.

``IngestClient`` posts JSON batches with a bearer token to one base URL on
this machine: the host must be loopback (the feed is made up and must never
reach a real server), proxies from the environment are ignored and
redirects are not followed.  ``run_feed`` steps a ``FeedTicks`` twice a
second with the wall clock and posts what it hands back: the new warnings
first, then the follow-ups that have come due.  It stops after ``minutes``,
when ``stop`` is set, or when the server refuses the token.  Each batch
posted, or not delivered, is one line in the log ``dashboard.simulate``;
a server that cannot be reached costs the batch, never the feed.

``usual_rate`` reads the volume the anomaly method finds usual (the feed's
default rate), ``surge_unit`` the unit named by ``--surge``.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import numpy as np
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dashboard.demo.feed_ticks import FeedTicks, Surge
from dashboard.demo.history import Stations
from dashboard.demo.seed import _stations  # the demo history's own weighting
from dashboard.domain import OrgUnit, Warning
from dashboard.domain.aggregates import WarningHour
from dashboard.domain.base import now_local
from dashboard.metrics.anomalies import BASELINE_WEEKS

KINDS = ("warnings", "outcomes", "stop-payments")
TICK_SECONDS = 0.5
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
log = logging.getLogger("dashboard.simulate")


class FeedError(RuntimeError):
    """The feed cannot go on; ``reason`` is a message id suffix, ``params`` its values."""

    def __init__(self, reason: str, **params) -> None:
        super().__init__(f"{reason}: {params}")
        self.reason = reason
        self.params = params


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: D102 - a redirect is an error here
        return None


class IngestClient:
    """POST batches to ``<url>/api/v1/<kind>`` with ``Authorization: Bearer <token>``."""

    def __init__(self, url: str, token: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not is_loopback(parts.hostname):
            raise FeedError("not_loopback", url=url)
        self.base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
        self.token = token
        self.timeout = timeout
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())

    def post(self, kind: str, records: list[dict]) -> dict:
        """The API's answer to one batch; ``FeedError`` when it is not a 200."""
        request = urllib.request.Request(
            f"{self.base}/api/v1/{kind}", method="POST",
            data=json.dumps(records, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"})
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            if exc.code == 401:
                raise FeedError("token_refused", url=self.base) from None
            raise FeedError("http_error", url=self.base, status=exc.code) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise FeedError("unreachable", url=self.base, detail=str(reason)) from None


@dataclass
class FeedStats:
    """What was posted: results by kind and status, records lost, and the first errors."""

    counts: dict[str, dict[str, int]] = field(default_factory=lambda: {
        k: dict.fromkeys(("inserted", "duplicate", "updated", "rejected"), 0) for k in KINDS})
    lost: int = 0
    errors: list[dict] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return sum(c["rejected"] for c in self.counts.values())

    def add(self, kind: str, answer: dict, records: list[dict]) -> None:
        for result in answer.get("results", []):
            self.counts[kind][result["status"]] += 1
            if result["status"] == "rejected" and len(self.errors) < 20:
                record = records[result["index"]]
                self.errors.append({"kind": kind, "external_id": record.get("external_id"),
                                    "errors": result.get("errors", [])})


def demo_stations(session: Session) -> Stations:
    """The stations of the database, weighted as the demo history weights them."""

    if session.scalar(select(OrgUnit.id).where(OrgUnit.level == "station").limit(1)) is None:
        raise FeedError("no_stations")
    return _stations(session)


def open_warnings(session: Session, sources: tuple[str, ...]) -> list[dict]:
    """The warnings of ``sources`` not closed yet, as ``LiveFeed.adopt`` takes them."""

    rows = session.execute(
        select(Warning.source, Warning.external_id, Warning.risk_level, Warning.amount_at_risk,
               Warning.station_id)
        .where(Warning.status != "closed", Warning.source.in_(sources))
        .order_by(Warning.received_at)).all()
    return [row._asdict() for row in rows]


def usual_rate(session: Session, now: datetime | None = None) -> float | None:
    """Warnings a second that the anomaly method finds usual at ``now``; None when it finds none.

    The mean over the ``BASELINE_WEEKS`` weeks before ``now``, the weeks
    the volume spike test compares the last hours with: weeks without
    warnings (a history that ended some weeks ago, or began less than
    eight weeks ago) count as such, so a feed at this rate looks as usual
    to the test as the history does.
    """

    now = now or now_local()
    span = timedelta(weeks=BASELINE_WEEKS)
    total = session.scalar(select(func.coalesce(func.sum(WarningHour.received), 0))
                           .where(WarningHour.hour >= now - span, WarningHour.hour < now))
    return int(total) / span.total_seconds() or None


def surge_unit(session: Session, stations: Stations, value: str) -> Surge:
    """The station or county whose code or name is ``value`` (``FeedError`` when there is none)."""

    value = (value or "").strip()
    rows = session.scalars(select(OrgUnit).where(
        OrgUnit.level.in_(("station", "county")),
        or_(OrgUnit.code == value, OrgUnit.name_zh == value,
            func.lower(OrgUnit.name_en) == value.lower()))).all()
    rows = [r for r in rows if r.code == value] or rows
    if not value or not rows:
        raise FeedError("surge_unknown", value=value)
    if len(rows) > 1:
        raise FeedError("surge_ambiguous", value=value, codes=", ".join(sorted(r.code for r in rows)))
    unit = rows[0]
    ids = stations.ids if unit.level == "station" else stations.county_ids
    indexes = tuple(int(i) for i in np.flatnonzero(ids == unit.id))
    if not indexes:
        raise FeedError("surge_no_stations", value=value)
    return Surge(unit.code, unit.name_zh, unit.name_en, indexes)


def run_feed(ticks: FeedTicks, client: IngestClient, *, minutes: float | None = None,
             stop: threading.Event | None = None, report: Callable[[FeedStats], None] | None = None,
             report_every: float = 60.0) -> FeedStats:
    """Post the feed until ``minutes`` have passed or ``stop`` is set; the stats of what was posted.

    A batch the server cannot be reached for is counted in ``lost`` (its
    warnings' follow-ups are dropped) and the feed goes on; a refused token
    raises ``FeedError``.
    """
    stop = stop or threading.Event()
    stats = FeedStats()
    started = last_report = time.monotonic()
    deadline = started + minutes * 60 if minutes is not None else None
    while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
        tick_start = time.monotonic()
        batches = ticks.step(now_local())
        warnings = batches.pop("warnings", [])
        if warnings and not _post(client, "warnings", warnings, stats):
            ticks.feed.cancel(warnings)
        for kind, records in batches.items():
            if records:
                _post(client, kind, records, stats)
        if report and time.monotonic() - last_report >= report_every:
            report(stats)
            last_report = time.monotonic()
        stop.wait(max(0.0, TICK_SECONDS - (time.monotonic() - tick_start)))
    return stats


def _post(client: IngestClient, kind: str, records: list[dict], stats: FeedStats) -> bool:
    for start in range(0, len(records), 1000):
        chunk = records[start:start + 1000]
        try:
            answer = client.post(kind, chunk)
        except FeedError as exc:
            if exc.reason == "token_refused":
                log.error("stopped: %s refused the token", exc.params.get("url"))
                raise
            stats.lost += len(records) - start  # this chunk and the ones after it
            if len(stats.errors) < 20:
                stats.errors.append({"kind": kind, "failure": exc.reason, **exc.params})
            log.warning("not delivered %s: %d records (%s); the feed goes on", kind, len(records) - start,
                        _failure(exc))
            return False
        stats.add(kind, answer, chunk)
        counts = {status: 0 for status in ("inserted", "duplicate", "updated", "rejected")}
        for result in answer.get("results", []):
            counts[result["status"]] = counts.get(result["status"], 0) + 1
        log.info("sent %s: %d records (%s)", kind, len(chunk),
                 ", ".join(f"{status} {count}" for status, count in counts.items()))
    return True


def _failure(exc: FeedError) -> str:
    """``unreachable: connection refused``, ``http_error: 503``: what went wrong, in one line."""
    detail = exc.params.get("detail") or exc.params.get("status")
    return f"{exc.reason}: {' '.join(str(detail).split())}" if detail else exc.reason


def wait_until_up(url: str, timeout: float = 60.0, stop: threading.Event | None = None) -> bool:
    """Poll ``<url>/healthz`` until it answers 200 (True) or ``timeout`` passes (False)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not (stop and stop.is_set()):
        try:
            with opener.open(f"{url.rstrip('/')}/healthz", timeout=5) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    return False
