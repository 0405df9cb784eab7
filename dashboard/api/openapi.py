"""The OpenAPI 3.1 document of the ingest and statistics APIs, built from the code that serves them.

The ingest records' schemas are the pydantic models that validate requests,
and the statistics parameters come from ``dashboard.statistics.request``, so
the document cannot drift from them.  Every status code a route can answer is
listed; methods a path does not take answer 405 with ``Allow``
(``dashboard.api.methods``).  ``tests/ingest/test_fuzz_openapi.py`` runs
schemathesis against the served document to hold the app to it.
"""

from __future__ import annotations

from functools import cache

from pydantic.json_schema import models_json_schema

from dashboard.domain.times import DEFAULT_MAX_FUTURE_MINUTES
from dashboard.i18n import LANGUAGES
from dashboard.ingest.batch import MAX_BATCH
from dashboard.ingest.schemas import SCHEMAS
from dashboard.statistics.request import COMPARISONS, FIGURES, MAX_FIGURES, MAX_UNITS

RESULT = {
    "type": "object",
    "required": ["batch", "kind", "inserted", "duplicate", "updated", "rejected", "results"],
    "properties": {
        "batch": {"type": "string"}, "kind": {"type": "string"},
        **{k: {"type": "integer"} for k in ("inserted", "duplicate", "updated", "rejected")},
        "results": {"type": "array", "items": {
            "type": "object", "required": ["index", "status"],
            "properties": {
                "index": {"type": "integer"},
                "status": {"enum": ["inserted", "duplicate", "updated", "rejected"]},
                "id": {"type": "integer"},
                "errors": {"type": "array", "items": {"$ref": "#/components/schemas/RecordError"}},
            }}},
    },
}
FIELD_ERROR = {"type": "object", "required": ["field", "reason"],
               "properties": {"field": {"type": "string"}, "reason": {"type": "string"}}}
# a record's error: the English reason, and a stable code with its parameters to translate
RECORD_ERROR = {"type": "object", "required": ["field", "reason", "code", "params"],
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"},
                               "code": {"type": "string"}, "params": {"type": "object"}}}
ERROR = {"type": "object", "required": ["error"],
         "properties": {"error": {"$ref": "#/components/schemas/FieldError"}}}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DESCRIPTION = f"""\
Upstream platforms send warnings and their follow-ups with an ingest token
(`Authorization: Bearer afd_...`, one source per token); scripts read
statistics with a statistics token (`Bearer afs_...`) or a login session.

A batch whose body parses answers 200 with one result per record, also when
records are rejected (each names its `field` and `reason`; rejected records
are kept for an admin to fix and replay).  A record's `source` must be its
token's; a follow-up may name warnings of the token's source and of the
sources it was granted, no others.  Every time must carry a time zone, lie
in 2000 or later, no more than `MAX_FUTURE_MINUTES` (default
{DEFAULT_MAX_FUTURE_MINUTES}) minutes ahead of the server's clock, and never
before the warning it follows.

Other methods on these paths answer 405 with `Allow`; OPTIONS answers 204
with `Allow`.  Errors other than a batch's per-record ones are
`{{"error": {{"field", "reason"}}}}`.
"""


