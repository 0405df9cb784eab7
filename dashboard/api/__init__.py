"""The ingest API, ``/api/v1``: JSON batches in, a result per record out.

Authentication is a per-source token in ``Authorization: Bearer <token>``;
a browser session does not work here and tokens work nowhere else.  A
parseable batch answers 200 with one result per record (inserted,
duplicate, updated or rejected with ``{field, reason}`` errors) — a batch
with rejected records is still 200, the rejected ones are kept for admins
to fix and replay.  The whole request is one transaction.  The OpenAPI
document is served at ``/api/v1/openapi.json``.

Each source may send ``INGEST_RATE_LIMIT_PER_MINUTE`` requests in any 60
seconds, counted for all workers in the shared store
(``dashboard.web.shared``); a request over it gets 429 with ``Retry-After``
and nothing of it is stored.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from dashboard.api.openapi import openapi_document
from dashboard.ingest.batch import BatchError, ingest_batch
from dashboard.ingest.tokens import token_source
from dashboard.web import shared
from dashboard.web.database import request_session

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_BODY_BYTES = 20 * 1024 * 1024
# endpoints that take an ingest token instead of a login session (and no cookie at all); the
# statistics API (GET only) takes a statistics token or a login session and answers 401 itself
TOKEN_ENDPOINTS = frozenset({"api.ingest", "api.openapi", "stats_api.stats"})


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


@bp.post("/<any(warnings, outcomes, 'stop-payments'):kind>")
def ingest(kind: str):
    session = request_session()
    source = token_source(session, _bearer())
    if source is None:
        session.rollback()
        return _error(401, "Authorization", "a valid ingest token is required (Bearer)")
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
        result = ingest_batch(session, kind, body, source=source, actor=f"token:{source}",
                              source_address=request.remote_addr)
    except BatchError as exc:
        session.rollback()
        field, _, reason = str(exc).partition(": ")
        return _error(400, field, reason)
    session.commit()
    return jsonify(result.as_dict())


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


def init_app(app) -> None:
    from dashboard.api import stats  # GET /api/v1/stats: statistics with disclosure control

    app.register_blueprint(bp)
    app.register_blueprint(stats.bp)
