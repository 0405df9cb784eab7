"""One built statement serves every scope and period of its shape: its values are sent as parameters."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from sqlalchemy import func, select

from dashboard.auth.scope import NO_SCOPE, scope_for_unit
from dashboard.domain import OrgUnit, Warning
from dashboard.domain.aggregates import ResponseDay, WarningDay
from dashboard.metrics import sums as module
from dashboard.metrics.period import Period
from dashboard.metrics.response import BUCKET_COLUMNS
from dashboard.metrics.sums import sums
from tests.conftest import SEED_END


def test_a_kept_statement_answers_for_each_scope_and_period_as_a_new_one(seeded_session):
    units = seeded_session.scalars(select(OrgUnit).where(OrgUnit.level.in_(("county", "station")))
                                   .order_by(OrgUnit.code)).all()[:4]
    last = SEED_END.date() - timedelta(days=1)
    periods = [Period.of_days(last - timedelta(days=6), last), Period.of_days(last - timedelta(days=40), last)]
    readings = [(unit, period) for unit in units for period in periods]

    def read(unit, period):
        return sums(seeded_session, WarningDay, {"received": "received"}, scope_for_unit(unit), period,
                    by="station", segments=[period.first_day + timedelta(days=3)])

    module._STATEMENTS.clear()
    kept = [read(unit, period) for unit, period in readings]
    assert len(module._STATEMENTS) == 1  # by station: the station table, whatever the unit and days
    for (unit, period), answer in zip(readings, kept, strict=True):
        module._STATEMENTS.clear()
        again = read(unit, period)
        keys = ["unit_id", "segment"]  # no order is asked for: PostgreSQL may answer in another
        assert answer.sort_values(keys, ignore_index=True).equals(again.sort_values(keys, ignore_index=True))
        raw = seeded_session.scalar(select(func.count()).select_from(Warning).where(
            Warning.received_at >= period.start.replace(tzinfo=None),
            Warning.received_at < period.end.replace(tzinfo=None),
            (Warning.station_id == unit.id) | (Warning.county_id == unit.id)))
        assert int(answer["received"].sum()) == raw, unit.code


def test_the_empty_scope_and_a_filtered_dimension(seeded_session):
    city = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
    last = SEED_END.date() - timedelta(days=1)
    period = Period.of_days(last - timedelta(days=60), last)
    measures = {c: c for c in BUCKET_COLUMNS}
    everything = sums(seeded_session, ResponseDay, measures, scope_for_unit(city), period, dims=("measure",))
    for measure in ("first_contact", "stop_payment"):
        one = sums(seeded_session, ResponseDay, measures, scope_for_unit(city), period, only={"measure": measure})
        assert one[BUCKET_COLUMNS].iloc[0].tolist() == (
            everything.set_index("measure").loc[measure, BUCKET_COLUMNS].tolist())
    nothing = sums(seeded_session, ResponseDay, measures, NO_SCOPE, period, only={"measure": "first_contact"})
    assert int(nothing[BUCKET_COLUMNS].to_numpy().sum()) == 0


def test_measure_specs_are_kept_by_their_values_and_sum_as_their_expressions(seeded_session):
    """``Among`` and ``Difference`` are kept like plain columns; other values make other statements."""
    from sqlalchemy import case

    from dashboard.domain.aggregates import CaseDay, OutcomeDay
    from dashboard.metrics.sums import Among, Difference

    city = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
    last = SEED_END.date() - timedelta(days=1)
    period = Period.of_days(last - timedelta(days=60), last)
    scope = scope_for_unit(city)
    outcomes = sorted(set(seeded_session.scalars(select(OutcomeDay.outcome))))
    assert len(outcomes) >= 2
    module._STATEMENTS.clear()
    for codes in (tuple(outcomes[:1]), tuple(outcomes[1:]), tuple(outcomes[:1])):
        spec = sums(seeded_session, OutcomeDay, {"n": Among("closed", "outcome", codes)}, scope, period, by="county")
        bare = sums(seeded_session, OutcomeDay, {"n": lambda t, c=codes: case((t.c.outcome.in_(c), t.c.closed),
                                                                               else_=0)}, scope, period, by="county")
        by_unit = dict(zip(spec["unit_id"], spec["n"], strict=True))
        assert by_unit == dict(zip(bare["unit_id"], bare["n"], strict=True))
        assert sum(by_unit.values()) > 0
    assert len(module._STATEMENTS) == 2  # the third reading took the first's statement
    open_cases = sums(seeded_session, CaseDay, {"n": Difference("reported", "reported_solved")}, scope, period)
    both = sums(seeded_session, CaseDay, {"reported": "reported", "solved": "reported_solved"}, scope, period)
    assert int(open_cases["n"].iloc[0]) == int(both["reported"].iloc[0] - both["solved"].iloc[0])
    assert len(module._STATEMENTS) == 4


def test_several_periods_in_one_statement_sum_as_each_alone_and_must_not_overlap(seeded_session):
    import pytest

    from dashboard.domain.aggregates import OutcomeDay

    city = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
    last = SEED_END.date() - timedelta(days=1)
    periods = [Period.of_days(last - timedelta(days=400), last - timedelta(days=330)),  # whole months inside
               Period.of_days(last - timedelta(days=20), last)]
    cuts = [periods[0].first_day + timedelta(days=9), periods[1].first_day + timedelta(days=5)]
    for model in (WarningDay, OutcomeDay):  # the outcomes' county table has a month twin
        measure = {"n": "received" if model is WarningDay else "closed"}
        together = sums(seeded_session, model, measure, scope_for_unit(city), periods, by="county", segments=cuts)
        alone = pd.concat([sums(seeded_session, model, measure, scope_for_unit(city), p, by="county", segments=cuts)
                           for p in periods]).groupby(["unit_id", "segment"])["n"].sum()
        assert together.set_index(["unit_id", "segment"])["n"].sort_index().to_dict() == alone.to_dict()
        assert alone.sum() > 0
    overlapping = [periods[1], Period.of_days(last - timedelta(days=3), last)]
    with pytest.raises(ValueError, match="period"):
        sums(seeded_session, WarningDay, {"n": "received"}, scope_for_unit(city), overlapping)


def test_period_sums_answer_for_each_of_several_overlapping_periods_as_sums_alone(seeded_session):
    from dashboard.domain.aggregates import CaseDay, FundsDay, OutcomeDay
    from dashboard.metrics.kpi_sources import period_sums

    city = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
    county = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "county").order_by(OrgUnit.code))
    last = SEED_END.date() - timedelta(days=1)
    month = Period.of_days(last.replace(day=1) - timedelta(days=62), last)  # whole months and days at an end
    periods = [month, Period.of_days(month.first_day, month.first_day + timedelta(days=40)),  # inside it
               Period.of_days(month.first_day - timedelta(days=90), month.first_day - timedelta(days=1)),
               Period.of_days(last - timedelta(days=400), last - timedelta(days=300))]
    cases = [(WarningDay, {"n": "received", "risk": "amount_at_risk"}, None),
             (OutcomeDay, {"n": "closed", "loss": "loss"}, None),  # a month twin
             (FundsDay, {"n": "stopped", "amount": "stopped_amount"}, None),
             (CaseDay, {"n": "reported"}, None),
             (ResponseDay, {c: c for c in BUCKET_COLUMNS[:5]}, {"measure": "first_contact"})]
    for unit in (city, county):
        scope = scope_for_unit(unit)
        for model, measures, only in cases:
            for by in (None, "county", "station"):
                together = period_sums(seeded_session, model, measures, scope, periods, by=by, only=only)
                for period, frame in zip(periods, together, strict=True):
                    alone = sums(seeded_session, model, measures, scope, period, by=by, only=only)
                    if by is not None:
                        alone, frame = alone.sort_values("unit_id"), frame.sort_values("unit_id")
                    got = frame.reset_index(drop=True).astype("int64")
                    want = alone.reset_index(drop=True).astype("int64")
                    pd.testing.assert_frame_equal(got, want)
                assert int(together[0][list(measures)].to_numpy().sum()) > 0, (model, by)


def test_a_page_computes_several_periods_as_each_alone(seeded_session):
    from dashboard.metrics.cases import case_figures
    from dashboard.metrics.funds import funds_figures
    from dashboard.metrics.prevention import prevention_figures

    city = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
    last = SEED_END.date() - timedelta(days=1)
    month = Period.preset("month", SEED_END - timedelta(days=1))
    periods = [month, Period.of_days(month.first_day, last), month.previous(), month.last_year()]
    for compute in (funds_figures, case_figures, prevention_figures):
        together = compute(seeded_session, scope_for_unit(city), periods)
        assert together == [compute(seeded_session, scope_for_unit(city), [p])[0] for p in periods]
        assert any(value for value in together[0].values())