def _error(text: str) -> dict:
    return {"description": text,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _ingest(kind: str, model) -> dict:
    return {"post": {
        "summary": f"Ingest a batch of {kind}",
        "operationId": f"ingest_{kind.replace('-', '_')}",
        "security": [{"ingestToken": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "array", "minItems": 1, "maxItems": MAX_BATCH,
            "items": {"$ref": f"#/components/schemas/{model.__name__}"}}}}},
        "responses": {
            "200": {"description": "One result per record; rejected records are kept for replay",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatchResult"}}}},
            "400": _error(f"Not valid JSON, or not a JSON array of 1 to {MAX_BATCH:,} records"),
            "401": _error("Missing, unknown or revoked ingest token"),
            "413": _error("Body larger than 20 MB"),
            "415": _error("Content-Type is not application/json"),
            "429": {**_error("More requests from this source in 60 s than "
                             "INGEST_RATE_LIMIT_PER_MINUTE; nothing stored, send again after "
                             "Retry-After seconds"),
                    "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}}},
            "503": {**_error("The database cannot take the batch now (unreachable, read-only or "
                             "too slow; the body also has `incident`): send the same batch again "
                             "after Retry-After seconds; a record already stored is recognised by "
                             "its source and external_id and not stored twice"),
                    "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}}},
        },
    }}


def _query(name: str, schema: dict, text: str, required: bool = False) -> dict:
    parameter = {"name": name, "in": "query", "required": required, "schema": schema,
                 "description": text}
    if schema.get("type") == "array":
        parameter.update(style="form", explode=True)
    return parameter


DAY = {"type": "string", "format": "date"}
STATS_PARAMETERS = [
    _query("unit", {"type": "array", "maxItems": MAX_UNITS, "items": {"type": "string"}},
           "Unit codes in the caller's scope (repeated or comma-separated); default the top of it"),
    _query("from", DAY, "First day, on or after 2000-01-01", required=True),
    _query("to", DAY, "Last day, before today, at most 3 years after `from`", required=True),
    _query("compare", {"type": "string", "enum": list(COMPARISONS)},
           "last_year (default), previous (the period before; a month to date: the same days of the month "
           "before; a year or a year to date: the same dates last year), or custom with compare_from and compare_to"),
    _query("compare_from", DAY, "First day compared with (compare=custom)"),
    _query("compare_to", DAY, "Last day compared with (compare=custom)"),
    _query("figure", {"type": "array", "maxItems": MAX_FIGURES,
                      "items": {"type": "string", "enum": list(FIGURES)}},
           "Figures (see docs/metrics.md), repeated or comma-separated"),
    _query("format", {"type": "string", "enum": ["json", "csv", "xlsx"]}, "Default json"),
    _query("lang", {"type": "string", "enum": list(LANGUAGES)}, "Default zh-CN"),
]
STATS = {"get": {
    "summary": "Published statistics of units in the caller's scope, under disclosure control",
    "operationId": "statistics",
    "security": [{"statsToken": []}, {"loginSession": []}],
    "parameters": STATS_PARAMETERS,
    "responses": {
        "200": {"description": "The publication: tables, headlines and footer",
                "content": {"application/json": {"schema": {"type": "object"}},
                            "text/csv": {"schema": {"type": "string"}},
                            XLSX: {"schema": {"type": "string", "format": "binary"}}}},
        "400": _error("A parameter the caller can fix: its field and reason"),
        "401": _error("No valid statistics token or login session"),
        "403": _error("The caller's role may not export statistics"),
    },
}}


@cache
def openapi_document() -> dict:
    _, defs = models_json_schema([(m, "validation") for m in SCHEMAS.values()],
                                 ref_template="#/components/schemas/{model}")
    schemas = {**defs["$defs"], "BatchResult": RESULT, "FieldError": FIELD_ERROR,
               "RecordError": RECORD_ERROR, "Error": ERROR}
    paths = {f"/api/v1/{kind}": _ingest(kind, model) for kind, model in SCHEMAS.items()}
    paths["/api/v1/stats"] = STATS
    return {
        "openapi": "3.1.0",
        "info": {"title": "Anti-fraud dashboard ingest and statistics API", "version": "1",
                 "description": DESCRIPTION},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {
            "ingestToken": {"type": "http", "scheme": "bearer",
                            "description": "An ingest token (afd_...): antifraud create-token"},
            "statsToken": {"type": "http", "scheme": "bearer",
                           "description": "A statistics token (afs_...): antifraud create-stats-token"},
            "loginSession": {"type": "apiKey", "in": "cookie", "name": "antifraud_session"},
        }},
    }
