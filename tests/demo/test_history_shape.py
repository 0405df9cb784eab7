"""The seeded history looks like the calibrated city: volumes, rhythm, outcomes, money, cases."""

from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select, text

from dashboard.demo.calibration import calibration
from dashboard.domain import Case, Dissuasion, StopPayment, Warning
from tests.conftest import SEED_DAILY, SEED_END


@pytest.fixture(scope="module")
def frames(seeded_engine):
    with seeded_engine.connect() as conn:
        w = pd.read_sql(select(Warning.received_at, Warning.status, Warning.outcome, Warning.risk_level,
                               Warning.first_contact_at, Warning.deadline_at, Warning.closed_at,
                               Warning.amount_at_risk, Warning.loss, Warning.loss_avoided), conn)
        sp = pd.read_sql(select(StopPayment.reported_at, StopPayment.requested_at,
                                StopPayment.requested_amount, StopPayment.stopped_amount,
                                StopPayment.frozen_amount, StopPayment.returned_amount), conn)
        cases = pd.read_sql(select(Case.reported_at, Case.solved_at, Case.status,
                                   Case.suspects_arrested), conn)
    for df in (w, sp, cases):
        for col in df.columns:
            if col.endswith("_at"):
                values = pd.to_datetime(df[col])
                if values.dt.tz is not None:
                    values = values.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
                df[col] = values
    return w, sp, cases


def test_two_years_are_present_and_end_now(frames):
    w, _, _ = frames
    end = SEED_END.replace(tzinfo=None)
    assert w["received_at"].max() <= end
    assert w["received_at"].max() > end - timedelta(hours=1)
    first_day = (end - timedelta(days=729)).date()
    assert w["received_at"].min().date() == first_day


def test_daily_volume_within_calibrated_range(frames):
    w, _, _ = frames
    per_day = w.groupby(w["received_at"].dt.date).size()
    recent = per_day.iloc[-31:-1]  # the last 30 whole days
    assert 0.8 * SEED_DAILY < recent.mean() < 1.2 * SEED_DAILY
    growth = calibration()["year_on_year_growth"]
    year_ago = per_day.iloc[-396:-366].mean()
    assert 0.8 * (1 + growth) < recent.mean() / year_ago < 1.2 * (1 + growth)


def test_hourly_rhythm_is_busy_by_day_and_quiet_at_night(frames):
    w, _, _ = frames
    hours = w.groupby(w["received_at"].dt.hour).size()
    assert hours.loc[10] > 5 * hours.loc[4]


def test_outcome_mix(frames):
    w, _, _ = frames
    closed = w[w["status"] == "closed"]
    mix = closed["outcome"].value_counts(normalize=True)
    dissuaded = mix.get("dissuaded_no_loss", 0) + mix.get("dissuaded_partial_loss", 0)
    assert 0.82 < dissuaded < 0.95
    assert 0.005 < mix.get("defrauded", 0) < 0.06
    high = closed[closed["risk_level"] == "high"]["outcome"].value_counts(normalize=True)
    low = closed[closed["risk_level"] == "low"]["outcome"].value_counts(normalize=True)
    assert high["defrauded"] > low["defrauded"]  # outcomes depend on risk
    assert (closed["loss"] > 0).mean() < 0.15
    assert (closed["loss_avoided"] <= closed["amount_at_risk"]).all()


def test_recent_warnings_are_still_open(frames):
    w, _, _ = frames
    open_ = w[w["status"] != "closed"]
    assert len(open_) > 0
    end = SEED_END.replace(tzinfo=None)
    assert (open_["received_at"] > end - timedelta(days=1)).all()
    assert open_["outcome"].isna().all()
    assert w.loc[w["status"] == "closed", "closed_at"].notna().all()


def test_first_contact_mostly_within_deadline(frames):
    w, _, _ = frames
    closed = w[(w["status"] == "closed") & w["first_contact_at"].notna()]
    within = (closed["first_contact_at"] <= closed["deadline_at"]).mean()
    assert 0.85 < within < 1.0


def test_stop_payments_follow_within_minutes_to_hours(frames):
    _, sp, _ = frames
    minutes = (sp["requested_at"] - sp["reported_at"]).dt.total_seconds() / 60
    assert 5 < minutes.median() < 60
    assert (minutes >= 0).all()
    assert (sp["stopped_amount"] <= sp["requested_amount"]).all()
    assert (sp["frozen_amount"] <= sp["stopped_amount"]).all()
    assert (sp["returned_amount"] <= sp["frozen_amount"]).all()


def test_cases_are_solved_weeks_later(frames):
    _, _, cases = frames
    solved = cases[cases["status"] == "solved"]
    days = (solved["solved_at"] - solved["reported_at"]).dt.days
    assert 7 < days.median() < 60
    assert (solved["suspects_arrested"] >= 1).all()
    assert 0.3 < len(solved) / len(cases) < 0.6


def test_rows_reference_existing_rows(seeded_engine):
    with seeded_engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        orphans = conn.scalar(select(func.count()).select_from(Dissuasion).where(
            ~Dissuasion.warning_id.in_(select(Warning.id))))
        assert orphans == 0
        assert conn.execute(text("SELECT count(*) FROM cases WHERE warning_id IS NOT NULL "
                                 "AND warning_id NOT IN (SELECT id FROM warnings)")).scalar() == 0
