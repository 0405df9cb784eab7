"""Request hygiene: every body is bounded (chunked too), deep JSON is a 400 on every JSON
endpoint, and a control character in any parameter is a 400 on every route, never a 500."""

from __future__ import annotations

import io
import json
import socket
import threading

import pytest
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from dashboard.api import MAX_BODY_BYTES, TOKEN_ENDPOINTS
from dashboard.i18n import translate
from dashboard.ingest.tokens import create_token
from dashboard.web.hygiene import BODY_LIMIT, FORM_TYPES, MAX_JSON_DEPTH
from dashboard.web.login import DASH_UPDATE
from tests.web.dash_requests import ROUTER_OUTPUT, router_body
from tests.web.test_route_walk import sample_urls

IMPORT_MEGABYTES = 2  # the upload's limit in this module's app (512 MB as shipped)
BODY_LIMITS = {"api.ingest": MAX_BODY_BYTES,  # what the API registers (allow_larger_body)
               "imports.upload": IMPORT_MEGABYTES * 1024 * 1024}
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
MEDIA_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data",
               "text/plain")
JSON_ENDPOINTS = {DASH_UPDATE, "api.ingest"}  # the endpoints that parse a JSON body
FORM_ENDPOINTS = {"auth.login", "auth.second_factor", "auth.enrol", "auth.logout",
                  "auth.new_password", "auth.change_password", "imports.upload"}
# the API paths' other methods: 405 (204 for OPTIONS) with their Allow, the body never read
METHOD_ENDPOINTS = {"api.ingest_methods", "api.openapi_methods", "stats_api.stats_methods"}
CONTROL = ["\r\n", "\n", "\r", "\x00", "\t", "\x7f", "\x85", "\x1b"]


class CountingStream(io.RawIOBase):
    """A request body that counts the bytes the app read of it."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:  # the test client measures the body (ignored when chunked)
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.data.seek(offset, whence)

    def tell(self) -> int:
        return self.data.tell()

    def readinto(self, buffer) -> int:
        chunk = self.data.read(len(buffer))
        buffer[:len(chunk)] = chunk
        self.read_bytes += len(chunk)
        return len(chunk)


@pytest.fixture
def fresh_app(app_factory):
    """The app with a small upload limit, so that the walk can send one byte past it."""
    return app_factory(IMPORT_MAX_MEGABYTES=IMPORT_MEGABYTES)


@pytest.fixture
def token(fresh_app, engine) -> str:
    with Session(engine) as session, session.begin():
        return create_token(session, "upstream")[1]


@pytest.fixture
def officer(fresh_client):
    return fresh_client("officer")


def write_rules(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) of every rule that takes a body; the logout last."""
    found = []
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        for method in sorted(set(WRITE_METHODS) & rule.methods):
            url = adapter.build(rule.endpoint, {name: "warnings" if name == "kind" else "1"
                                                for name in rule.arguments})
            found.append((rule.endpoint, method, url))
    return sorted(found, key=lambda item: item[0] == "auth.logout")


def body_of(size: int, media_type: str) -> bytes:
    """``size`` bytes that read as one field of ``media_type`` (or as text)."""
    head = {"application/x-www-form-urlencoded": b"a=",
            "multipart/form-data": b'--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\n'
            }.get(media_type, b"")
    return head + b"b" * (size - len(head))


def send(client, method, url, body: bytes, media_type: str, *, chunked: bool, token=None):
    """``body`` to ``url``: with a Content-Length, or chunked as a WSGI server hands it on
    (``Transfer-Encoding: chunked``, which voids the length the test client adds, and
    ``wsgi.input_terminated``); the answer and the bytes the app read."""
    stream = CountingStream(body)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if media_type == "multipart/form-data":
        media_type += "; boundary=xyz"
    if chunked:
        headers["Transfer-Encoding"] = "chunked"
        response = client.open(url, method=method, input_stream=stream, content_type=media_type,
                               headers=headers, environ_overrides={"wsgi.input_terminated": True})
    else:
        response = client.open(url, method=method, input_stream=stream, content_type=media_type,
                               headers=headers)
    return response, stream.read_bytes


