"""Speaking Dash's protocol from a test client: page router requests and callback bodies."""

from __future__ import annotations

import json

from dashboard.bench.dash_protocol import ROUTER_OUTPUT, router_body

__all__ = ["ROUTER_OUTPUT", "router_body"]  # shared with the bench; the rest is defined here


def render_page(client, pathname: str, search: str = ""):
    """The page content the router answers for ``pathname`` (asserting a 200)."""
    response = client.post("/_dash-update-component", json=router_body(pathname, search))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]["_pages_content"]["children"]


def find(component, component_id):
    """The component with ``component_id`` anywhere inside ``component``, or None."""
    if isinstance(component, dict):
        if component.get("props", {}).get("id") == component_id:
            return component
        for value in component.get("props", {}).values():
            found = find(value, component_id)
            if found:
                return found
    elif isinstance(component, list):
        for item in component:
            found = find(item, component_id)
            if found:
                return found
    return None


def _concrete(component_id):
    """A pattern-matching id with its wildcards filled in (``MATCH`` -> "walk")."""
    if isinstance(component_id, str) and component_id.startswith("{"):
        component_id = json.loads(component_id)
    if isinstance(component_id, dict):
        return {k: ("walk" if isinstance(v, list) else v) for k, v in component_id.items()}
    return component_id


def split_output(output: str) -> list[dict]:
    """``..a.children...b.value..`` (or ``a.children``) as Dash's ``outputs`` list."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    outputs = []
    for part in parts:
        component_id, prop = part.rsplit(".", 1)
        outputs.append({"id": _concrete(component_id), "property": prop})
    return outputs


def callback_body(dependency: dict, values: dict | None = None,
                  changed: list[str] | None = None) -> dict:
    """A body for the callback of one ``/_dash-dependencies`` entry; inputs None by default."""
    values = values or {}

    def item(spec):
        raw = spec["id"]
        parsed = json.loads(raw) if isinstance(raw, str) and raw.startswith("{") else raw
        if isinstance(parsed, dict) and any(v in (["ALL"], ["ALLSMALLER"]) for v in parsed.values()):
            return []  # ALL / ALLSMALLER: no matching components
        return {"id": _concrete(parsed), "property": spec["property"],
                "value": values.get(f"{raw}.{spec['property']}")}

    outputs = split_output(dependency["output"])
    return {"output": dependency["output"],
            "outputs": outputs if len(outputs) > 1 or dependency["output"].startswith("..")
            else outputs[0],
            "inputs": [item(spec) for spec in dependency["inputs"]],
            "state": [item(spec) for spec in dependency["state"]],
            "changedPropIds": changed or []}


def post_callback(client, output: str, inputs: list[dict], state: list[dict] | None = None,
                  changed: list[str] | None = None):
    """Fire the callback whose output key is ``output`` with explicit inputs and state."""
    outputs = split_output(output)
    body = {"output": output, "outputs": outputs if output.startswith("..") else outputs[0],
            "inputs": inputs, "state": state or [],
            "changedPropIds": changed if changed is not None else
            [f"{i['id']}.{i['property']}" for i in inputs[:1]]}
    return client.post("/_dash-update-component", json=body)
