"""schemathesis against the app's own served OpenAPI document: the ingest and statistics APIs.

The app serves on a loopback port from a thread (over the test database: the
ingest API on SQLite and on PostgreSQL, the statistics API on SQLite); schemathesis reads ``/api/v1/openapi.json`` from it
and runs its phases with a fixed seed and a bounded number of examples per
operation: the document's examples, coverage of each parameter's edges and of
undeclared methods, then random fuzzing.  It must find

- no server error (5xx),
- no status code the document does not list for the operation,
- no 405 without an ``Allow`` header and no ``Allow`` that lists a method the
  document does not state (OPTIONS),
- no answer whose content type, headers or body breaks the document.

Two checks are left out on purpose, because they contradict the API's
documented design rather than test it: ``negative_data_rejection`` and
``positive_data_acceptance`` expect a schema-violating record to fail the
request, while a batch answers 200 and rejects that record alone (named field
and reason, kept for replay); the per-record outcome is what
``tests/ingest/test_time_bounds.py`` and ``test_api.py`` check.
"""

from __future__ import annotations

import threading
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
import schemathesis
from schemathesis.engine import events, from_schema
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from dashboard.domain import OrgUnit, User
from dashboard.domain.base import now_local
from dashboard.statistics.tokens import create_stats_token
from tests.ingest.conftest import warning

SEED = 26
# examples per operation and phase: about 400 requests to the ingest API and 130 to the
# statistics API (each an export) a run, some 10 s of CPU each on either backend
MAX_EXAMPLES = {"ingest": 15, "stats": 10}
LEFT_OUT = ("negative_data_rejection", "positive_data_acceptance")


@dataclass
class FuzzRun:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _config(token: str, examples: int) -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "headers": {"Authorization": f"Bearer {token}"},
        "generation": {"max-examples": examples, "database": "none"},
        # a batch of 5,000 rejected records takes about a second; on a busy 2-core machine far
        # more than schemathesis's default 10 s wait can pass. Slowness is not what this tests.
        "request-timeout": 60,
        "checks": {name: {"enabled": False} for name in LEFT_OUT},
    })


@contextmanager
def serving(app) -> Iterator[str]:
    """``app`` on a free loopback port, in a thread, for the length of the block: its base URL."""
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, name="fuzz-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def fuzz(app, token: str, path_regex: str, examples: int) -> FuzzRun:
    """Every phase of schemathesis on the operations under ``path_regex``, over real HTTP on loopback.

    (In process through WSGI, schemathesis 4.32's ``ignored_auth`` probe passes
    ``max_redirects`` to werkzeug's test client and crashes; a loopback server
    runs every check.)
    """
    run = FuzzRun()
    with serving(app) as base:
        schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json", config=_config(token, examples))
        schema = schema.include(path_regex=path_regex)
        for event in from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished):
                _take(run, event.recorder)
            elif isinstance(event, events.NonFatalError | events.FatalError):
                exc = getattr(event, "value", None) or getattr(event, "exception", None)
                run.errors.append("".join(traceback.format_exception(exc))[-1200:])
    return run


def _take(run: FuzzRun, recorder) -> None:
    for case_id, interaction in recorder.interactions.items():
        run.requests += 1
        status = interaction.response.status_code if interaction.response is not None else None
        run.statuses[(interaction.request.method, status)] += 1
        for check in recorder.checks.get(case_id, []):
            if check.failure_info is not None:
                run.failures.append(f"{check.name}: {interaction.request.method} "
                                    f"{interaction.request.uri} -> {status}: "
                                    f"{str(check.failure_info.failure)[:400]}")


@pytest.fixture
def stats_token(units) -> str:
    with Session(units) as session, session.begin():
        city = session.scalars(select(OrgUnit).where(OrgUnit.level == "city")).one()
        session.add(User(username="fuzz.leader", display_name="fuzz leader", password_hash="x",
                         role="leader", unit_id=city.id, is_active=True, failed_logins=0,
                         created_at=now_local(), password_changed_at=now_local()))
        session.flush()
        _, token = create_stats_token(session, "fuzz.leader")
    return token


def _report(run: FuzzRun) -> str:
    return (f"{run.requests} requests; statuses {dict(run.statuses)}\n"
            + "\n".join(dict.fromkeys(run.failures + run.errors)))


def test_the_ingest_api_keeps_its_document(api, units):
    """Warnings, outcomes and stop-payments, with a token and records that name a real warning."""
    assert api.post_batch("warnings", [warning(1)]).get_json()["inserted"] == 1
    run = fuzz(api.application, api.token, r"^/api/v1/(warnings|outcomes|stop-payments)$",
               MAX_EXAMPLES["ingest"])
    print(_report(run))
    assert run.requests > 300, _report(run)  # the budget was spent: every operation was tried
    assert not run.failures and not run.errors, _report(run)
    assert {status for _, status in run.statuses} >= {200, 400, 401, 405}, _report(run)


def test_the_statistics_api_keeps_its_document(api, units, stats_token):
    if units.dialect.name == "postgresql":
        pytest.skip("fuzzed on SQLite: the API checks its parameters before any query, and its "
                    "publications and the release ledger they write run on PostgreSQL in tests/statistics "
                    "and tests/web/test_statistics.py")
    run = fuzz(api.application, stats_token, r"^/api/v1/stats$", MAX_EXAMPLES["stats"])
    print(_report(run))
    assert run.requests > 100, _report(run)
    assert not run.failures and not run.errors, _report(run)
    assert {status for _, status in run.statuses} >= {200, 400, 401, 405}, _report(run)
