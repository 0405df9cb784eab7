"""The methods of each API path: 405 with the right ``Allow`` for the others, and OPTIONS.

Without this, a method an API path does not take would fall through to the
Dash pages' catch-all route (``GET /api/v1/warnings`` would answer with the
login page), and Flask's automatic OPTIONS would advertise that route's GET.
So every API path also gets a rule for every other common method, served by
``refuse``: OPTIONS answers 204 and any other method 405, both with ``Allow``
listing exactly the methods the OpenAPI document states for that path.  These
endpoints read no cookie and need no login (``METHOD_ENDPOINTS``).
"""

from __future__ import annotations

from flask import Blueprint, jsonify, make_response, request

# the methods a client may try: HTTP's own, WebDAV's commonest, and QUERY
COMMON_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT",
                  "QUERY", "PROPFIND", "LOCK", "COPY", "MOVE")


def allow_header(methods: tuple[str, ...]) -> str:
    """``Allow`` for a path taking ``methods`` (OPTIONS is always answered)."""
    return ", ".join((*methods, "OPTIONS"))


def add_path(bp: Blueprint, rule: str, methods: tuple[str, ...], view, endpoint: str) -> str:
    """Register ``view`` for ``methods`` of ``rule`` and ``refuse`` for every other; the refusal's endpoint."""
    bp.add_url_rule(rule, endpoint, view, methods=list(methods), provide_automatic_options=False)
    allow = allow_header(methods)

    def refuse(**_kwargs):
        if request.method == "OPTIONS":
            response = make_response("", 204)
        else:
            response = make_response(jsonify(error={
                "field": "method", "reason": f"{request.method} is not allowed here; use {allow}"}), 405)
        response.headers["Allow"] = allow
        return response

    others = [m for m in COMMON_METHODS if m not in methods and not (m == "HEAD" and "GET" in methods)]
    bp.add_url_rule(rule, f"{endpoint}_methods", refuse, methods=others,
                    provide_automatic_options=False)
    return f"{bp.name}.{endpoint}_methods"
