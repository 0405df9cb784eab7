"""The ingest API, ``/api/v1``: JSON batches in, a result per record out.

Authentication is a per-source token in ``Authorization: Bearer <token>``;
a browser session does not work here and tokens work nowhere else.  A
parseable batch answers 200 with one result per record (inserted,
duplicate, updated or rejected with ``{field, reason}`` errors) — a batch
with rejected records is still 200, the rejected ones are kept for admins
to fix and replay.  The whole request is one transaction.  The OpenAPI
document is served at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from dashboard.api.openapi import openapi_document
from dashboard.ingest.batch import BatchError, ingest_batch
from dashboard.ingest.tokens import token_source
from dashboard.web.database import request_session

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_BODY_BYTES = 20 * 1024 * 1024
# endpoints that take an ingest token instead of a login session (and no cookie at all)
TOKEN_ENDPOINTS = frozenset({"api.ingest", "api.openapi"})


def _error(status: int, field: str, reason: str):
    return jsonify(error={"field": field, "reason": reason}), status


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
    if request.content_length and request.content_length > MAX_BODY_BYTES:
        return _error(413, "body", f"larger than {MAX_BODY_BYTES // (1024 * 1024)} MB")
    if not request.is_json:
        return _error(415, "Content-Type", "must be application/json")
    body = request.get_json(silent=True)
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
    app.register_blueprint(bp)
