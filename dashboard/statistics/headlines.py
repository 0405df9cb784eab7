"""The key sentences of a press release, written from the published figures of the first unit.

One sentence per selected figure, in zh-CN or en: the figure, its value
(万 / 亿 in Chinese, thousands separators in English), and its change
against the comparison period worded as 同比 / 环比 (year on year / on the
previous period) with 上升 / 下降 (up / down), in percent, or in percentage
points for rates.  A month to date reads "2026年11月1-22日" and its 环比 is
"较上月同期" (the same days of the month before); a 环比 that is the same
window as the 同比 (a year) is worded 同比.  A change that is not yet
comparable (a young cohort's rate) gets no change clause either.  A figure whose value is not published gets no sentence,
and a change that is not published (or has no base) gets no change clause:
no sentence is ever built on a suppressed cell.
"""

from __future__ import annotations

from datetime import date

from dashboard.i18n import translate
from dashboard.i18n.numbers import PERCENT_DIGITS, format_value, is_no_change
from dashboard.statistics.publication import Publication
from dashboard.statistics.tables import PUBLISHED


def _day(day: date, lang: str) -> str:
    return translate("statistics.date.day", lang, year=day.year, day=day.day,
                     month_name=translate(f"statistics.date.month_name.{day.month}", lang))


def period_text(first: date, last: date, kind: str, lang: str) -> str:
    """"2026年10月" / "October 2026", "2026年" / "2026", or a range of days."""
    if kind == "month":
        return translate("statistics.date.month", lang, year=first.year,
                         month_name=translate(f"statistics.date.month_name.{first.month}", lang))
    if kind == "year":
        return translate("statistics.date.year", lang, year=first.year)
    if first == last:
        return _day(first, lang)
    if (first.year, first.month) == (last.year, last.month):
        return translate("statistics.date.days_of_month", lang, year=first.year, first=first.day, last=last.day,
                         month_name=translate(f"statistics.date.month_name.{first.month}", lang))
    return translate("statistics.headline.range", lang, first=_day(first, lang), last=_day(last, lang))


def comparison_text(publication: Publication, lang: str) -> str:
    request = publication.request
    if request.compare == "custom":
        other = publication.comparison
        return translate("statistics.headline.vs_custom", lang,
                         period=period_text(other.first_day, other.last_day, other.kind, lang))
    period, other = publication.period, publication.comparison
    if request.compare == "previous" and (other.start, other.end) == (period.last_year().start,
                                                                     period.last_year().end):
        return translate("statistics.headline.vs_last_year", lang)  # a year's 环比 is its 同比
    if request.compare == "previous" and period.month_to_date:
        return translate("statistics.headline.vs_previous_month_days", lang)
    return translate(f"statistics.headline.vs_{request.compare}", lang)


def _change_clause(change, kind: str, lang: str, versus: str) -> str:
    if change.status != PUBLISHED or change.value is None:
        return ""
    if is_no_change("rate", change.value, None):  # reads as 0.0% or 0.0 points: as the tables say it
        return translate("statistics.headline.flat", lang, versus=versus)
    direction = "up" if change.value > 0 else "down"
    amount = abs(change.value) * 100
    size = (translate("statistics.headline.points", lang, n=f"{amount:.{PERCENT_DIGITS}f}")
            if kind == "points" else f"{amount:.{PERCENT_DIGITS}f}%")
    return translate(f"statistics.headline.{direction}", lang, versus=versus, amount=size)


def headline_sentences(publication: Publication, lang: str) -> list[str]:
    """The sentences for the first unit, one per published figure, in the figures' order."""
    table = publication.table("figures")
    row = table.rows[0]
    unit = row.label[lang]
    period = publication.period
    when = period_text(period.first_day, period.last_day, period.kind, lang)
    versus = comparison_text(publication, lang)
    sentences = []
    for index, figure in enumerate(publication.request.figures):
        current, _before, change = row.values[3 * index: 3 * index + 3]
        if current.status != PUBLISHED or current.value is None:
            continue
        clause = _change_clause(change, change.kind, lang, versus)
        sentences.append(translate("statistics.headline.sentence", lang, period=when, unit=unit,
                                   figure=translate(f"kpi.{figure}", lang),
                                   value=format_value(current.kind, current.value, lang),
                                   change=clause))
    return sentences


def headline_text(publication: Publication, lang: str) -> str:
    """The sentences as one paragraph per line, for the text box."""
    return "\n".join(headline_sentences(publication, lang))
