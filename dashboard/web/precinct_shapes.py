"""``GET /geo/<unit id>/<level>.geojson``: the precinct shapes a map draws, within the viewer's scope.

The maps name their polygons by this URL (``shapes_url``)
instead of carrying them in every answer.  The unit is narrowed to the
logged-in user's scope on the server (``scope_within``: a unit outside it is
"not found" and an ``access_denied`` audit row).  The answer carries the
shapes' digest as its ETag and may be kept by the browser: the URL's ``v``
changes with the shapes, so a new import of boundaries is a new URL.
"""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, abort, current_app, request

from dashboard.metrics.geography import precincts
from dashboard.web.access import scope_within
from dashboard.web.database import request_session

bp = Blueprint("precinct_shapes", __name__)

LEVELS = ("county", "station")
KEEP_SECONDS = 86_400


SHAPES_PATH = "/geo/{unit_id}/{level}.geojson"


def shapes_digest(geojson: dict) -> str:
    """A short digest of a FeatureCollection: it changes whenever a shape or a feature id does."""
    text = json.dumps(geojson, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def shapes_url(unit_id: int, level: str, geojson: dict) -> str:
    """Where the browser fetches the ``level`` shapes under unit ``unit_id`` (``geojson``: those shapes)."""
    return SHAPES_PATH.format(unit_id=int(unit_id), level=level) + "?v=" + shapes_digest(geojson)


@bp.get("/geo/<int:unit_id>/<level>.geojson")
def shapes(unit_id: int, level: str):
    if level not in LEVELS:
        abort(404)
    scope = scope_within(unit_id)
    if scope.is_empty:
        abort(404)
    geojson = precincts(request_session(), scope, level)
    body = json.dumps(geojson, separators=(",", ":"), ensure_ascii=False)
    response = current_app.response_class(body, mimetype="application/geo+json")
    response.set_etag(shapes_digest(geojson))
    response.headers["Cache-Control"] = f"private, max-age={KEEP_SECONDS}"
    return response.make_conditional(request)
