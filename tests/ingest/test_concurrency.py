"""Two processes posting overlapping batches at once store each warning once, and count each batch's arrivals."""

import multiprocessing

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.domain import Warning
from dashboard.domain.feeds import FeedArrival
from tests.ingest.conftest import warning


def _post(url: str, token: str, ids: list[int], key: str, queue) -> None:
    import os

    from tests.conftest import TEST_PERSONAL_DATA_KEY

    os.environ["PERSONAL_DATA_KEY"] = TEST_PERSONAL_DATA_KEY
    from dashboard import create_app

    client = create_app({"DATABASE_URL": url, "TESTING": True}).test_client()
    statuses = []
    for start in range(0, len(ids), 10):
        body = [warning(i) for i in ids[start:start + 10]]
        response = client.post("/api/v1/warnings", json=body, headers={"Authorization": f"Bearer {token}"})
        statuses.append(response.status_code)
    queue.put((key, statuses))


def test_overlapping_batches_from_two_processes(api, units):
    url = units.url.render_as_string(hide_password=False)
    spawn = multiprocessing.get_context("spawn")
    queue = spawn.Queue()
    workers = [spawn.Process(target=_post, args=(url, api.token, list(range(0, 60)), "a", queue)),
               spawn.Process(target=_post, args=(url, api.token, list(range(30, 90)), "b", queue))]
    for w in workers:
        w.start()
    results = dict(queue.get(timeout=120) for _ in workers)
    for w in workers:
        w.join(timeout=60)
    assert results["a"] == [200] * 6 and results["b"] == [200] * 6
    with Session(units) as session:
        assert session.scalar(select(func.count()).select_from(Warning)) == 90
        assert session.scalar(select(func.count(func.distinct(Warning.external_id)))) == 90
        # every record of both is counted (stored, sent again, or refused when the two processes'
        # clocks gave the same id another time), and the lag once a new warning
        arrived, rejected, lags = session.execute(
            select(func.sum(FeedArrival.arrived), func.sum(FeedArrival.rejected), func.sum(FeedArrival.lag_count))
            .where(FeedArrival.source == "upstream")).one()
        assert arrived + rejected == 120 and arrived >= 90 and lags == 90
