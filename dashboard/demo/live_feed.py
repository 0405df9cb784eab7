"""The live demo feed: new warnings and what follows them, as ingest API records.

``LiveFeed.new_warnings(now, n)`` makes ``n`` warnings drawn like the demo
history (``data/demo/calibration.json``: fraud-type mix and amounts,
channels, risk levels, busier central stations, made-up people) and plans
what happens to each: dissuasion attempts up the method ladder of its risk
level, the outcome, and for a loss an emergency stop-payment that is later
stopped and frozen.  ``LiveFeed.due(now)`` hands back the follow-ups whose
time has come, as ``{"outcomes": [...], "stop-payments": [...]}``.
``LiveFeed.adopt(warnings, now)`` plans the same for warnings that are open
already (the demo history's last hours, or an earlier run's), so that they
close as the new ones do instead of ageing past every deadline.

The feed's ``rate`` (new warnings a second, the mean over a week) is by
default ``usual_rate``: the level of the history it continues (the demo
city's calibrated level when none is given), so that its volume is what the
history makes usual.  A faster ``rate`` also makes time run ``speed`` times
faster than the calibration's minutes (the factor by which the rate exceeds
the usual one), so the live queue keeps the size it has in the history.
``dashboard.demo.feed_ticks`` decides how many warnings each moment gets
(the hour of the day and the day of the week, a surge, a pause).  Every
record carries times that are already past when it is handed out.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from dashboard.demo import people
from dashboard.demo.calibration import calibration
from dashboard.demo.history import ATTEMPTS_BY_OUTCOME, DURATION_MINUTES, LAST_RESULT, Stations

FAILED_RESULTS = (["no_answer", "hung_up", "not_convinced"], [0.5, 0.3, 0.2])
DISSUADED = ("dissuaded_no_loss", "dissuaded_partial_loss")


def natural_rate() -> float:
    """Warnings a second in the calibrated city (the last day's level, averaged over the day)."""
    return calibration()["daily_warnings"] / 86400


def hourly_factor(now: datetime) -> float:
    """How busy this hour is against the day's mean (the demo history's hourly rhythm)."""
    weights = np.array(calibration()["hour_weights"], dtype=float)
    return float(weights[now.hour] / weights.mean())


def weekday_factor(now: datetime) -> float:
    """How busy this day of the week is against the week's mean (as the demo history)."""
    weights = np.array(calibration()["weekday_factor"], dtype=float)
    return float(weights[now.weekday()] / weights.mean())


@dataclass(order=True)
class _Due:
    at: datetime
    seq: int
    kind: str = field(compare=False)
    record: dict = field(compare=False)


class LiveFeed:
    """Generates ingest records for one source; keeps the follow-ups it has planned."""

    def __init__(self, stations: Stations, *, source: str, rate: float | None = None,
                 usual_rate: float | None = None, seed: int | None = None, run_id: str | None = None) -> None:
        """``usual_rate``: the history's warnings a second (None: ``natural_rate()``);
        ``rate``: the feed's (None: the usual one)."""
        self.stations = stations
        self.source = source
        self.usual_rate = usual_rate or natural_rate()
        self.rate = rate or self.usual_rate
        self.speed = max(1.0, self.rate / self.usual_rate)
        self.rng = np.random.default_rng(seed)
        # no long digit runs in ids: they would look like personal numbers to the audit guard
        self.run_id = run_id or datetime.now().strftime("%Y%m%d-%H%M%S")
        self._numbers = itertools.count(1)
        self._queue: list[_Due] = []
        self._seq = itertools.count()

    def __len__(self) -> int:
        """Follow-ups planned and not yet due."""
        return len(self._queue)

    def _later(self, start: datetime, minutes: float) -> datetime:
        return start + timedelta(seconds=max(float(minutes), 0.0) * 60 / self.speed)

    def _plan(self, at: datetime, kind: str, record: dict) -> None:
        heapq.heappush(self._queue, _Due(at, next(self._seq), kind, record))

    def due(self, now: datetime) -> dict[str, list[dict]]:
        """The follow-ups planned up to ``now``, oldest first, by kind."""
        out: dict[str, list[dict]] = {"outcomes": [], "stop-payments": []}
        while self._queue and self._queue[0].at <= now:
            item = heapq.heappop(self._queue)
            out[item.kind].append(item.record)
        return out

    def cancel(self, warnings: list[dict]) -> None:
        """Forget the follow-ups of warnings that never reached the server."""
        gone = {w["external_id"] for w in warnings}
        self._queue = [d for d in self._queue if d.record["warning_external_id"] not in gone]
        heapq.heapify(self._queue)

    def new_warnings(self, now: datetime, n: int, weights: np.ndarray | None = None) -> list[dict]:
        """``n`` warnings received just now, their follow-ups planned.

        ``weights``: the chance of each station (default the stations' own weights).
        """
        if n <= 0:
            return []
        cal, rng = calibration(), self.rng
        types = cal["fraud_types"]
        type_codes = rng.choice(list(types), size=n, p=_share([t["weight"] for t in types.values()]))
        channels = rng.choice(list(cal["channels"]), size=n, p=_share(cal["channels"].values()))
        risks = rng.choice(list(cal["risk_levels"]), size=n, p=_share(cal["risk_levels"].values()))
        station_idx = rng.choice(len(self.stations.codes), size=n,
                                 p=self.stations.weights if weights is None else weights)
        names, phones = people.names(rng, n), people.mobiles(rng, n)
        ids, accounts = people.id_numbers(rng, n), people.bank_accounts(rng, n)
        records = []
        for i in range(n):
            fraud_type, channel = str(type_codes[i]), str(channels[i])
            risk = "high" if channel == "transfer" and rng.random() < cal["high_risk_if_transfer"] \
                else str(risks[i])
            amount = int(max(100, round(types[fraud_type]["median_amount"]
                                        * np.exp(types[fraud_type]["sigma"] * rng.standard_normal()))))
            received = now - timedelta(seconds=float(rng.uniform(0, 20)))  # upstream's own clock
            person = {"name": names[i], "phone": phones[i], "id_number": ids[i]}
            if channel == "transfer" or rng.random() < 0.25:
                person["bank_account"] = accounts[i]
            s = int(station_idx[i])
            record = {
                "source": self.source, "external_id": f"SIM-{self.run_id}-{next(self._numbers):07d}",
                "received_at": received.isoformat(timespec="seconds"), "fraud_type": fraud_type,
                "risk_level": risk, "channel": channel, "person": person,
                "station_code": self.stations.codes[s],
                "lon": round(float(self.stations.lon[s] + rng.normal(0, 0.004)), 6),
                "lat": round(float(self.stations.lat[s] + rng.normal(0, 0.004)), 6),
                "amount_at_risk": amount,
            }
            records.append(record)
            self._plan_attempts(record, now, s)
        return records

    def adopt(self, warnings: list[dict], now: datetime) -> None:
        """Plan the attempts, outcome and stop-payment of warnings already open, from ``now``.

        Each of ``warnings`` has ``source``, ``external_id``, ``risk_level``,
        ``amount_at_risk`` and ``station_id`` (None: a station drawn as for a
        new warning).  Their records name the warning's own source and carry
        this run's id, so that a later run adopting what is still open does
        not repeat an id.
        """
        index = {int(station_id): i for i, station_id in enumerate(self.stations.ids)}
        for warning in warnings:
            station = index.get(warning["station_id"])
            if station is None:
                station = int(self.rng.choice(len(self.stations.ids), p=self.stations.weights))
            self._plan_attempts(warning, now, station, ids=f"{warning['external_id']}-{self.run_id}")

    def _reference(self, warning: dict) -> dict:
        """How a follow-up names its warning: by external id, and by source when not the feed's."""
        reference = {"warning_external_id": warning["external_id"]}
        if warning.get("source", self.source) != self.source:
            reference["warning_source"] = warning["source"]
        return reference

    def _plan_attempts(self, warning: dict, now: datetime, station: int, ids: str | None = None) -> None:
        """The dissuasion attempts of one warning, the last one closing it with its outcome.

        ``ids``: the stem of the records' external ids (default the warning's).
        """
        ids = ids or warning["external_id"]
        cal, rng = calibration(), self.rng
        risk, amount = warning["risk_level"], warning["amount_at_risk"]
        outcomes = cal["outcomes_by_risk"][risk]
        outcome = str(rng.choice(list(outcomes), p=_share(outcomes.values())))
        values, p = ATTEMPTS_BY_OUTCOME[outcome]
        tries = int(rng.choice(values, p=p))
        ladder = cal["method_ladder"][risk]
        methods = ([("sms", "delivered")] if risk == "low" else []) + [
            (ladder[min(k, len(ladder) - 1)],
             str(rng.choice(FAILED_RESULTS[0], p=FAILED_RESULTS[1]))) for k in range(tries)]
        last_method = "door_visit" if outcome == "unreachable" else methods[-1][0]
        methods[-1] = (last_method, LAST_RESULT[outcome])
        officer = f"{self.stations.codes[station]}-{int(rng.integers(1, cal['officers_per_station'] + 1)):02d}"

        median = cal["first_contact_median_minutes"][risk]
        contact = self._later(now, median * np.exp(0.8 * rng.standard_normal()))
        start = self._later(now, 1) if risk == "low" else contact  # low risk: an SMS first
        for k, (method, result) in enumerate(methods, start=1):
            low, high = DURATION_MINUTES[method]
            end = self._later(start, rng.uniform(low, high))
            record = {
                "source": self.source, "external_id": f"{ids}-A{k}", **self._reference(warning),
                "method": method, "result": result,
                "officer": officer, "started_at": start.isoformat(timespec="seconds"),
                "ended_at": end.isoformat(timespec="seconds"),
            }
            if k == len(methods):
                loss = _loss(rng, outcome, amount)
                record.update(outcome=outcome, closed_at=end.isoformat(timespec="seconds"), loss=loss,
                              loss_avoided=amount - loss if outcome in DISSUADED else 0)
                if loss and rng.random() < cal["stop_payment_share_of_losses"]:
                    self._plan_stop_payment(warning, end, loss, ids)
            self._plan(end + timedelta(seconds=1), "outcomes", record)
            if method == "sms":
                start = max(contact, end)
            else:
                start = self._later(end, rng.uniform(15, 60) if method == "door_visit" else rng.uniform(1, 10))

    def _plan_stop_payment(self, warning: dict, reported: datetime, loss: int, ids: str) -> None:
        """Request within minutes; stopped and frozen later, each sent again as a legal update."""
        cal, rng = calibration(), self.rng
        requested = self._later(reported, cal["stop_payment_median_minutes"] * np.exp(0.9 * rng.standard_normal()))
        record = {
            "source": self.source, "external_id": f"{ids}-S", **self._reference(warning),
            "account": people.bank_accounts(rng, 1)[0], "bank": str(rng.choice(cal["banks"])),
            "reported_at": reported.isoformat(timespec="seconds"),
            "requested_at": requested.isoformat(timespec="seconds"), "requested_amount": loss,
        }
        self._plan(requested + timedelta(seconds=1), "stop-payments", dict(record))
        if rng.random() >= cal["stop_success_share"]:
            return
        stopped = self._later(requested, rng.uniform(1, 25))
        record.update(stopped_at=stopped.isoformat(timespec="seconds"),
                      stopped_amount=int(round(loss * rng.uniform(0.3, 1.0))))
        self._plan(stopped + timedelta(seconds=1), "stop-payments", dict(record))
        if rng.random() >= cal["freeze_share_of_stopped"]:
            return
        frozen = self._later(stopped, rng.uniform(10, 360))
        record.update(frozen_at=frozen.isoformat(timespec="seconds"),
                      frozen_amount=int(round(record["stopped_amount"] * rng.uniform(0.85, 1.0))))
        self._plan(frozen + timedelta(seconds=1), "stop-payments", dict(record))


def _share(weights) -> np.ndarray:
    p = np.array(list(weights), dtype=float)
    return p / p.sum()


def _loss(rng, outcome: str, amount: int) -> int:
    """The money lost by the time the warning closes (as the history settles it)."""
    u = rng.random()
    share = {"dissuaded_partial_loss": rng.uniform(0.05, 0.4), "defrauded": rng.uniform(0.5, 1.0),
             "refused": rng.uniform(0.3, 1.0) if u < 0.4 else 0.0,
             "unreachable": rng.uniform(0.3, 1.0) if u < 0.25 else 0.0}.get(outcome, 0.0)
    return int(round(amount * share))
