"""The rejected-records page through the real app: leaders and commanders fix and replay the records
of their units, everything masked; a role that may unmask shows one field, audited; others cannot."""

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.domain import AuditEntry, RejectedRecord, Warning
from tests.conftest import login
from tests.ingest.conftest import NOW, warning
from tests.web.dash_requests import find, render_page

PICK = [{"id": "rejected-pick", "property": "value"}]
# personal data in every place a refused record can hold it
NAME, PHONE, ID_NUMBER, ACCOUNT = "欧阳娜娜", "13912345678", "35020319900101123X", "6222021234567891234"
NOTE = "住在湖滨南路88号的欧阳娜娜说她已经转账"


def _callback(client, output: str, outputs, inputs, state=(), triggered=None):
    body = {"output": output, "outputs": outputs, "inputs": list(inputs), "state": list(state),
            "changedPropIds": [triggered] if triggered else []}
    return client.post("/_dash-update-component", json=body)


def _client(api, username: str):
    client = api.application.test_client()
    assert login(client, username).status_code == 302
    return client


def _payload(client, record_id):
    return _callback(client, "rejected-payload.value", {"id": "rejected-payload", "property": "value"},
                     [{**PICK[0], "value": record_id}], triggered="rejected-pick.value")


def _unmask(client, record_id, field):
    return _callback(
        client, "rejected-unmask-value.children", {"id": "rejected-unmask-value", "property": "children"},
        [{"id": "rejected-unmask", "property": "n_clicks", "value": 1}, {**PICK[0], "value": record_id}],
        [{"id": "rejected-unmask-field", "property": "value", "value": field}],
        triggered="rejected-unmask.n_clicks")


def _replay(client, record_id, payload):
    return _callback(
        client, "..rejected-message.children...rejected-list.children...rejected-pick.options..",
        [{"id": "rejected-message", "property": "children"}, {"id": "rejected-list", "property": "children"},
         {"id": "rejected-pick", "property": "options"}],
        [{"id": "rejected-replay", "property": "n_clicks", "value": 1},
         {"id": "rejected-discard", "property": "n_clicks", "value": None}],
        [{**PICK[0], "value": record_id},
         {"id": "rejected-payload", "property": "value", "value": json.dumps(payload)}],
        triggered="rejected-replay.n_clicks")


def _personal() -> tuple[dict, dict]:
    """A warning and an attempt that hold personal data everywhere."""
    bad = warning(21, station_code="99999999", fraud_type="x" + PHONE,
                  person={"name": NAME, "phone": PHONE, "id_number": ID_NUMBER, "bank_account": ACCOUNT})
    bad[f"tel_{PHONE}"] = PHONE  # an unknown field, named by a number
    attempt = {"source": "upstream", "external_id": "A-21", "warning_external_id": "W-22",
               "method": "phone", "result": "no_answer", "officer": NAME,
               "started_at": NOW.isoformat(), "note": NOTE}
    return bad, attempt


