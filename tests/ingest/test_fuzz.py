"""Whatever is thrown at the API: never a 500, never an invalid record stored."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.domain import Warning
from dashboard.ingest.schemas import WarningIn
from tests.ingest.conftest import warning

scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-10**15, max_value=10**15),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=300),
                    st.just("x" * 100_000))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=20), inner, max_size=4)), max_leaves=12)
FIELDS = ["source", "external_id", "received_at", "fraud_type", "risk_level", "channel",
          "person", "station_code", "county_code", "lon", "lat", "amount_at_risk", "extra"]


@st.composite
def mutated_warnings(draw):
    record = warning(draw(st.integers(min_value=0, max_value=10**6)))
    for field in draw(st.lists(st.sampled_from(FIELDS), max_size=4, unique=True)):
        if draw(st.booleans()) and field in record:
            del record[field]
        else:
            record[field] = draw(json_values)
    return record


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.one_of(json_values, st.lists(mutated_warnings(), min_size=1, max_size=5)))
def test_fuzzed_batches_never_500_and_store_only_valid_records(api, units, body):
    response = api.post_batch("warnings", body)
    assert response.status_code in (200, 400, 415), response.data[:300]
    with Session(units) as session:
        for stored in session.scalars(select(Warning)):
            assert stored.amount_at_risk >= 0
            assert stored.station_id is not None and stored.fraud_type
            WarningIn.model_validate({
                "source": stored.source, "external_id": stored.external_id,
                "received_at": stored.received_at, "fraud_type": stored.fraud_type,
                "risk_level": stored.risk_level, "channel": stored.channel,
                "person": {"name": stored.person_name, "phone": stored.person_phone,
                           "id_number": stored.person_id_number,
                           "bank_account": stored.person_bank_account},
                "station_code": "x" * 2, "amount_at_risk": stored.amount_at_risk})


def test_raw_garbage_bodies(api):
    for data in (b"\xff\xfe\x00", b"[1,2", b"{" * 10_000, b"null", b"[null]"):
        response = api.post("/api/v1/warnings", data=data, content_type="application/json",
                            headers={"Authorization": f"Bearer {api.token}"})
        assert response.status_code in (200, 400)
