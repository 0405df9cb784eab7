"""Speaking Dash's protocol as the browser's code does, through the Flask test client or HTTP.

The page router's request draws a page (``router_body``); a callback is
called by its output key with the inputs and state the browser would send
(``callback_body``, from the app's own ``/_dash-dependencies``).  ``post``
and ``render`` take a Flask test client or a ``ServerSession`` (requests
against a running server, paths relative to its base URL).
"""

from __future__ import annotations

import re

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

UPDATE = "/_dash-update-component"
ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."
ORIGIN = "http://localhost"


class CallFailed(RuntimeError):
    """The server answered something other than 200 (or no page content)."""


class ServerSession(requests.Session):
    """A ``requests`` session against the server at ``base``: ``get("/login")`` and so on.

    No redirect is followed and no proxy of the environment is used (the
    server is on this machine); every request has ``timeout`` seconds.  A
    request whose kept-alive connection the server closed just as it was
    sent (reset, no answer) is sent once more on a new connection, as
    browsers do; its time counts both.
    """

    def __init__(self, base: str, timeout: float = 30.0) -> None:
        super().__init__()
        self.base, self.timeout, self.trust_env = base.rstrip("/"), timeout, False
        again = Retry(total=1, connect=1, read=1, status=0, redirect=0, other=0, allowed_methods=None,
                      raise_on_status=False)
        self.mount(self.base, HTTPAdapter(max_retries=again))  # the server measured, nothing else

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("allow_redirects", False)
        return super().request(method, self.base + url if url.startswith("/") else url, **kwargs)


def _json(response):
    """The JSON body of a Flask test response or a ``requests`` response (None if not JSON)."""
    if hasattr(response, "get_json"):
        return response.get_json(silent=True)
    try:
        return response.json()
    except ValueError:
        return None


def csrf_field(form_html: str) -> str:
    """The CSRF token in the hidden field of the login form."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', form_html)
    if found is None:
        raise CallFailed("the login form has no csrf_token field")
    return found.group(1)


def router_body(pathname: str, search: str = "") -> dict:
    """The request the browser's page router sends for ``pathname`` + ``search``."""
    return {
        "output": ROUTER_OUTPUT,
        "outputs": [{"id": "_pages_content", "property": "children"},
                    {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                   {"id": "_pages_location", "property": "search", "value": search}],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }


def _outputs(output: str) -> list[dict]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [dict(zip(("id", "property"), part.rsplit(".", 1), strict=True)) for part in parts]


def callback_body(dependencies: list[dict], output: str, values: dict, changed: str) -> dict:
    """The body for the callback whose output key is ``output``; ``values`` by ``id.property``."""
    for dependency in dependencies:
        if dependency["output"] == output:
            break
    else:
        raise CallFailed(f"no callback with output {output}")

    def item(spec):
        return {"id": spec["id"], "property": spec["property"],
                "value": values.get(f"{spec['id']}.{spec['property']}")}

    outputs = _outputs(output)
    return {"output": output, "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": [item(s) for s in dependency["inputs"]],
            "state": [item(s) for s in dependency["state"]], "changedPropIds": [changed]}


def post(client, body: dict) -> dict:
    response = client.post(UPDATE, json=body)
    if response.status_code != 200:
        raise CallFailed(f"{body['output']}: HTTP {response.status_code} {response.text[:200]}")
    answer = _json(response)
    if not isinstance(answer, dict):
        raise CallFailed(f"{body['output']}: the answer is not a JSON object")
    return answer


def render(client, pathname: str, search: str = "") -> dict:
    """The page content the router answers (``CallFailed`` when there is none)."""
    answer = post(client, router_body(pathname, search))
    try:
        content = answer["response"]["_pages_content"]["children"]
    except (KeyError, TypeError):
        content = None
    if not content:
        raise CallFailed(f"{pathname}{search}: no page content")
    return content


def login(app, username: str, password: str):
    """A test client logged in as ``username`` through the login form, sending CSRF as the browser does."""
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = ORIGIN
    token = csrf_field(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": token})
    if response.status_code != 302:
        raise CallFailed(f"login {username}: HTTP {response.status_code}")
    cookie = client.get_cookie("_csrf_token")
    if cookie is not None:
        client.environ_base["HTTP_X_CSRFTOKEN"] = cookie.value
    return client
