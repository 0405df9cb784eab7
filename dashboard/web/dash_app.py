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
from dashboard.web.shell import shell_layout


def _translated_title(key: str):
    return lambda **_: t(key)


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
    server.extensions["dash"] = app
    # Take this app's page callbacks now, so that several apps in one process
    # (tests) each get their own.
    with server.test_request_context("/"):
        app._setup_server()
    for page in dash.page_registry.values():  # the browser tab in the reader's language
        if not callable(page.get("title")):
            page["title"] = _translated_title(page["name"])
    guard.init_app(server)  # every page layout and callback asks for its permission
    return app
