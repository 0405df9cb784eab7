"""Shanghai wall time: the shortcut for times already in Shanghai agrees with the conversion."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from dashboard.domain.base import SHANGHAI, to_local_naive
from dashboard.ingest.schemas import parse

INSTANTS = [datetime(2026, 12, 3, 23, 59, 59, tzinfo=UTC), datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
            datetime(1988, 7, 1, 12, 0, tzinfo=UTC)]  # 1988: Shanghai kept summer time (UTC+9)


@pytest.mark.parametrize("instant", INSTANTS)
@pytest.mark.parametrize("zone", [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5)), SHANGHAI])
def test_every_zone_gives_the_wall_time_of_shanghai(instant, zone):
    expected = instant.astimezone(SHANGHAI).replace(tzinfo=None)
    assert to_local_naive(instant.astimezone(zone)) == expected
    assert to_local_naive(expected) == expected  # naive is Shanghai already


def test_incoming_times_are_held_in_shanghai_whatever_offset_they_came_with():
    record = {"source": "upstream", "external_id": "W-1", "received_at": "2026-12-03T02:30:00Z",
              "fraud_type": "investment", "risk_level": "high", "channel": "phone", "station_code": "35020301"}
    parsed, errors = parse("warnings", record)
    assert errors == []
    assert parsed.received_at.tzinfo is SHANGHAI
    assert parsed.received_at == datetime(2026, 12, 3, 2, 30, tzinfo=UTC)
    assert to_local_naive(parsed.received_at) == datetime(2026, 12, 3, 10, 30)
