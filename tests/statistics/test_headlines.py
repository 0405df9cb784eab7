"""Headline sentences against figures counted by hand from the raw rows, in both languages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from dashboard.domain import OrgUnit, Warning
from dashboard.domain.reference import Outcome
from dashboard.statistics.headlines import headline_sentences
from dashboard.statistics.tables import display


def count_received(session, first: datetime, end: datetime) -> int:
    return session.scalar(select(func.count()).select_from(Warning).where(
        Warning.received_at >= first, Warning.received_at < end))


def closed_rows(session, first: datetime, end: datetime):
    dissuading = set(session.scalars(select(Outcome.code).where(Outcome.dissuaded.is_(True))))
    rows = session.execute(select(Warning.outcome, Warning.loss_avoided).where(
        Warning.closed_at >= first, Warning.closed_at < end, Warning.outcome.is_not(None))).all()
    closed = len(rows)
    dissuaded = sum(1 for outcome, _ in rows if outcome in dissuading)
    return closed, dissuaded, sum(int(v or 0) for _, v in rows)


def pct(now: float, before: float) -> float:
    return (now - before) / before * 100


def zh_count(n: int) -> str:
    if n >= 10_000:
        return f"{n / 10_000:.2f}万"  # two decimals, trailing zeros kept
    return f"{n:,}"


def zh_yuan(n: int) -> str:
    if n >= 100_000_000:
        return f"{n / 100_000_000:.2f}亿元"
    if n >= 10_000:
        return f"{n / 10_000:.2f}万元"
    return f"{n:,}元"


def direction(change: float, zh: bool) -> str:
    if zh:
        return "上升" if change > 0 else "下降"
    return "up" if change > 0 else "down"


def test_october_against_last_october_in_both_languages(seeded_session, publish):
    city = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
    oct26, nov26 = datetime(2026, 10, 1), datetime(2026, 11, 1)
    oct25, nov25 = datetime(2025, 10, 1), datetime(2025, 11, 1)
    received, received_before = count_received(seeded_session, oct26, nov26), \
        count_received(seeded_session, oct25, nov25)
    closed, dissuaded, avoided = closed_rows(seeded_session, oct26, nov26)
    closed_b, dissuaded_b, avoided_b = closed_rows(seeded_session, oct25, nov25)
    rate, rate_b = dissuaded / closed * 100, dissuaded_b / closed_b * 100
    change = {"received": pct(received, received_before), "rate": rate - rate_b,
              "avoided": pct(avoided, avoided_b)}

    publication = publish({"unit": city.code, "from": "2026-10-01", "to": "2026-10-31",
                           "figure": "received,success_rate,loss_avoided"})
    zh = headline_sentences(publication, "zh-CN")
    assert zh == [
        f"2026年10月，{city.name_zh}预警量{zh_count(received)}，同比{direction(change['received'], True)}"
        f"{abs(change['received']):.1f}%。",
        f"2026年10月，{city.name_zh}劝阻成功率{rate:.1f}%，同比{direction(change['rate'], True)}"
        f"{abs(change['rate']):.1f}个百分点。",
        f"2026年10月，{city.name_zh}避免损失{zh_yuan(avoided)}，同比{direction(change['avoided'], True)}"
        f"{abs(change['avoided']):.1f}%。",
    ]
    en = headline_sentences(publication, "en")
    assert en == [
        f"Warnings received, {city.name_en}, October 2026: {received:,}, "
        f"{direction(change['received'], False)} {abs(change['received']):.1f}% year on year.",
        f"Dissuasion success rate, {city.name_en}, October 2026: {rate:.1f}%, "
        f"{direction(change['rate'], False)} {abs(change['rate']):.1f} percentage points year on year.",
        f"Loss avoided, {city.name_en}, October 2026: ¥{avoided:,}, "
        f"{direction(change['avoided'], False)} {abs(change['avoided']):.1f}% year on year.",
    ]


def test_a_year_in_wan_against_the_previous_period_which_is_the_same_year_on_year(seeded_session, publish):
    """A year's previous period is the same dates a year earlier: it is worded 同比, never 环比."""
    city = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
    year = count_received(seeded_session, datetime(2025, 1, 1), datetime(2026, 1, 1))
    before = count_received(seeded_session, datetime(2024, 1, 1), datetime(2025, 1, 1))
    assert year >= 10_000  # the point of this test: 万
    change = pct(year, before)
    publication = publish({"unit": city.code, "from": "2025-01-01", "to": "2025-12-31",
                           "compare": "previous", "figure": "received"})
    assert headline_sentences(publication, "zh-CN") == [
        f"2025年，{city.name_zh}预警量{zh_count(year)}，同比{direction(change, True)}{abs(change):.1f}%。"]
    assert headline_sentences(publication, "en") == [
        f"Warnings received, {city.name_en}, 2025: {year:,}, {direction(change, False)} "
        f"{abs(change):.1f}% year on year."]


