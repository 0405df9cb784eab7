"""Mount the Dash app (multi-page, ``use_pages``) on the Flask server.

Everything the browser loads is served from here: Dash's and plotly's
scripts (``serve_locally``), the vendored Bootstrap CSS and our own styles
in ``assets/``; no CDN, no version check, no map tiles.  Pages and callbacks
are guarded by ``dashboard.web.guard`` (login, permission, scope).
"""

from __future__ import annotations

import dash
from dash import Dash
from flask import Flask

from dashboard.i18n import t
from dashboard.paths import ASSETS_DIR, PACKAGE_DIR
from dashboard.web import guard
from dashboard.web.shell import register_callbacks, shell_layout


def _translated_title(key: str):
    return lambda **_: t(key)


_CLIENTSIDE: list[str] = []  # every clientside callback's script, for every app of the process


def _keep_clientside_scripts(app: Dash) -> None:
    """Give ``app`` the scripts of the clientside callbacks (the menu's toggler, the language
    links, the maps' label switch).  Dash hands them to the first app of the process that draws
    a page and then forgets them, so a second app (tests make many) would answer without them
    and those callbacks would never run in its pages."""
    from dash import _callback

    app._inline_scripts.extend(_callback.GLOBAL_INLINE_SCRIPTS)
    _callback.GLOBAL_INLINE_SCRIPTS.clear()
    _CLIENTSIDE.extend(s for s in app._inline_scripts if s not in _CLIENTSIDE)
    app._inline_scripts.extend(s for s in _CLIENTSIDE if s not in app._inline_scripts)


def init_app(server: Flask) -> Dash:
    app = Dash(
        "dashboard",
        server=server,
        use_pages=True,
        pages_folder=str(PACKAGE_DIR / "pages"),
        assets_folder=str(ASSETS_DIR),
        serve_locally=True,
        suppress_callback_exceptions=True,
        title=t("app.title", server.config["DEFAULT_LANGUAGE"]),
        update_title=None,
    )
    app.enable_dev_tools(debug=False, dev_tools_disable_version_check=True)
    app.layout = shell_layout
    register_callbacks(app)  # the failover notice's refresh
    server.extensions["dash"] = app
    # Take this app's page callbacks now, so that several apps in one process
    # (tests) each get their own.
    with server.test_request_context("/"):
        app._setup_server()
    _keep_clientside_scripts(app)
    for page in dash.page_registry.values():  # the browser tab in the reader's language
        if not callable(page.get("title")):
            page["title"] = _translated_title(page["name"])
    guard.init_app(server)  # every page layout and callback asks for its permission
    return app
