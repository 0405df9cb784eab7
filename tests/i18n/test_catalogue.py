"""Both languages are complete, every message id used in code exists, numbers read right."""

import re
from pathlib import Path

import pytest

from dashboard.i18n import LANGUAGES, MissingMessage, catalogue, normalize, translate
from dashboard.i18n.numbers import format_count, format_yuan

PACKAGE = Path(__file__).resolve().parents[2] / "dashboard"
KEY_USE = re.compile(r"""\b(?:t|translate)\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""")
PAGE_NAME = re.compile(r"""register_page\([^)]*name=["']([a-z_]+\.[a-z0-9_.]+)["']""", re.S)


def test_languages_have_the_same_messages():
    zh, en = catalogue("zh-CN"), catalogue("en")
    assert set(zh) == set(en)
    assert all(v.strip() for v in zh.values()) and all(v.strip() for v in en.values())


def test_placeholders_agree_between_languages():
    zh, en = catalogue("zh-CN"), catalogue("en")
    for key in zh:
        assert set(re.findall(r"{(\w+)}", zh[key])) == set(re.findall(r"{(\w+)}", en[key])), key


def test_every_message_used_in_code_exists():
    used = set()
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(KEY_USE.findall(text)) | set(PAGE_NAME.findall(text))
    assert used, "the scan found no message ids: the pattern is broken"
    for lang in LANGUAGES:
        missing = sorted(used - set(catalogue(lang)))
        assert missing == [], f"{lang} lacks {missing}"


def test_missing_message_is_an_error():
    with pytest.raises(MissingMessage):
        translate("no.such.message", "en")


def test_language_tags_normalise():
    assert normalize("zh-TW") == "zh-CN"
    assert normalize("en-US") == "en"
    assert normalize(None) == "zh-CN"
    assert normalize("fr") == "zh-CN"


@pytest.mark.parametrize(("value", "zh", "en"), [
    (9_999, "9,999", "9,999"),
    (61_000, "6.10万", "61,000"),
    (2_330_000, "233.00万", "2,330,000"),
    (563_000_000, "5.63亿", "563,000,000"),
])
def test_counts_use_wan_and_yi_in_chinese(value, zh, en):
    assert format_count(value, "zh-CN") == zh
    assert format_count(value, "en") == en


def test_yuan():
    assert format_yuan(94_979_000, "zh-CN") == "9497.90万元"
    assert format_yuan(990_000, "en") == "¥990,000"


def test_area_catalogues_are_merged_and_an_id_defined_twice_is_an_error(tmp_path, monkeypatch):
    import json

    import dashboard.i18n as i18n

    (tmp_path / "en.json").write_text(json.dumps({"a.one": "One"}), encoding="utf-8")
    (tmp_path / "queue").mkdir()
    (tmp_path / "queue" / "en.json").write_text(json.dumps({"queue.two": "Two"}), encoding="utf-8")
    monkeypatch.setattr(i18n, "_DIR", tmp_path)
    i18n.catalogue.cache_clear()
    try:
        assert i18n.catalogue("en") == {"a.one": "One", "queue.two": "Two"}
        (tmp_path / "queue" / "en.json").write_text(json.dumps({"a.one": "Again"}), encoding="utf-8")
        i18n.catalogue.cache_clear()
        with pytest.raises(ValueError, match="a.one"):
            i18n.catalogue("en")
    finally:
        i18n.catalogue.cache_clear()
