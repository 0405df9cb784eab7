"""The aggregate tables computed with pandas from frames of raw rows, for bulk loads.

The demo loader has every generated row in memory as DataFrames; summing
them here costs about a second for two years of a large city, where the SQL
``rebuild`` would re-read the whole history (a minute on SQLite).  The
definitions are those of ``dashboard.aggregates.rebuild``; a test checks
that a seeded database's aggregates equal a rebuild.

Feed the loader's frames chunk by chunk (``add_warnings`` etc.), then take
``frames()``: one DataFrame per aggregate table, columns named as the
table's.  Frames may be split anywhere (a warning closed in a later chunk's
month is fine): partial sums are added up at the end.  The demo generator
sums each chunk in its worker process and the loader ``merge``s the parts.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from dashboard.domain.aggregates import (
    COUNTY_TWINS,
    MONTH_TWINS,
    RESPONSE_BUCKETS,
    CaseDay,
    DissuasionDay,
    FraudTypeDay,
    FundsDay,
    OutcomeDay,
    PublicityDay,
    ResponseDay,
    WarningDay,
    WarningHour,
    bucket_column,
)

DOOR_VISIT = "door_visit"
STATION = ["station_id", "day", "county_id"]
BUCKET_LOWER = np.array(RESPONSE_BUCKETS, dtype=np.int64)


def _day(times: pd.Series) -> np.ndarray:
    """Local days (times are naive local already), as datetime64 for fast grouping."""
    return times.to_numpy().astype("datetime64[D]")


def wait_buckets(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    """Histogram buckets (lower bounds in minutes) of the waits from ``earlier`` to ``later``.

    The same as ``response_bucket``: whole minutes rounded down, negatives 0.
    """
    seconds = (later.to_numpy() - earlier.to_numpy()).astype("timedelta64[s]").astype(np.int64)
    minutes = np.maximum(seconds, 0) // 60
    return BUCKET_LOWER[np.searchsorted(BUCKET_LOWER, minutes, side="right") - 1]


class AggregateFrames:
    """Partial sums of every aggregate table, added chunk by chunk."""

    def __init__(self, results: dict[str, tuple[bool, bool]]) -> None:
        self.results = results  # dissuasion result code -> (reached, dissuaded)
        self.parts: dict[type | str, list[pd.DataFrame]] = defaultdict(list)

    def _add(self, model, frame: pd.DataFrame, keys: list[str]) -> None:
        if len(frame):
            self.parts[model].append(frame.groupby(keys, as_index=False, dropna=False).sum())

    @classmethod
    def for_reference(cls) -> AggregateFrames:
        """Empty sums, with the dissuasion results' flags read from the reference list."""
        from dashboard.domain.reference import DissuasionResult
        from dashboard.ingest.reference import read_reference_file

        return cls({row["code"]: (row["reached"], row["dissuaded"])
                    for row in read_reference_file(DissuasionResult)})

    def merge(self, other: AggregateFrames) -> None:
        """Add ``other``'s partial sums (another chunk's) to these."""
        for model, parts in other.parts.items():
            self.parts[model].extend(parts)

    def add_warnings(self, w: pd.DataFrame, attempts: pd.DataFrame) -> None:
        """A chunk of warnings and all of their dissuasion attempts."""
        w = w[["id", "station_id", "county_id", "received_at", "deadline_at", "first_contact_at",
               "closed_at", "outcome", "fraud_type", "amount_at_risk", "loss", "loss_avoided"]]
        received = _day(w["received_at"])
        base = pd.DataFrame({"station_id": w["station_id"], "day": received, "county_id": w["county_id"]})
        contact = w["first_contact_at"]
        self._add(WarningDay, base.assign(
            received=1, amount_at_risk=w["amount_at_risk"],
            contacted=contact.notna().astype(np.int64),
            contacted_on_time=(contact <= w["deadline_at"]).astype(np.int64)), STATION)
        self._add(FraudTypeDay, base.assign(fraud_type=w["fraud_type"], received=1,
                                            amount_at_risk=w["amount_at_risk"]),
                  [*STATION, "fraud_type"])
        self._add(WarningHour, pd.DataFrame({
            "station_id": w["station_id"], "hour": w["received_at"].dt.floor("h"),
            "county_id": w["county_id"], "received": 1}), ["station_id", "hour", "county_id"])

        closed = w[w["closed_at"].notna() & w["outcome"].notna()]
        self._add(OutcomeDay, pd.DataFrame({
            "station_id": closed["station_id"], "day": _day(closed["closed_at"]),
            "county_id": closed["county_id"], "outcome": closed["outcome"], "closed": 1,
            "amount_at_risk": closed["amount_at_risk"], "loss": closed["loss"],
            "loss_avoided": closed["loss_avoided"]}), [*STATION, "outcome"])

        owner = w[["id", "station_id", "county_id", "received_at"]].rename(columns={"id": "warning_id"})
        a = attempts[["warning_id", "method", "started_at", "result"]].merge(owner, on="warning_id")
        flags = pd.DataFrame(self.results, index=["reached", "dissuaded"]).T.astype(np.int64)
        self._add(DissuasionDay, pd.DataFrame({
            "station_id": a["station_id"], "day": _day(a["started_at"]), "county_id": a["county_id"],
            "method": a["method"], "attempts": 1,
            "reached": flags["reached"].reindex(a["result"]).to_numpy(),
            "dissuaded": flags["dissuaded"].reindex(a["result"]).to_numpy()}), [*STATION, "method"])

        contacted = w[contact.notna()]
        doors = a[a["method"] == DOOR_VISIT].groupby(
            ["warning_id", "station_id", "county_id", "received_at"], as_index=False)["started_at"].min()
        for measure, rows, at in (("first_contact", contacted, contacted["first_contact_at"]),
                                  ("door_visit", doors, doors["started_at"])):
            self._add("waits", pd.DataFrame({
                "station_id": rows["station_id"].to_numpy(), "day": _day(rows["received_at"]),
                "county_id": rows["county_id"].to_numpy(), "measure": measure,
                "bucket": wait_buckets(at, rows["received_at"]), "n": 1}),
                [*STATION, "measure", "bucket"])

    def add_stop_payments(self, sp: pd.DataFrame) -> None:
        requested = _day(sp["requested_at"])
        self._add(FundsDay, pd.DataFrame({
            "station_id": sp["station_id"], "day": requested, "county_id": sp["county_id"], "requests": 1,
            "requested_amount": sp["requested_amount"], "cohort_stopped_amount": sp["stopped_amount"],
            "cohort_returned_amount": sp["returned_amount"]}), STATION)
        for stage in ("stopped", "frozen", "returned"):
            at = sp[f"{stage}_at"]
            done = at.notna()
            self._add(FundsDay, pd.DataFrame({
                "station_id": sp["station_id"][done], "day": _day(at[done]),
                "county_id": sp["county_id"][done], stage: 1,
                f"{stage}_amount": sp[f"{stage}_amount"][done]}), STATION)
        stopped = sp[sp["stopped_at"].notna()]
        self._add("waits", pd.DataFrame({
            "station_id": stopped["station_id"].to_numpy(), "day": requested[sp["stopped_at"].notna().to_numpy()],
            "county_id": stopped["county_id"].to_numpy(), "measure": "stop_payment",
            "bucket": wait_buckets(stopped["stopped_at"], stopped["reported_at"]), "n": 1}),
            [*STATION, "measure", "bucket"])

    def add_cases(self, c: pd.DataFrame) -> None:
        solved = c["solved_at"].notna()
        self._add(CaseDay, pd.DataFrame({
            "station_id": c["station_id"], "day": _day(c["reported_at"]), "county_id": c["county_id"],
            "reported": 1, "reported_loss": c["loss"], "reported_solved": solved.astype(np.int64),
            "reported_solved_loss": c["loss"].where(solved, 0)}),
            STATION)
        self._add(CaseDay, pd.DataFrame({
            "station_id": c["station_id"][solved], "day": _day(c["solved_at"][solved]),
            "county_id": c["county_id"][solved], "solved": 1,
            "suspects_arrested": c["suspects_arrested"][solved]}), STATION)

    def add_publicity(self, p: pd.DataFrame) -> None:
        self._add(PublicityDay, pd.DataFrame({
            "unit_id": p["unit_id"], "day": p["day"], "kind": p["kind"],
            "county_id": p["county_id"].astype("Int64"), "events": 1, "reach": p["reach"]}),
            ["unit_id", "day", "kind", "county_id"])

    def frames(self) -> dict[type, pd.DataFrame]:
        """Every aggregate table's rows (county and month twins included), columns in table order."""
        out: dict[type, pd.DataFrame] = {}
        for model in (WarningDay, OutcomeDay, FraudTypeDay, WarningHour, DissuasionDay,
                      FundsDay, CaseDay, PublicityDay):
            out[model] = self._table(model, self.parts.get(model, []))
        out[ResponseDay] = self._table(ResponseDay, [self._histogram()])
        for station_model, twin in COUNTY_TWINS.items():
            out[twin] = self._table(twin, [out[station_model]])
        for county_model, month in MONTH_TWINS.items():
            days = out[county_model]
            out[month] = self._table(month, [days.assign(day=[d.replace(day=1) for d in days["day"]])])
        return out

    def _histogram(self) -> pd.DataFrame:
        """The waits, one column per bucket."""
        keys = [*STATION, "measure"]
        if not self.parts["waits"]:
            return pd.DataFrame(columns=keys)
        long = pd.concat(self.parts["waits"], ignore_index=True).groupby([*keys, "bucket"])["n"].sum()
        wide = long.unstack("bucket", fill_value=0)
        wide.columns = [bucket_column(b) for b in wide.columns]
        return wide.reset_index()

    @staticmethod
    def _table(model, parts: list[pd.DataFrame]) -> pd.DataFrame:
        table = model.__table__
        columns = [c.name for c in table.columns]
        keys = [c.name for c in table.primary_key.columns]
        group = keys + [c for c in columns if c == "county_id" and c not in keys]  # publicity's county
        measures = [c for c in columns if c not in group]
        if not parts:
            return pd.DataFrame(columns=columns)
        frame = pd.concat(parts, ignore_index=True).reindex(columns=group + measures)
        frame = pd.concat([frame[group], frame[measures].fillna(0).astype(np.int64)], axis=1)
        frame = frame.groupby(group, as_index=False, dropna=False)[measures].sum()
        if "day" in frame:
            frame["day"] = pd.to_datetime(frame["day"]).dt.date
        return frame[columns]
