"""Which pages a user may open and which callbacks they may fire: decided on the server.

Pages declare their permission (an action of ``data/permissions.csv``, or
``SIGNED_IN`` for any logged-in user)::

    dash.register_page(__name__, path="/admin/users", name="nav.users", permission="manage_users")

``guard_pages`` wraps every registered layout, so the page router answers a
user who lacks it with the translated "not allowed" view and an
``access_denied`` audit row; a page that declares nothing is refused to all.

A full page load (a GET of a page's address, which Dash answers with its
index) is decided before the index is served, by the router's own path
matching: 403 for a page the user may not open (with the audit row), and 404
for a record page (``path_template``) whose record is not found in the
user's scope (audited by the finder).  Record pages declare how to find it,
``record=`` a function of the layout's keyword arguments that raises
``NotFound``.  These refusals are the translated error page
(``auth/refused.html``), so the browser does not load Dash and the router
does not refuse (and audit) a second time.  An address that names no page
(and ``/404`` itself) answers 404 with Dash's index, whose router draws the
"not found" view.  Navigation inside Dash keeps drawing refusals in the page.

Callbacks: ``@requires("manage_users")`` under ``@callback(...)``.  A callback
without its own ``@requires`` in a page module needs that page's permission.
A callback that acts on one record declares where its request carries the
record's id, ``@requires("record_outcome", record=RecordInput("warning",
"warning-id"))``, so that a refusal names the record tried.
Before Dash runs any callback, ``_check_callback`` looks its permission up
and answers 403 if the user lacks it, or if the callback declares none (deny
by default), then 400 if the body does not have the shape the callback
declares (``dashboard.web.callback_body``).  The decorator checks again when
the function runs.

A record id outside the user's scope raises ``NotFound`` (see
``dashboard.auth.records``): the "not found" view, or 404 for a callback.

Every refusal's audit row names what was tried: the record of a record page
(``warning:1234`` for ``/warnings/1234``, from its ``<kind_id>`` variable)
or of a callback that declares one, else the page or callback; an id that is
not an id is the marker ``warning:invalid`` (``dashboard.auth.records``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import wraps

import dash
import dash_bootstrap_components as dbc
from dash import html
from dash._pages import _parse_query_string, _path_to_page  # the page router's own matching
from flask import Flask, current_app, jsonify, render_template, request
from flask_login import current_user

from dashboard.auth import audit
from dashboard.auth.permissions import (
    ANY_OF,
    PermissionDenied,
    UnknownPermission,
    actions,
    allowed,
)
from dashboard.auth.records import NotFound, object_name
from dashboard.i18n import t
from dashboard.web.callback_body import (
    check_callback_body,
    check_router_values,
    read_arguments,
    read_callback_body,
)
from dashboard.web.callback_values import Parser
from dashboard.web.database import request_session
from dashboard.web.hygiene import bounded_loads
from dashboard.web.login import DASH_UPDATE, client_address, wants_json

SIGNED_IN = "signed_in"  # any logged-in user, whatever their role
ROUTER_OUTPUT = "_pages_content.children"
DASH_INDEX = frozenset({"/", "/<path:path>"})  # Dash's index views (endpoints named by their rule)
NOT_FOUND_MODULE = "not_found_404"  # Dash's page for addresses that name no page
RECORD_VARIABLE = re.compile(r"<(\w+)_id>")  # a record page's variable: ``<warning_id>``
OBJECT_MAX = 200


@dataclass(frozen=True)
class RecordInput:
    """Where a callback's request carries the id of the record it acts on (for the audit row of a
    refusal): the value of component ``component``, or with ``key``, that key of the id of the
    pattern-matching component of type ``component`` that fired."""

    kind: str
    component: str
    key: str | None = None

    def tried(self, body: dict) -> list:
        """The ids this (untrusted, unchecked) callback ``body`` carries here."""
        if self.key is not None:
            return [found[self.key] for found in _fired_ids(body)
                    if found.get("type") == self.component and self.key in found]
        return [item.get("value") for item in _sent_items(body) if item.get("id") == self.component]


def _sent_items(body: dict):
    for field in ("inputs", "state"):
        sent = body.get(field)
        for one in sent if isinstance(sent, list) else []:
            yield from (item for item in (one if isinstance(one, list) else [one])
                        if isinstance(item, dict))


def _fired_ids(body: dict) -> list[dict]:
    """The pattern-matching ids in ``changedPropIds`` (checked readable by ``read_callback_body``)."""
    out = []
    for prop in body.get("changedPropIds") or []:
        component = prop.rpartition(".")[0]
        if component.startswith("{"):
            found = bounded_loads(component)
            if isinstance(found, dict):
                out.append(found)
    return out


def records_tried(record_inputs, body: dict) -> str | None:
    """The records a callback ``body`` names (``warning:1234``, markers for non-ids), or None."""
    names = [object_name(spec.kind, value) for spec in record_inputs
             for value in spec.tried(body) if value not in (None, "")]
    return " ".join(dict.fromkeys(names))[:OBJECT_MAX] or None


def page_object(page: dict, kwargs: dict) -> str:
    """What a refused page names: the record of a record page (``warning:1234``), else the page."""
    template = page.get("path_template")
    found = RECORD_VARIABLE.search(template or "")
    if found:
        return object_name(found.group(1), kwargs.get(f"{found.group(1)}_id"))
    return f"page:{template or page['path']}"


def permits(user, action: str) -> bool:
    """``allowed`` plus the ``SIGNED_IN`` pseudo-permission; False for anonymous users."""
    if not getattr(user, "is_authenticated", False):
        return False
    if action == SIGNED_IN:
        return bool(getattr(user, "is_active", False))
    return allowed(user, action)


def _known(action: str) -> str:
    if action != SIGNED_IN and not set(action.split(ANY_OF)) <= actions():
        raise UnknownPermission(action)
    return action


def deny(action: str, object_: str, **detail) -> None:
    """Write (and commit) the ``access_denied`` audit row of a refused request."""
    db = request_session()
    db.rollback()
    audit.record(db, user=current_user if current_user.is_authenticated else None,
                 action=audit.ACCESS_DENIED, object=object_[:OBJECT_MAX], outcome=audit.DENIED,
                 source_address=client_address(), detail={"want": action, **detail})
    db.commit()


def _deny_page(action: str, page: dict, kwargs: dict) -> None:
    deny(action, page_object(page, kwargs), page=page.get("path_template") or page["path"])


def requires(action: str, record: RecordInput | tuple[RecordInput, ...] = (),
             values: dict[str, Parser] | None = None):
    """Decorator for page layouts, callbacks and views: refuse unless the user ``permits`` it.

    ``record``: where a callback's request carries the id of the record it acts on.
    ``values``: a parser (``dashboard.web.callback_values``) for each argument named; the
    function gets what it returns, and a value it refuses is a 400 naming the input."""
    _known(action)
    record_inputs = (record,) if isinstance(record, RecordInput) else tuple(record)

    def decorate(func):
        read = read_arguments(func, values or {})

        @wraps(func)
        def checked(*args, **kwargs):
            if not permits(current_user, action):
                deny(action, f"function:{func.__module__}.{func.__name__}")
                raise PermissionDenied(action)
            args, kwargs = read(args, kwargs)
            return func(*args, **kwargs)

        checked.required_permission = action
        checked.record_inputs = record_inputs
        return checked

    return decorate


def page_permission(page: dict) -> str | None:
    return page.get("permission")


def callback_permission(output: str, callback: dict) -> str | None:
    """The permission a Dash callback needs (see the module doc); None: nobody may fire it."""
    func = callback.get("callback")
    declared = getattr(func, "required_permission", None)
    if declared:
        return declared
    page = dash.page_registry.get(getattr(func, "__module__", None) or "")
    if page is not None:
        return page_permission(page)
    if ROUTER_OUTPUT in output:
        return SIGNED_IN  # the page router: each page's layout is guarded itself
    return None


def visible_pages(user) -> list[dict]:
    """Pages of the navigation bar that ``user`` may open, in order."""
    pages = sorted(dash.page_registry.values(),
                   key=lambda p: (p.get("order") is None, p.get("order") or 0, p["path"]))
    return [page for page in pages
            if page.get("nav", True) and not page.get("path_template")
            and page_permission(page) and permits(user, page_permission(page))]


def home_path(user) -> str:
    """Where ``user`` lands after login: the first page they may open."""
    pages = visible_pages(user)
    return pages[0]["relative_path"] if pages else "/"


def not_allowed_view() -> html.Div:
    home = home_path(current_user)
    return dbc.Alert([html.H4(t("access.denied.title")), html.P(t("access.denied.text")),
                      html.A(t("access.home"), href=home, className="alert-link")],
                     color="warning", id="access-denied")


def not_found_view() -> html.Div:
    home = home_path(current_user)
    return dbc.Alert([html.H4(t("access.not_found.title")), html.P(t("access.not_found.text")),
                      html.A(t("access.home"), href=home, className="alert-link")],
                     color="secondary", id="access-not-found")


def _guarded(page: dict, layout):
    def guarded_layout(**kwargs):
        action = page_permission(page)
        if not action or not permits(current_user, action):
            _deny_page(action or "undeclared", page, kwargs)
            return not_allowed_view()
        try:
            return layout(**kwargs) if callable(layout) else layout
        except PermissionDenied:
            return not_allowed_view()
        except NotFound:
            request_session().commit()  # keep the audit row of the refused record id
            return not_found_view()

    guarded_layout.guarded_page = True
    return guarded_layout


def guard_pages() -> None:
    """Wrap every registered page layout (idempotent; Dash re-imports pages per app)."""
    for page in dash.page_registry.values():
        action = page_permission(page)
        if action:
            _known(action)
        else:
            current_app.logger.warning("page %s declares no permission: refused to everyone",
                                       page.get("module"))
        if page.get("path_template") and not callable(page.get("record")):
            raise TypeError(f"page {page.get('module')} has a path_template but no record= finder")
        if not getattr(page["layout"], "guarded_page", False):
            page["layout"] = _guarded(page, page["layout"])


def page_at(path: str, query: str = "") -> tuple[dict, dict]:
    """The page Dash's router shows at ``path`` ({} for none) and its layout's keyword arguments."""
    page, variables = _path_to_page(current_app.extensions["dash"].strip_relative_path(path))
    return page, {**(variables or {}), **_parse_query_string(f"?{query}" if query else "")}


def refused_page(status: int):
    """403 or 404 for a full page load: the translated refusal, JSON to an API caller."""
    key = "access.denied" if status == 403 else "access.not_found"
    if wants_json():
        return jsonify(error=t(f"{key}.title")), status
    return render_template("auth/refused.html", title=t(f"{key}.title"), text=t(f"{key}.text"),
                           element_id="access-denied" if status == 403 else "access-not-found",
                           home=home_path(current_user), denied=status == 403), status


def not_found_index():
    """404 for an address that names no page: Dash's index all the same, whose router then
    draws the "not found" view (nothing is audited, so nothing is written twice)."""
    if wants_json():
        return jsonify(error=t("access.not_found.title")), 404
    return current_app.extensions["dash"].index(), 404


def _check_page_load():
    """A full load of a page the user may not open, or of a record not in scope: 403 / 404."""
    if request.method not in ("GET", "HEAD") or request.endpoint not in DASH_INDEX:
        return None
    if not current_user.is_authenticated:
        return None  # the login check has sent the browser to the login page already
    page, kwargs = page_at(request.path, request.query_string.decode("utf-8", "replace"))
    if not page:
        return not_found_index()
    action = page_permission(page)
    if not action or not permits(current_user, action):
        _deny_page(action or "undeclared", page, kwargs)
        return refused_page(403)
    if page["module"].split(".")[-1] == NOT_FOUND_MODULE:
        return not_found_index()
    if page.get("record") is not None:
        try:
            page["record"](**kwargs)
        except PermissionDenied:
            return refused_page(403)
        except NotFound:
            request_session().commit()  # keep the audit row of the refused record id
            return refused_page(404)
    return None


_DUPLICATE_HASH = re.compile(r"@[0-9a-f]{8,}")


def _check_callback():
    if request.endpoint != DASH_UPDATE or not current_user.is_authenticated:
        return None
    body = read_callback_body()  # 400 unless Dash can read it (dashboard.web.callback_body)
    output = body["output"]
    callback = current_app.extensions["dash"].callback_map.get(output)
    if callback is None:
        return jsonify(error=t("access.not_found.title")), 404
    action = callback_permission(output, callback)
    if not action or not permits(current_user, action):
        tried = records_tried(getattr(callback.get("callback"), "record_inputs", ()), body)
        named = _DUPLICATE_HASH.sub("", output)  # Dash's hash of a shared output may look like a phone number
        deny(action or "undeclared", tried or f"callback:{named}", callback=named)
        return jsonify(error=t("access.denied.title")), 403
    check_callback_body(body, callback)
    if ROUTER_OUTPUT in output:
        check_router_values(body)
    return None


def init_app(server: Flask) -> None:
    """Guard the pages of the mounted Dash app, every full page load and every callback request."""
    with server.app_context():
        guard_pages()
    server.before_request(_check_callback)
    server.before_request(_check_page_load)
