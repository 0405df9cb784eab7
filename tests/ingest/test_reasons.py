"""Every ingest error has a code, a message in both languages, and no pydantic words for people."""

from __future__ import annotations

import re
import string

import pytest

from dashboard.i18n import LANGUAGES, catalogue
from dashboard.ingest.reasons import (
    PYDANTIC_CODES,
    REASONS,
    example_of,
    examples,
    field_text,
    from_pydantic,
    reason_text,
)
from dashboard.ingest.schemas import SCHEMAS, Person, parse
from tests.ingest.conftest import NOW, warning

PYDANTIC_WORDS = re.compile(r"Input should|Value error|Field required|Extra inputs|String should|"
                            r"valid (?:number|string|datetime)|timezone info")
CELL_REASONS = ("time_invalid", "time_without_time", "amount_invalid", "amount_negative", "code_unknown")


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_code_has_a_message_whose_parameters_it_carries(lang):
    messages = catalogue(lang)
    for code, english in REASONS.items():
        key = f"ingest.reason.{code}"
        assert key in messages, f"{lang} lacks {key}"
        # a message may use the parameters the code's errors carry, and the field's example
        assert _placeholders(messages[key]) <= _placeholders(english) | {"example"}, key
    for reason in CELL_REASONS:
        assert f"import.cell.{reason}" in messages
    assert {code for code, _ in PYDANTIC_CODES.values()} <= set(REASONS)


def test_every_field_of_every_kind_has_an_example_in_both_languages():
    fields = {f"{name}_{sub}" if sub else name
              for schema in SCHEMAS.values() for name in schema.model_fields
              for sub in ([None, *Person.model_fields] if name == "person" else [None])}
    for lang in LANGUAGES:
        missing = sorted(f for f in fields if (f, lang) not in examples())
        assert missing == [], f"{lang}: {missing}"
    assert example_of("person.phone", "en") == example_of("person_phone", "en") != "-"


BAD_RECORDS = [
    ("warnings", warning(1, received_at="2026-12-06T14:05:00")),  # no zone: "Input should have timezone info"
    ("warnings", warning(2, received_at="6 Dec 2026")),
    ("warnings", warning(3, person={"phone": "12345"})),
    ("warnings", warning(4, person={"id_number": "350203199001011230"})),
    ("warnings", warning(5, station_code="35 02", lon="east")),
    ("warnings", {**warning(6), "extra": 1, "external_id": None}),
    ("warnings", warning(7, station_code=None)),
    ("warnings", warning(8, lon=200, lat=24.4, amount_at_risk=-1)),
    ("warnings", warning(9, lon=118.1)),
    ("warnings", warning(10, person="王芳")),
    ("warnings", warning(11, received_at="1999-12-31T23:00:00+08:00", amount_at_risk="1e13")),
    ("outcomes", {"source": "upstream", "external_id": "O-1", "warning_external_id": "W-1",
                  "method": "call", "result": "reached", "started_at": NOW.isoformat(),
                  "ended_at": "2000-01-01T00:00:00+08:00", "loss": 5, "note": "x" * 600}),
    ("stop-payments", {"source": "upstream", "external_id": "S-1", "account": "12",
                       "bank": "", "reported_at": NOW.isoformat(), "requested_at": NOW.isoformat(),
                       "requested_amount": 10, "stopped_amount": 20}),
    ("warnings", ["not", "an", "object"]),
]


@pytest.mark.parametrize(("kind", "record"), BAD_RECORDS)
def test_schema_errors_have_codes_and_no_pydantic_words_for_people(kind, record):
    _, errors = parse(kind, record)
    assert errors
    for error in errors:
        assert error["code"] in REASONS, error
        assert error["reason"] == REASONS[error["code"]].format(**error["params"])  # the API's English
        assert not PYDANTIC_WORDS.search(error["reason"]), error
        for lang in LANGUAGES:
            text = reason_text(error, lang)
            assert text and not PYDANTIC_WORDS.search(text), (lang, text)
        zh = reason_text(error, "zh-CN")
        assert re.search(r"[\u4e00-\u9fff]", zh) and not re.search(r"[A-Za-z]+(?: [A-Za-z]+){2,}", zh), zh
    sent = {"12345", "350203199001011230", "王芳", "east"}
    assert not any(value in str(error) for error in errors for value in sent)


def test_a_pydantic_error_without_a_code_says_is_not_valid_with_the_example():
    error = from_pydantic("received_at", {"type": "some_new_check", "loc": ("received_at",),
                                          "msg": "Input should be something new", "ctx": {}})
    assert error["code"] == "invalid" and "Input" not in error["reason"]
    assert reason_text(error, "zh-CN") == "不是此列的有效值；示例：2026-12-06 14:05"
    assert reason_text(error, "en") == "is not valid for this column; example: 2026-12-06 14:05"


def test_an_error_kept_before_codes_keeps_its_text_and_the_page_names_the_field():
    old = {"field": "station_code", "reason": "no station with this code"}
    assert reason_text(old, "zh-CN") == "no station with this code"
    new = {"field": "station_code", "reason": "no station with this code", "code": "station_unknown",
           "params": {}}
    assert field_text(new, "zh-CN") == "station_code: 没有此编码的派出所；示例：35020301"
