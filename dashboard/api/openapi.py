"""The OpenAPI 3.1 document of the ingest API, built from the pydantic schemas.

Built from the same models that validate requests, so it cannot drift from
them; a test checks every route of the blueprint is described.
"""

from __future__ import annotations

from functools import cache

from pydantic.json_schema import models_json_schema

from dashboard.ingest.batch import MAX_BATCH
from dashboard.ingest.schemas import SCHEMAS

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
                "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
            }}},
    },
}
FIELD_ERROR = {"type": "object", "required": ["field", "reason"],
               "properties": {"field": {"type": "string"}, "reason": {"type": "string"}}}
ERROR = {"type": "object", "properties": {"error": {"$ref": "#/components/schemas/FieldError"}}}


@cache
def openapi_document() -> dict:
    _, defs = models_json_schema([(m, "validation") for m in SCHEMAS.values()],
                                 ref_template="#/components/schemas/{model}")
    schemas = {**defs["$defs"], "BatchResult": RESULT, "FieldError": FIELD_ERROR, "Error": ERROR}
    paths = {}
    for kind, model in SCHEMAS.items():
        paths[f"/api/v1/{kind}"] = {"post": {
            "summary": f"Ingest a batch of {kind}",
            "security": [{"token": []}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "array", "minItems": 1, "maxItems": MAX_BATCH,
                "items": {"$ref": f"#/components/schemas/{model.__name__}"}}}}},
            "responses": {
                "200": {"description": "One result per record; rejected records are kept for replay",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatchResult"}}}},
                **{code: {"description": text, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"}}}}
                   for code, text in (("400", "Not a JSON array of 1 to 5,000 records"),
                                      ("401", "Missing, unknown or revoked token"),
                                      ("413", "Body too large"), ("415", "Not JSON"),
                                      ("429", "More requests from this source in 60 s than "
                                              "INGEST_RATE_LIMIT_PER_MINUTE; nothing stored, "
                                              "send again after Retry-After seconds"))},
            },
        }}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Anti-fraud dashboard ingest API", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas,
                       "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
    }
