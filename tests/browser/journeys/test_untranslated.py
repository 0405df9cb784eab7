"""The untranslated-text check can fail: a text of the other language, or of no catalogue, is caught."""

from __future__ import annotations

import pytest

from dashboard.i18n import translate
from tests.browser.journeys.untranslated import Vocabulary, assert_translated, visible_texts

ZH, EN = Vocabulary("zh-CN"), Vocabulary("en")


def test_each_language_accepts_its_own_catalogue_and_data_tokens():
    texts = [translate("tasks.board.empty", "zh-CN"),
             translate("audit.summary", "zh-CN", total=1234, page=2, pages=9),
             translate("unit.yuan_amount", "zh-CN", amount="1.42亿"),
             "2026-10-01 – 2026-10-31", "12:30:05", "▲ 3.2%", "138****5678", "6222 **** **** 1234",
             "陈**", "350203", "statistics-350200-2026-10.csv", "中文", "English"]
    assert ZH.untranslated(texts) == []
    assert EN.untranslated([translate("tasks.board.empty", "en"), "¥141,669,007",
                            translate("audit.summary", "en", total=5, page=1, pages=1)]) == []


def test_english_on_a_chinese_page_is_caught():
    english = translate("tasks.board.empty", "en")
    assert ZH.untranslated([translate("tasks.board.empty", "zh-CN"), english]) == [english]
    assert ZH.untranslated(["Clear selection"]) == ["Clear selection"]  # Dash's own, untranslated


def test_chinese_on_an_english_page_is_caught():
    chinese = translate("audit.title", "zh-CN")
    assert EN.untranslated([chinese, "2026年11月"]) == [chinese, "2026年11月"]


def test_a_placeholder_filled_with_the_other_language_is_caught():
    mixed = translate("tasks.board.title", "zh-CN", unit="Siming Sub-bureau")
    assert ZH.untranslated([mixed]) == [mixed]


def test_english_made_up_and_free_text_must_stand_whole():
    assert EN.untranslated(["Warnings received", "Recieved warnings"]) == ["Recieved warnings"]
    typed = Vocabulary("en")
    typed.free = {"上门见面劝阻"}
    assert typed.untranslated(["上门见面劝阻", "上门见面劝阻 today"]) == ["上门见面劝阻 today"]


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_page_check_sees_html_svg_and_tooltips_but_not_hidden_text(page, live_server,
                                                                        browser_database, lang,
                                                                        page_record):
    other = "en" if lang == "zh-CN" else "zh-CN"
    page.goto(f"{live_server.url}/lang/{lang}?next=/404")
    page.wait_for_selector("#access-not-found")
    assert all("status of 404" in error for error in page_record.console_errors)
    page_record.console_errors.clear()  # the browser logs the 404 of the page load itself
    vocabulary = Vocabulary(lang, browser_database.engine)
    assert_translated(page, vocabulary, "the not-found page")
    stray = {key: translate(key, other) for key in ("audit.title", "tasks.board.empty", "live.open")}
    page.evaluate("""([html, svg, tip]) => {
        const box = document.createElement('div');
        box.innerHTML = '<p id="stray-html"></p><svg width="200" height="40"><text x="5" y="20" id="stray-svg">'
            + '</text></svg><span id="stray-tip" title="">x</span><p style="display:none">hidden</p>';
        document.body.appendChild(box);
        document.getElementById('stray-html').textContent = html;
        document.getElementById('stray-svg').textContent = svg;
        document.getElementById('stray-tip').title = tip; }""",
                  [stray["audit.title"], stray["tasks.board.empty"], stray["live.open"]])
    assert "hidden" not in visible_texts(page)
    with pytest.raises(AssertionError) as failed:
        assert_translated(page, vocabulary, "the not-found page with stray texts")
    for text in stray.values():
        assert text in str(failed.value)
