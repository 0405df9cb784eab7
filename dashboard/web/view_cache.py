"""A drawn view, shared by every worker and viewer of the same view for a few seconds.

Fifty screens on the city overview ask for the same figures: the drawing of
a view (its queries, figures and components) is the same for every viewer
with the same scope and permissions who asks for the same unit, period,
metric and language.  ``shared_view`` keeps the drawn view, as Dash's JSON,
in the shared store (Redis, ``REDIS_URL``) for ``VIEW_CACHE_SECONDS`` under
a digest of exactly those things, so that only the first viewer in that
time pays for it.  The caller has already checked the unit against the
viewer's scope, and the viewer's scope and permissions are part of the key.
Without Redis, or with ``VIEW_CACHE_SECONDS=0``, every view is drawn anew.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from flask import current_app
from plotly.io.json import to_json_plotly

from dashboard.web import shared

VERSION = "v1"  # of the key's parts; bump it when a view's drawing depends on something new


def view_key(parts: dict) -> str:
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return f"view:{VERSION}:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def shared_view(parts: dict, draw: Callable[[], Any]) -> Any:
    """``draw()``, or the same view another worker drew in the last ``VIEW_CACHE_SECONDS``.

    ``parts``: everything the drawing depends on (page, unit, view state,
    language, the viewer's scope and permissions that change the view).
    """
    seconds = int(current_app.config.get("VIEW_CACHE_SECONDS") or 0)
    return shared.shared_for(view_key(parts), seconds, draw, to_json_plotly, json.loads)
