"""The command chain's journeys in a real browser, in zh-CN and in en, on the demo city.

- the leader drills city -> district -> station and back, switches to this
  year with 同比, reads a trend's hover label and opens the wall;
- the commander opens the county queue's first warning, assigns its station a
  door visit and finds it on the task board;
- the station officer finds a door visit in the inbox, acknowledges it, records
  the visit on its warning and completes the task with the result.

Every stop is checked for untranslated text; the fixtures fail a journey
that asks any host but 127.0.0.1 or logs a console error.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.commands.tasks import IssueTask
from dashboard.domain import OrgUnit, User, Warning
from dashboard.domain.base import now_local
from dashboard.domain.reference import DissuasionMethod, TaskKind
from dashboard.i18n.numbers import format_yuan
from tests.browser.journeys.steps import VISIT_INSTRUCTIONS, VISIT_TITLES, assign_door_visit
from tests.browser.test_overview import PERIOD, click_unit, map_codes, title, wait_for_map
from tests.browser.test_task_journey import button
from tests.conftest import SEED_END

CITY, DISTRICT, STATION = "350200", "350203", "35020301"
NOTES = {"zh-CN": "上门见到当事人，已讲清骗局，仍在观望", "en": "Met her at home and explained the scam; still hesitant"}


def wait_for_title(page, text: str) -> None:
    page.wait_for_function("(t) => document.querySelector('#overview-title').innerText === t", arg=text)


def test_leader_drills_down_and_up_compares_the_year_and_opens_the_wall(journey):
    page, city, district = journey.page, journey.unit_name(CITY), journey.unit_name(DISTRICT)
    journey.login("leader", f"/?{PERIOD}")
    wait_for_map(page)
    assert title(page) == city
    journey.check("the city's overview")

    click_unit(page, DISTRICT)
    page.wait_for_url(re.compile(rf"unit={DISTRICT}"))
    wait_for_title(page, district)
    wait_for_map(page)
    station = map_codes(page)[0]
    click_unit(page, station)
    page.wait_for_url(re.compile(rf"unit={station}"))
    page.wait_for_selector("#overview-crumb-county")
    assert title(page) == journey.unit_name(station)
    crumbs = page.inner_text("#overview-breadcrumb")
    assert city in crumbs and district in crumbs and journey.unit_name(station) in crumbs
    journey.check("a station's overview")

    page.click("#overview-crumb-county")  # back up by the breadcrumb, then the browser's back
    wait_for_title(page, district)
    page.go_back()
    wait_for_title(page, journey.unit_name(station))
    page.click("#overview-crumb-city")
    wait_for_title(page, city)

    year = now_local().year
    page.locator("#overview-period label", has_text=re.compile(
        "^" + re.escape(journey.t("period.year")) + "$")).click()
    page.wait_for_url(re.compile(r"period=year"))
    page.wait_for_function("(y) => document.querySelector('#overview-period-dates').innerText"
                           " === y + '-01-01 – ' + y + '-12-31'", arg=str(year))
    assert f"{year - 1}-01-01" in page.inner_text("#overview-compare-note")  # 同比: last year's window
    received = page.locator(".kpi-card", has=page.locator("#overview-kpi-received"))
    last_year = received.locator(".kpi-compare").first
    label = journey.t("compare.last_year")
    assert last_year.locator(".kpi-compare-label").inner_text() == label
    change = last_year.inner_text().removeprefix(label).strip()
    no_history = "" if year == SEED_END.year else "|—"  # the demo's history ends in 2026
    assert re.fullmatch(r"[▲▼] \d+\.\d%|=" + no_history, change)
    journey.check("this year, city")
    journey.shot("leader")
    page.locator("#overview-trend .nsewdrag").hover()
    page.wait_for_selector("#overview-trend .hoverlayer text")
    journey.check("the trend's hover label and the toolbar (where plotly's \"Share chart...\" would show)")

    page.click("nav a.nav-link[href='/wall']")
    page.wait_for_selector("#wall-map .js-plotly-plot")
    assert page.locator(".navbar").is_hidden()
    assert page.inner_text("#wall-unit") == city
    journey.check("the wall")


def test_commander_assigns_a_door_visit_from_a_warning_and_sees_it_on_the_board(journey):
    page = journey.page
    task_id, task_title, station = assign_door_visit(journey)
    journey.check("the new task")

    page.click("nav a.nav-link[href='/tasks']")
    page.locator("#tasks-board-box label", has_text=journey.t("tasks.box.outbox")).click()
    row = page.locator(f"#tasks-board-row-{task_id}")
    row.wait_for()
    text = row.inner_text()
    assert task_title in text and journey.unit_name(station) in text
    assert journey.name(TaskKind, "door_visit") in text
    assert journey.t("task.status.assigned") in text
    journey.check("the task board")
    journey.shot("commander")


def door_visit_for_the_officer(engine, lang: str) -> tuple[int, int]:
    """The demo commander's door visit for the officer's station about an open warning there."""
    with Session(engine) as session, session.begin():
        commander = session.scalar(select(User).where(User.username == "commander"))
        station = session.scalar(select(OrgUnit.id).where(OrgUnit.code == STATION))
        warning_id = session.scalar(select(Warning.id).where(
            Warning.station_id == station, Warning.status != "closed").order_by(Warning.id))
        assert warning_id is not None, f"the demo city has no open warning at {STATION}"
        [task] = IssueTask(commander, "door_visit", "urgent", VISIT_TITLES[lang], target_units=[STATION],
                           instructions=VISIT_INSTRUCTIONS[lang], warning_id=warning_id).run(
            session, now_local().replace(microsecond=0))
        session.flush()
        return task.id, warning_id


def test_officer_acknowledges_records_the_visit_and_completes(journey):
    page = journey.page
    task_id, warning_id = door_visit_for_the_officer(journey.engine, journey.lang)
    journey.login("officer", "/tasks")
    page.locator(f"#tasks-board-row-{task_id}").wait_for()
    journey.check("the station's inbox")
    page.click(f"#tasks-board-link-{task_id}")
    page.click(button("acknowledge"))
    page.wait_for_selector(button("complete"))
    assert journey.t("task.status.acknowledged") in page.inner_text("#task-page-status")
    journey.check("the acknowledged task")

    page.click("#task-page-warning")  # the visit, recorded on the warning
    page.wait_for_selector("#outcome-form")
    page.select_option("#outcome-method", "door_visit")
    page.select_option("#outcome-result", "not_convinced")
    page.fill("#outcome-note", NOTES[journey.lang])
    page.click("#outcome-submit")
    page.wait_for_selector("#outcome-recorded")
    assert journey.name(DissuasionMethod, "door_visit") in page.inner_text("#warning-timeline")
    journey.check("the warning with the visit")

    page.click(f"#warning-tasks a[href='/task/{task_id}']")
    page.wait_for_selector(button("complete"))
    page.locator("#task-page-reached label", has_text=journey.t("tasks.yes")).click()
    page.fill("#task-page-loss", "20000")
    page.fill("#task-page-note", NOTES[journey.lang])
    page.click(button("complete"))
    page.wait_for_selector("#task-page-result")
    assert journey.t("task.status.done") in page.inner_text("#task-page-status")
    assert format_yuan(20000, journey.lang) in page.inner_text("#task-page-result")
    assert f"#{warning_id}" in page.inner_text("#task-page-warning")
    journey.check("the completed task")
    journey.shot("officer")
