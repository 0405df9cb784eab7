"""Request hygiene: bounded bodies, bounded JSON, no control characters in parameters.

- **Body size.**  Every request body is read through werkzeug's limited
  stream: ``BODY_LIMIT`` bytes, ``allow_larger_body`` for the endpoints that need
  more (the ingest API).  The limit is set per request before anything reads
  the body.  A ``Content-Length`` over it is refused before reading; a
  ``Transfer-Encoding: chunked`` body (the WSGI server dechunks it and marks
  it ``wsgi.input_terminated``) is read up to the limit and refused if it
  goes on (``WholeBodyStream``), never cut off and used.  Over it: 413.
- **JSON.**  Every ``request.get_json`` (ours and Dash's) parses through
  ``BoundedJSONProvider``: a body nested deeper than ``MAX_JSON_DEPTH``
  levels (or so deep that the parser itself gives up) is refused as
  ``JSONRefused``; ``BoundedRequest`` turns that, and any unparsable body, into
  a 400 naming the reason.  ``bounded_loads`` is the same parser for JSON that
  travels inside a body (Dash's pattern-matching ids).
- **Control characters.**  A request whose path, query parameter (name or
  value) or form field holds a control character (CR, LF, NUL, tab, DEL,
  C1) is refused with 400 before any view runs: such a value can only be an
  attack on a header, a log line or a redirect.

Refusals are ``RequestRefused`` (an ``HTTPException``): the API answers
``{"error": {"field", "reason"}}`` as it does for its own errors, Dash and
other JSON callers ``{"error": message, "field"}``, pages the error page.
"""

from __future__ import annotations

import json
import unicodedata

from flask import Flask, Request, current_app, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, UnsupportedMediaType
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream

from dashboard.i18n import t
from dashboard.web.login import wants_json

BODY_LIMIT = 1024 * 1024  # every body but the ingest API's batches (Dash sends a few kB)
MAX_JSON_DEPTH = 64  # Dash's callback bodies nest 3 to 6 levels, the ingest batches 3
API_BLUEPRINTS = frozenset({"api", "stats_api"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class JSONRefused(ValueError):
    """JSON nested deeper than ``MAX_JSON_DEPTH``."""


class RequestRefused(HTTPException):
    """A request refused for its form, naming the ``field`` and the reason (a message id)."""

    def __init__(self, code: int, field: str, reason: str, **params) -> None:
        super().__init__(description=f"{field}: {reason}")
        self.code = code
        self.field = field
        self.reason = reason
        self.params = params


def _too_deep(data, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def bounded_loads(text: str | bytes, **kwargs):
    """``json.loads`` that raises ``JSONRefused`` (a ``ValueError``) for deep nesting."""
    try:
        data = json.loads(text, **kwargs)
    except RecursionError:
        raise JSONRefused(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    if isinstance(data, dict | list) and _too_deep(data, MAX_JSON_DEPTH):
        raise JSONRefused(f"nested deeper than {MAX_JSON_DEPTH} levels")
    return data


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, parsing with ``bounded_loads``."""

    def loads(self, s: str | bytes, **kwargs):
        return bounded_loads(s, **kwargs)


class WholeBodyStream(LimitedStream):
    """A body of unknown length read up to ``limit`` bytes; one byte more is a 413.

    werkzeug's own maximum stops a full read quietly at the limit (the rest
    of a chunked body would be cut off, and a cut form parsed); this one
    looks one byte past it and refuses the request if the body goes on.
    """

    def on_exhausted(self) -> None:
        if self._stream.read(1):
            raise RequestEntityTooLarge()

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted:
            self.on_exhausted()
        return data


class BoundedRequest(Request):
    """A request whose body is bounded (chunked too) and whose JSON errors are 400s that say
    why (415 for another media type)."""

    @cached_property
    def stream(self):
        limit = self.max_content_length
        if limit is not None and self.content_length is None \
                and "wsgi.input_terminated" in self.environ:  # chunked: the server ends the body
            return WholeBodyStream(self.environ["wsgi.input"], limit, is_max=True)
        return get_input_stream(self.environ, max_content_length=limit)

    def on_json_loading_failed(self, e: ValueError | None):
        if e is None:
            raise RequestRefused(415, "Content-Type", "request.reason.media_type")
        if isinstance(e, JSONRefused):
            raise RequestRefused(400, "body", "request.reason.too_deep", depth=MAX_JSON_DEPTH)
        raise RequestRefused(400, "body", "request.reason.not_json")


def _field_name(name: str) -> str:
    return name.encode("unicode_escape").decode("ascii")[:40]


def has_control_character(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def _refuse_control_characters() -> None:
    if has_control_character(request.path):
        raise RequestRefused(400, "path", "request.reason.control_characters")
    fields = request.args
    if request.mimetype in FORM_TYPES and request.blueprint not in API_BLUEPRINTS:
        fields = request.values  # the query and the form (the API reads no form: no body read here)
    for name, value in fields.items(multi=True):
        if has_control_character(name) or has_control_character(value):
            raise RequestRefused(400, _field_name(name), "request.reason.control_characters")


def allow_larger_body(app: Flask, endpoint: str, limit: int) -> None:
    """``endpoint`` takes bodies of up to ``limit`` bytes (the ingest API's batches)."""
    app.extensions.setdefault("body_limits", {})[endpoint] = limit


def _limit_body() -> None:
    limits = current_app.extensions.get("body_limits", {})
    request.max_content_length = limits.get(request.endpoint, BODY_LIMIT)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def refusal(error: HTTPException):
    """The answer to a ``RequestRefused`` (and to werkzeug's 413 and 415)."""
    if isinstance(error, RequestEntityTooLarge):
        error = RequestRefused(413, "body", "request.reason.too_large",
                               limit=_megabytes(request.max_content_length or BODY_LIMIT))
    elif isinstance(error, UnsupportedMediaType) and not isinstance(error, RequestRefused):
        error = RequestRefused(415, "Content-Type", "request.reason.media_type")
    if request.blueprint in API_BLUEPRINTS:  # the API's own error shape, in English
        reason = t(error.reason, "en", **error.params)
        return jsonify(error={"field": error.field, "reason": reason}), error.code
    message = t("request.refused", field=error.field, reason=t(error.reason, **error.params))

    if wants_json() and request.mimetype not in FORM_TYPES:  # a form gets a page, as a refused CSRF
        return jsonify(error=message, field=error.field), error.code
    return render_template("auth/error.html", message=message, incident=None), error.code


def init_app(app: Flask) -> None:
    """Limits and checks that run before every other check (call first)."""
    app.request_class = BoundedRequest
    app.json = BoundedJSONProvider(app)
    app.config["MAX_CONTENT_LENGTH"] = BODY_LIMIT  # until _limit_body sets the request's own
    app.before_request(_limit_body)
    app.before_request(_refuse_control_characters)
    for error in (RequestRefused, RequestEntityTooLarge, UnsupportedMediaType):
        app.register_error_handler(error, refusal)