def test_the_walk_knows_every_endpoint_that_takes_a_body(fresh_app):
    assert {endpoint for endpoint, _, _ in write_rules(fresh_app)} == (
        JSON_ENDPOINTS | FORM_ENDPOINTS | METHOD_ENDPOINTS)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_no_body_is_read_past_its_limit_on_any_endpoint(fresh_app, officer, token, chunked):
    for endpoint, method, url in write_rules(fresh_app):
        limit = BODY_LIMITS.get(endpoint, BODY_LIMIT)
        for media_type in MEDIA_TYPES:
            response, read = send(officer, method, url, body_of(limit + 1, media_type),
                                  media_type, chunked=chunked,
                                  token=token if endpoint in TOKEN_ENDPOINTS else None)
            case = (endpoint, media_type, response.status_code, read)
            assert response.status_code < 500 and read <= limit + 1, case
            reads = (endpoint in JSON_ENDPOINTS and media_type == "application/json"
                     or endpoint in FORM_ENDPOINTS and media_type in FORM_TYPES)
            if reads or read > limit:  # the body was read: refused as a whole, never cut off
                assert response.status_code == 413, case


def test_a_body_sent_with_a_get_is_never_read_past_the_limit(fresh_app, officer, token):
    suite = "/_dash-component-suites/dash/dash-renderer/build/dash_renderer.min.js"
    for endpoint, method, url in sample_urls(fresh_app, suite):
        if method != "GET":
            continue
        limit = BODY_LIMITS.get(endpoint, BODY_LIMIT)
        for chunked in (False, True):
            response, read = send(officer, "GET", url, body_of(limit + 1, "application/json"),
                                  "application/json", chunked=chunked,
                                  token=token if endpoint in TOKEN_ENDPOINTS else None)
            assert response.status_code < 500 and read <= limit + 1, (endpoint, chunked)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_at_the_limit_is_read_whole(officer, token, chunked):
    limit = BODY_LIMITS["api.ingest"]
    body = json.dumps([{"external_id": "x"}]).encode()
    body += b" " * (limit - len(body))
    response, read = send(officer, "POST", "/api/v1/warnings", body, "application/json",
                          chunked=chunked, token=token)
    assert read == limit and response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.get_json()["results"][0]["status"] == "rejected"


def test_the_refusal_says_why_in_the_callers_terms(officer, token):
    dash, _ = send(officer, "POST", DASH_UPDATE, b"a" * (BODY_LIMIT + 1), "application/json",
                   chunked=True)
    assert dash.status_code == 413 and dash.get_json()["field"] == "body"
    limit = f"{BODY_LIMIT / 1024 / 1024:g} MB"
    assert translate("request.reason.too_large", "zh-CN", limit=limit) in dash.get_json()["error"]
    api, _ = send(officer, "POST", "/api/v1/outcomes", b"a" * (BODY_LIMITS["api.ingest"] + 1),
                  "application/json", chunked=True, token=token)
    assert api.status_code == 413 and api.get_json()["error"]["field"] == "body"


class RealServer:
    """The app behind werkzeug's own server (which dechunks bodies) on 127.0.0.1."""

    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def post_chunked(self, path: str, chunks: list[bytes], token: str) -> int:
        with socket.create_connection(("127.0.0.1", self.server.server_port), timeout=60) as sock:
            head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                    "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                    "Connection: close\r\n\r\n").encode()
            body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks)
            sock.sendall(head + body + b"0\r\n\r\n")
            status_line = sock.makefile("rb").readline()
        return int(status_line.split()[1])

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


