"""Speaking Dash's protocol from the Flask test client, as the browser's code does.

The page router's request draws a page (``router_body``); a callback is
called by its output key with the inputs and state the browser would send
(``callback_body``, from the app's own ``/_dash-dependencies``).
"""

from __future__ import annotations

import re

UPDATE = "/_dash-update-component"
ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."
ORIGIN = "http://localhost"


class CallFailed(RuntimeError):
    """The server answered something other than 200 (or no page content)."""


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
        raise CallFailed(f"{body['output']}: HTTP {response.status_code} "
                         f"{response.get_data(as_text=True)[:200]}")
    return response.get_json()


def render(client, pathname: str, search: str = "") -> dict:
    """The page content the router answers (``CallFailed`` when there is none)."""
    answer = post(client, router_body(pathname, search))
    try:
        return answer["response"]["_pages_content"]["children"]
    except (KeyError, TypeError):
        raise CallFailed(f"{pathname}{search}: no page content") from None


def login(app, username: str, password: str):
    """A test client logged in as ``username`` through the login form, sending CSRF as the browser does."""
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = ORIGIN
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": token})
    if response.status_code != 302:
        raise CallFailed(f"login {username}: HTTP {response.status_code}")
    cookie = client.get_cookie("_csrf_token")
    if cookie is not None:
        client.environ_base["HTTP_X_CSRFTOKEN"] = cookie.value
    return client
