"""An ingest batch's new warnings summed directly equal their rows built and merged one by one."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from dashboard.aggregates.contributions import WARNING_FIELDS, merge, new_warning_sums, warning_rows
from dashboard.domain.aggregates import (
    FraudTypeCountyMonth,
    WarningCountyDay,
    WarningDay,
    WarningHour,
)
from dashboard.domain.base import SHANGHAI


def inserted(rng: random.Random, n: int) -> list[dict]:
    """Values as an ingest inserts them, around a month's end, some in UTC, some amounts missing."""
    start = datetime(2026, 10, 31, 22, 0, tzinfo=SHANGHAI)
    out = []
    for _ in range(n):
        at = start + timedelta(minutes=rng.randrange(240), seconds=rng.randrange(60))
        out.append({"received_at": at.astimezone(UTC) if rng.random() < 0.3 else at,
                    "station_id": rng.choice([11, 12, 21]), "county_id": None,
                    "fraud_type": rng.choice(["investment", "fake_loan", "impersonation"]),
                    "amount_at_risk": rng.choice([None, 0, rng.randrange(1, 10**6)]),
                    "deadline_at": at + timedelta(minutes=30)})
        out[-1]["county_id"] = out[-1]["station_id"] // 10
    return out


def one_by_one(stored: list[dict]) -> dict:
    unset = dict.fromkeys(WARNING_FIELDS)
    return merge((), (row for values in stored
                      for row in warning_rows(SimpleNamespace(**{**unset, **values}), (), {})))


@pytest.mark.parametrize("seed", range(5))
def test_sums_equal_the_merged_rows(seed):
    stored = inserted(random.Random(seed), 400)
    expected = one_by_one(stored)
    assert new_warning_sums(stored) == expected
    # the batch crossed a day and a month, and keys repeat: sums above one are checked
    models = {model for model, _ in expected}
    assert {WarningDay, WarningCountyDay, WarningHour, FraudTypeCountyMonth} <= models
    assert len({key[1].month for model, key in expected if model is WarningDay}) == 2
    assert max(e["measures"]["received"] for e in expected.values()) > 1


def test_no_warnings_no_sums():
    assert new_warning_sums([]) == {}