def test_a_real_server_reads_chunked_bodies_whole_and_refuses_them_past_the_limit(fresh_app,
                                                                                   token):
    server = RealServer(fresh_app)
    try:
        batch = json.dumps([{"external_id": "x"}]).encode()
        assert server.post_chunked("/api/v1/warnings", [batch[:5], batch[5:]], token) == 200
        limit = BODY_LIMITS["api.ingest"]
        over = [b" " * (1024 * 1024)] * (limit // (1024 * 1024)) + [batch]
        assert server.post_chunked("/api/v1/warnings", over, token) == 413
    finally:
        server.stop()


def nested(depth: int, shape: str) -> str:
    if shape == "arrays":
        return "[" * depth + "]" * depth
    if shape == "objects":
        return '{"a":' * depth + "1" + "}" * depth
    pairs, core = depth // 2, "[]" if depth % 2 else "1"
    return '[{"a":' * pairs + core + "}]" * pairs  # mixed


def deep_bodies(depth: int) -> list[str]:
    """Bodies nested ``depth`` levels: bare, and inside a well-formed callback body."""
    callback = json.dumps({**router_body("/404"), "extra": "@"})
    return [nested(depth, "arrays"), nested(depth, "objects"), nested(depth, "mixed"),
            callback.replace('"@"', nested(depth - 1, "mixed"))]


def json_posts(officer, token):
    """Post a JSON text to every JSON endpoint, with what each needs to read it."""
    def post(text: str):
        yield "dash", officer.post(DASH_UPDATE, data=text, content_type="application/json")
        for kind in ("warnings", "outcomes", "stop-payments"):
            yield kind, officer.post(f"/api/v1/{kind}", data=text, content_type="application/json",
                                     headers={"Authorization": f"Bearer {token}"})
    return post


def refused_for_depth(name: str, response) -> bool:
    body = response.get_json() or {}
    if name == "dash":
        return body.get("field") == "body" and translate(
            "request.reason.too_deep", "zh-CN", depth=MAX_JSON_DEPTH) in body.get("error", "")
    return body.get("error") == {"field": "body", "reason": translate(
        "request.reason.too_deep", "en", depth=MAX_JSON_DEPTH)}


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5_000, 100_000])
def test_json_nested_too_deep_is_a_400_that_says_so_on_every_json_endpoint(officer, token, depth):
    post = json_posts(officer, token)
    for text in deep_bodies(depth):
        for name, response in post(text):
            assert response.status_code == 400 and refused_for_depth(name, response), (
                name, depth, response.status_code, response.get_data(as_text=True)[:200])


def test_json_at_the_depth_limit_is_not_refused_for_depth(officer, token):
    post = json_posts(officer, token)
    *bare, callback = deep_bodies(MAX_JSON_DEPTH)
    for text in bare:
        for name, response in post(text):
            assert response.status_code < 500 and not refused_for_depth(name, response), name
    assert next(post(callback))[1].status_code == 200  # Dash draws the page


@pytest.mark.parametrize("changed", [
    ['{"a":' + nested(MAX_JSON_DEPTH + 5, "arrays") + "}.n_clicks"],
    ['{"a":' + nested(100_000, "objects") + "}.n_clicks"],
    ['{"type": "x", "index".n_clicks'],    # an id that is not JSON
    ['{"type": ["x"]]}.n_clicks'],
    [1], "x", {"a": 1},
])
def test_a_callback_whose_changed_ids_dash_cannot_read_is_a_400(officer, changed):
    body = {**router_body("/404"), "changedPropIds": changed}
    response = officer.post(DASH_UPDATE, json=body)
    assert response.status_code == 400 and response.get_json()["field"] == "changedPropIds"


