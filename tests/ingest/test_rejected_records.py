"""A refused record keeps nothing personal in clear beside its sealed payload: not in its source,
external id or errors, nor in the API's answer, wherever in the record the number was sent."""

import json

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from dashboard.domain.text import has_personal_number
from dashboard.ingest.schemas import SCHEMAS, Person
from tests.ingest.conftest import NOW, warning

NUMBERS = ["13912345678", "139 1234 5678", "１３９１２３４５６７８", "35020319900101123X",
           "6222 0212 3456 7891 234"]
BASE = {
    "warnings": warning(1),
    "outcomes": {"source": "upstream", "external_id": "A-1", "warning_external_id": "W-1",
                 "method": "phone", "result": "no_answer", "started_at": NOW.isoformat()},
    "stop-payments": {"source": "upstream", "external_id": "S-1", "station_code": "35020301",
                      "account": "6222021234567891234", "bank": "工商银行",
                      "reported_at": NOW.isoformat(), "requested_at": NOW.isoformat(),
                      "requested_amount": 5000},
}


def _planted(kind: str, number: str) -> list[dict]:
    """One record per field of ``kind`` (and per person field) with ``number`` in it, plus one
    with ``number`` as the name of a field, one as a list, one as a whole record."""
    records = []
    for name in SCHEMAS[kind].model_fields:
        records.append({**BASE[kind], name: number})
        records.append({**BASE[kind], name: [number, {"x": number}]})
    if kind == "warnings":
        records += [{**BASE[kind], "person": {name: number}} for name in Person.model_fields]
        records.append({**BASE[kind], "person": {number: number}})
    records += [{**BASE[kind], number: number}, {**BASE[kind], "source": "upstream", f"x{number}": 1}]
    records += [number, [number]]
    return records


@pytest.mark.parametrize("kind", sorted(BASE))
def test_nothing_personal_beside_the_sealed_payload(api, units, kind):
    answers = []
    for number in NUMBERS:
        records = _planted(kind, number)
        answer = api.post_batch(kind, records)
        assert answer.status_code == 200
        answers.append(json.dumps(answer.get_json()["results"], ensure_ascii=False))
    with Session(units) as session:
        rows = session.execute(text(
            "SELECT source, external_id, batch, errors, payload FROM rejected_records")).all()
    assert len(rows) >= len(NUMBERS) * 10
    for row in rows:
        clear = " ".join(str(v) for v in row[:4] if v is not None)
        assert not has_personal_number(clear), clear
        assert row.payload.startswith("pd1:")  # the payload, sealed
        for number in NUMBERS:
            assert number not in row.payload
    for answer in answers:
        assert not has_personal_number(answer), answer
