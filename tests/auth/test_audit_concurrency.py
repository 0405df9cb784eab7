"""Concurrent writers queue on the chain head: no forks, no gaps, the chain verifies.

It commits, on the fresh per-test database of the shared ``engine`` fixture.
"""

from __future__ import annotations

import threading
from types import SimpleNamespace

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from dashboard.auth import audit
from dashboard.auth.audit_verify import verify_chain
from dashboard.domain.audit import AuditEntry

WRITERS = 6
ENTRIES_EACH = 8


def test_concurrent_writers_keep_one_chain(engine):
    make_session = sessionmaker(engine)
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def writer(n: int) -> None:
        user = SimpleNamespace(username=f"officer{n}", role="officer")
        try:
            start.wait()
            for i in range(ENTRIES_EACH):
                with make_session() as session, session.begin():
                    audit.record(session, user=user, action=audit.TASK_CHANGED,
                                 object=f"task:{n}-{i}", outcome=audit.SUCCESS,
                                 source_address="10.0.0.1")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    with make_session() as session:
        count, top = session.execute(select(func.count(), func.max(AuditEntry.id))).one()
        assert count == top == WRITERS * ENTRIES_EACH
        assert verify_chain(session) == (True, None)