@pytest.mark.parametrize("text", ["{", "[1,", "nul", "\"a", "{\"output\": 1}", "[]", "7"])
def test_a_callback_body_that_is_not_one_is_a_400(officer, text):
    response = officer.post(DASH_UPDATE, data=text, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["field"] == "body"


def quoted(text: str) -> str:
    return "".join(f"%{b:02X}" for b in text.encode())


@pytest.mark.parametrize("who", ["anonymous", "officer"])
def test_a_control_character_in_any_parameter_of_any_route_is_a_400(fresh_app, fresh_client, who):
    client = fresh_client(None if who == "anonymous" else "officer")
    suite = "/_dash-component-suites/dash/dash-renderer/build/dash_renderer.min.js"
    urls = {url for _, method, url in sample_urls(fresh_app, suite) if method == "GET"}
    for url in sorted(urls):
        for char in CONTROL:
            joiner = "&" if "?" in url else "?"
            for query in (f"next={quoted('/a' + char + 'b')}", f"x{quoted(char)}=1",
                          f"unit=1&period={quoted(char)}"):
                response = client.get(f"{url}{joiner}{query}")
                assert response.status_code == 400, (url, query, response.status_code)
            response = client.get(f"{url.rstrip('/')}/{quoted(char)}")
            assert response.status_code == 400, (url, repr(char), response.status_code)


@pytest.mark.parametrize("char", CONTROL)
def test_a_control_character_in_a_form_field_is_a_400(fresh_client, char):
    client = fresh_client()
    for field in ("next", "username", "csrf_token"):
        response = client.post("/login", data={"username": "officer", "password": "x",
                                               "next": "/queue", field: f"a{char}b"})
        assert response.status_code == 400, (field, response.status_code)
        assert "error-message" in response.get_data(as_text=True)  # the error page, translated


def mutations(body: dict, dependency: dict) -> list[tuple[str, dict]]:
    """Bodies Dash could not read: each one change away from a well-formed ``body``."""
    def changed(**parts):
        return {**body, **parts}

    many = [isinstance(item, list) for item in body["inputs"]]
    found = [("an input more", changed(inputs=body["inputs"] + [body["inputs"][-1]])),
             ("a state more", changed(state=body["state"] + [{"id": "x", "property": "y"}])),
             ("inputs not a list", changed(inputs={"id": "x"})),
             ("an input that is text", changed(inputs=["x"] + body["inputs"][1:])),
             ("an input's list wrapped or unwrapped", changed(inputs=[
                 {"id": "x", "property": "y"} if many[0] else [body["inputs"][0]]]
                 + body["inputs"][1:])),
             ("an input without its property", changed(inputs=[{"id": "x"}] + body["inputs"][1:]))]
    if len(body["inputs"]) > 1:
        found.append(("an input fewer", changed(inputs=body["inputs"][:-1])))
    if body["state"]:
        found.append(("a state fewer", changed(state=body["state"][:-1])))
    if isinstance(body["outputs"], list) and dependency["output"].startswith(".."):
        found.append(("an output fewer", changed(outputs=body["outputs"][:-1])))
    else:
        found.append(("outputs that are text", changed(outputs="x")))
    return found


@pytest.mark.parametrize("role", ["leader", "commander", "officer", "sysadmin", "secadmin", "auditor",
                                  "press"])
def test_a_callback_body_of_another_shape_than_declared_is_a_400(app, logged_in_client, role):
    from tests.web.dash_requests import callback_body
    from tests.web.test_route_walk import declared_callback_permission, may

    client = logged_in_client(role)
    callbacks = app.extensions["dash"].callback_map
    walked = 0
    for dependency in client.get("/_dash-dependencies").get_json():
        output = dependency["output"]
        if dependency["clientside_function"] is not None or not dependency["inputs"]:
            continue
        router = output == ROUTER_OUTPUT
        if not may(role, "signed_in" if router else declared_callback_permission(callbacks[output])):
            continue
        body = router_body("/404") if router else callback_body(dependency)
        for name, bad in mutations(body, dependency):
            response = client.post(DASH_UPDATE, json=bad)
            assert response.status_code == 400, (role, output, name, response.status_code)
        walked += 1
    assert walked >= 2  # the router and at least one callback of the role's own pages


@pytest.mark.parametrize("value", [{"a": 1}, ["/"], 404, True])
def test_the_page_router_takes_text_only(client, value):
    for index in (0, 1):
        body = router_body("/404")
        body["inputs"][index]["value"] = value
        response = client.post(DASH_UPDATE, json=body)
        field = response.get_json()["field"]  # the part, or the component that carried it
        assert response.status_code == 400 and field in (
            "inputs", f"{body['inputs'][index]['id']}.{body['inputs'][index]['property']}")
