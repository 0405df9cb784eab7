"""The ingest API, ``/api/v1``: JSON batches in, a result per record out.

Authentication is a per-source token in ``Authorization: Bearer <token>``;
a browser session does not work here and tokens work nowhere else.  A
parseable batch answers 200 with one result per record (inserted,
duplicate, updated or rejected with ``{field, reason}`` errors) — a batch
with rejected records is still 200, the rejected ones are kept for admins
to fix and replay.  The whole request is one transaction.  A token's
records carry its source, and its follow-ups name warnings of that source or
of the sources it was granted (``dashboard.ingest.tokens.Sender``).  The
OpenAPI document is served at ``/api/v1/openapi.json``; other methods on the
API's paths answer 405 with ``Allow`` (``dashboard.api.methods``).

Each source may send ``INGEST_RATE_LIMIT_PER_MINUTE`` requests in any 60
seconds, counted for all workers in the shared store
(``dashboard.web.shared``); a request over it gets 429 with ``Retry-After``
and nothing of it is stored.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from dashboard.api import stats  # GET /api/v1/stats: statistics with disclosure control
from dashboard.api.methods import add_path
from dashboard.api.openapi import openapi_document
from dashboard.domain.times import check_max_future_minutes
from dashboard.ingest.batch import BatchError, ingest_batch
from dashboard.ingest.tokens import token_sender
from dashboard.web import hygiene, login, shared
from dashboard.web.database import request_session

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_BODY_BYTES = 20 * 1024 * 1024
INGEST_RULE = "/<any(warnings, outcomes, 'stop-payments'):kind>"
# endpoints that take an ingest token instead of a login session (and no cookie at all); the
# statistics API (GET only) takes a statistics token or a login session and answers 401 itself;
# the *_methods endpoints answer other methods with 405 and Allow (``dashboard.api.methods``)
TOKEN_ENDPOINTS = frozenset({"api.ingest", "api.openapi", "stats_api.stats", "api.ingest_methods",
                             "api.openapi_methods", "stats_api.stats_methods"})


def _error(status: int, field: str, reason: str):
    return jsonify(error={"field": field, "reason": reason}), status


def _over_rate_limit(source: str):
    """A 429 answer when ``source`` has used its requests of the last minute, else None."""
    limit = int(current_app.config.get("INGEST_RATE_LIMIT_PER_MINUTE") or 0)
    if limit <= 0:
        return None
    allowance = shared.store().take(f"ingest:{source}", limit, 60)
    if allowance.ok:
        return None
    response, status = _error(429, "Authorization", f"source {source!r} sent more than {limit} "
                              f"requests in 60 s; send again in {allowance.retry_after} s")
    response.headers["Retry-After"] = str(allowance.retry_after)
    return response, status


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else None


def ingest(kind: str):
    session = request_session()
    sender = token_sender(session, _bearer())
    if sender is None:
        session.rollback()
        return _error(401, "Authorization", "a valid ingest token is required (Bearer)")
    source = sender.source
    refused = _over_rate_limit(source)
    if refused is not None:
        session.rollback()
        return refused
    if request.content_length and request.content_length > MAX_BODY_BYTES:
        return _error(413, "body", f"larger than {MAX_BODY_BYTES // (1024 * 1024)} MB")
    if not request.is_json:
        return _error(415, "Content-Type", "must be application/json")
    body = request.get_json()  # too large, not JSON or nested too deep: 413/400 (web.hygiene)
    if body is None:
        return _error(400, "body", "is not valid JSON")
    try:
        result = ingest_batch(session, kind, body, sender=sender, actor=f"token:{source}",
                              source_address=request.remote_addr,
                              max_future_minutes=current_app.config["MAX_FUTURE_MINUTES"])
    except BatchError as exc:
        session.rollback()
        field, _, reason = str(exc).partition(": ")
        return _error(400, field, reason)
    session.commit()
    return jsonify(result.as_dict())


def openapi():
    return jsonify(openapi_document())


add_path(bp, INGEST_RULE, ("POST",), ingest, "ingest")
add_path(bp, "/openapi.json", ("GET", "HEAD"), openapi, "openapi")


def init_app(app) -> None:

    app.config["MAX_FUTURE_MINUTES"] = check_max_future_minutes(app.config["MAX_FUTURE_MINUTES"])
    app.register_blueprint(bp)
    app.register_blueprint(stats.bp)
    login.allow_token_endpoints(app, TOKEN_ENDPOINTS)
    hygiene.allow_larger_body(app, "api.ingest", MAX_BODY_BYTES)
