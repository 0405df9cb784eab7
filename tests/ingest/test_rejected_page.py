"""The rejected-records page: admins fix and replay through the real app; others cannot reach it."""

import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.demo.users import create_demo_users
from dashboard.domain import RejectedRecord, Warning
from tests.conftest import login
from tests.ingest.conftest import warning
from tests.web.dash_requests import find, render_page


def _callback(client, output: str, outputs, inputs, state=(), triggered=None):
    body = {"output": output, "outputs": outputs, "inputs": list(inputs), "state": list(state),
            "changedPropIds": [triggered] if triggered else []}
    return client.post("/_dash-update-component", json=body)


def test_admin_replays_a_fixed_record_and_press_cannot(api, units):
    with Session(units) as session, session.begin():
        create_demo_users(session)
    bad = warning(9, station_code="99999999")
    api.post_batch("warnings", [bad])
    with Session(units) as session:
        record_id = session.scalar(select(RejectedRecord.id))

    admin = api.application.test_client()
    assert login(admin, "leader").status_code == 302
    page = render_page(admin, "/admin/rejected")
    assert find(page, "rejected-table") is not None
    shown = _callback(admin, "rejected-payload.value", {"id": "rejected-payload", "property": "value"},
                      [{"id": "rejected-pick", "property": "value", "value": record_id}],
                      triggered="rejected-pick.value")
    assert shown.status_code == 200
    payload = json.loads(shown.get_json()["response"]["rejected-payload"]["value"])
    assert bad["person"]["phone"] not in json.dumps(payload)  # masked for the admin
    payload["station_code"] = "35020301"
    answer = _callback(
        admin, "..rejected-message.children...rejected-list.children...rejected-pick.options..",
        [{"id": "rejected-message", "property": "children"}, {"id": "rejected-list", "property": "children"},
         {"id": "rejected-pick", "property": "options"}],
        [{"id": "rejected-replay", "property": "n_clicks", "value": 1},
         {"id": "rejected-discard", "property": "n_clicks", "value": None}],
        [{"id": "rejected-pick", "property": "value", "value": record_id},
         {"id": "rejected-payload", "property": "value", "value": json.dumps(payload)}],
        triggered="rejected-replay.n_clicks")
    assert answer.status_code == 200
    with Session(units) as session:
        assert session.scalar(select(func.count()).select_from(Warning)) == 1
        assert session.get(RejectedRecord, record_id).status == "replayed"

    press = api.application.test_client()
    assert login(press, "press").status_code == 302
    refused = _callback(press, "rejected-payload.value", {"id": "rejected-payload", "property": "value"},
                        [{"id": "rejected-pick", "property": "value", "value": record_id}])
    assert refused.status_code == 403