def test_no_sentence_and_no_change_clause_on_a_withheld_cell(seeded_session, publish):
    station = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "station")
                                    .order_by(OrgUnit.code))
    publication = publish({"unit": station.code, "from": "2026-10-01", "to": "2026-10-01",
                           "compare": "custom", "compare_from": "2026-09-01", "compare_to": "2026-09-30",
                           "figure": "received,cases_solved"})
    row = publication.table("figures").rows[0]
    sentences = headline_sentences(publication, "en")
    published = [v.status == "published" for v in row.values]
    assert not published[0]  # a station's single day: fewer than 5 warnings
    assert len(sentences) == sum(published[i] for i in (0, 3))
    for sentence in sentences:
        assert "<5" not in sentence and " x" not in sentence
        if not published[5]:
            assert " up " not in sentence and " down " not in sentence


def test_a_running_month_is_compared_to_the_same_days_in_its_sentence(seeded_session, publish):
    """1-21 November (the seeded "now" is 22 November) against 1-21 October, and against 1-21 November 2025."""
    city = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
    received = count_received(seeded_session, datetime(2026, 11, 1), datetime(2026, 11, 22))
    october = count_received(seeded_session, datetime(2026, 10, 1), datetime(2026, 10, 22))
    last_year = count_received(seeded_session, datetime(2025, 11, 1), datetime(2025, 11, 22))
    params = {"unit": city.code, "from": "2026-11-01", "to": "2026-11-21", "figure": "received"}
    previous = publish(params | {"compare": "previous"})
    assert (previous.comparison.first_day.isoformat(), previous.comparison.last_day.isoformat()) == (
        "2026-10-01", "2026-10-21")
    change = pct(received, october)
    assert headline_sentences(previous, "zh-CN") == [
        f"2026年11月1-21日，{city.name_zh}预警量{zh_count(received)}，较上月同期"
        f"{direction(change, True)}{abs(change):.1f}%。"]
    assert headline_sentences(previous, "en") == [
        f"Warnings received, {city.name_en}, 1–21 November 2026: {received:,}, {direction(change, False)} "
        f"{abs(change):.1f}% on the same days of the previous month."]
    yearly = publish(params)
    change = pct(received, last_year)
    assert headline_sentences(yearly, "zh-CN") == [
        f"2026年11月1-21日，{city.name_zh}预警量{zh_count(received)}，同比"
        f"{direction(change, True)}{abs(change):.1f}%。"]
    trend = yearly.table("trend")
    assert len(trend.rows) == 21 and trend.rows[-1].code == "2026-11-21"  # no day not yet come


def test_a_young_cohorts_solving_rate_is_not_yet_comparable_in_the_tables_and_the_sentences(seeded_session,
                                                                                              publish):
    city = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
    young = publish({"unit": city.code, "from": "2026-10-01", "to": "2026-10-31",
                     "figure": "received,solving_rate"})
    values = young.table("figures").rows[0].values
    assert values[2].status == "published" and values[3].status == values[4].status == "published"
    assert values[5].status == "immature" and values[5].value is None
    assert display(values[5], "zh-CN", 5) == "尚不可比" and display(values[5], "en", 5) == "not yet comparable"
    sentences = headline_sentences(young, "zh-CN")
    assert "同比" in sentences[0] and "破案率" in sentences[1] and "同比" not in sentences[1]
    matured = publish({"unit": city.code, "from": "2026-07-01", "to": "2026-07-31", "figure": "solving_rate"})
    change = matured.table("figures").rows[0].values[2]
    assert change.status == "published" and change.value is not None
    assert "同比" in headline_sentences(matured, "zh-CN")[0]