def _digits_of(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def test_leader_replays_a_fixed_record_and_administrators_and_press_cannot(api, staff):
    bad = warning(9, station_code="99999999")
    api.post_batch("warnings", [bad])
    with Session(staff) as session:
        record_id = session.scalar(select(RejectedRecord.id))

    leader = _client(api, "leader")
    assert find(render_page(leader, "/admin/rejected"), "rejected-table") is not None
    shown = _payload(leader, record_id)
    assert shown.status_code == 200
    payload = json.loads(shown.get_json()["response"]["rejected-payload"]["value"])
    assert bad["person"]["phone"] not in json.dumps(payload)  # masked for the leader
    payload["station_code"] = "35020301"
    assert _replay(leader, record_id, payload).status_code == 200
    with Session(staff) as session:
        assert session.scalar(select(func.count()).select_from(Warning)) == 1
        assert session.get(RejectedRecord, record_id).status == "replayed"

    for role in ("sysadmin", "secadmin", "auditor", "press", "officer"):
        other = _client(api, role)
        assert find(render_page(other, "/admin/rejected"), "rejected-table") is None
        assert _payload(other, record_id).status_code == 403


@pytest.mark.parametrize("username", ["leader", "commander"])
def test_every_personal_value_is_masked_for_every_role(api, staff, username):
    bad, attempt = _personal()
    api.post_batch("warnings", [warning(22)])  # the attempt's warning, at 35020301 (Siming)
    api.post_batch("warnings", [bad])
    api.post_batch("outcomes", [{**attempt, "method": "no_such_method"}])
    client = _client(api, username)
    with Session(staff) as session:
        ids = session.scalars(select(RejectedRecord.id).order_by(RejectedRecord.id)).all()
    page = json.dumps(render_page(client, "/admin/rejected"), ensure_ascii=False)
    shown = [_payload(client, record_id) for record_id in ids]
    if username == "commander":  # the warning names no unit: the city's only
        assert [r.status_code for r in shown] == [404, 200]
    for text in [page] + [r.get_data(as_text=True) for r in shown]:
        for secret in (NAME, PHONE, ID_NUMBER, ACCOUNT, NOTE, "湖滨南路"):
            assert secret not in text
    for response in shown:  # nor their digits, however grouped
        digits = _digits_of(response.get_data(as_text=True))
        assert all(_digits_of(secret)[-8:] not in digits for secret in (PHONE, ID_NUMBER, ACCOUNT))


def test_a_role_that_may_unmask_shows_one_field_audited_and_others_cannot(api, staff):
    _, attempt = _personal()
    api.post_batch("warnings", [warning(22)])
    api.post_batch("outcomes", [{**attempt, "method": "no_such_method"}])
    with Session(staff) as session:
        record_id = session.scalar(select(RejectedRecord.id))

    commander = _client(api, "commander")
    options = _callback(commander, "..rejected-unmask-field.options...rejected-unmask-field.value..",
                        [{"id": "rejected-unmask-field", "property": "options"},
                         {"id": "rejected-unmask-field", "property": "value"}],
                        [{**PICK[0], "value": record_id}], triggered="rejected-pick.value")
    offered = [o["value"] for o in options.get_json()["response"]["rejected-unmask-field"]["options"]]
    assert offered == ["note", "officer"]
    clear = _unmask(commander, record_id, "note")
    assert clear.get_json()["response"]["rejected-unmask-value"]["children"] == NOTE

    leader = _client(api, "leader")  # sees the city's records, may not unmask
    assert _unmask(leader, record_id, "note").status_code == 403
    commander2 = _client(api, "commander2")  # may unmask, but the record is not of Huli
    answer = _unmask(commander2, record_id, "note")
    assert NOTE not in answer.get_data(as_text=True)

    with Session(staff) as session:
        rows = session.execute(select(AuditEntry.username, AuditEntry.action, AuditEntry.object,
                                      AuditEntry.detail).order_by(AuditEntry.id)).all()
    unmasked = [r for r in rows if r.action == audit.UNMASK]
    assert [(r.username, r.object, json.loads(r.detail)) for r in unmasked] == [
        ("commander", f"rejected:{record_id}", {"field": "note"})]
    refused = {(r.username, r.object) for r in rows if r.action == audit.ACCESS_DENIED}
    assert ("commander2", f"rejected:{record_id}") in refused
    assert any(r.username == "leader" for r in rows if r.action == audit.ACCESS_DENIED)
    assert all(NOTE not in (r.detail or "") for r in rows)


def test_identical_reasons_are_grouped_above_the_list(api, staff):
    api.post_batch("warnings", [warning(i, station_code="99999999") for i in range(40, 43)]
                   + [warning(50, fraud_type="no_such_type")])
    leader = _client(api, "leader")
    groups = find(render_page(leader, "/admin/rejected"), "rejected-groups")
    cells = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "Td":
                cells.append(node["props"]["children"])
            else:
                walk(node.get("props", {}).get("children"))
        elif isinstance(node, list):
            for item in node:
                walk(item)
    walk(groups)
    rows = [cells[i:i + 3] for i in range(0, len(cells), 3)]
    assert [row[2] for row in rows] == [3, 1]
    assert "station_code" in rows[0][1] and "fraud_type" in rows[1][1]
