"""Security headers on every answer: what the browser may load, frame, sniff and send on.

- ``Content-Security-Policy``: scripts, styles, fonts, images and requests
  only from this origin.  Dash's index carries inline scripts (the renderer's
  start and the clientside callbacks); they are allowed by their hashes
  (``Dash.csp_hashes``), counted again whenever Dash adds one, never by
  ``'unsafe-inline'``.  The exceptions, each the narrowest that works
  (proved by the browser journeys, which fail on any console error):
  ``style-src 'unsafe-inline'`` (plotly.js, MapLibre and the dropdowns'
  CSS-in-JS write ``<style>`` elements and style attributes at run time,
  with contents that vary, so hashes cannot list them), ``img-src data:``
  (Bootstrap's icons, plotly's and MapLibre's drawn markers) and
  ``worker-src blob:`` (MapLibre's workers, its only source of workers).  ``frame-ancestors 'none'``, ``object-src
  'none'``, ``base-uri 'none'`` and ``form-action 'self'`` close framing,
  plugins, base-tag and form hijacks.
- ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` (older
  browsers), ``Referrer-Policy: same-origin``.
- ``Strict-Transport-Security`` (one year, sub-domains) in production only:
  development serves plain HTTP on 127.0.0.1.
- ``Cache-Control: no-store`` on everything but Dash's fingerprinted
  scripts and the static assets: pages hold personal data.
"""

from __future__ import annotations

from flask import Flask, current_app, request

HSTS = "max-age=31536000; includeSubDomains"
POLICY = (  # directive, sources; script-src gets the hashes of Dash's inline scripts
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    ("style-src", "'self' 'unsafe-inline'"),
    ("img-src", "'self' data:"),
    ("font-src", "'self'"),
    ("connect-src", "'self'"),
    ("worker-src", "blob:"),
    ("object-src", "'none'"),
    ("base-uri", "'none'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'none'"),
)
CACHEABLE_PREFIXES = ("/_dash-component-suites/", "/assets/")


class _Policy:
    """The policy text, made again only when Dash's list of inline scripts grows."""

    def __init__(self) -> None:
        self.scripts = -1
        self.text = ""

    def current(self) -> str:
        dash_app = current_app.extensions.get("dash")
        inline = getattr(dash_app, "_inline_scripts", None) or []
        if self.scripts != len(inline):
            hashes = " ".join(dash_app.csp_hashes()) if dash_app is not None else ""
            self.text = "; ".join(f"{name} {sources} {hashes}".strip() if name == "script-src"
                                  else f"{name} {sources}" for name, sources in POLICY)
            self.scripts = len(inline)
        return self.text


def content_security_policy() -> str:
    """This app's policy (for tests and the docs)."""
    return current_app.extensions["csp"].current()


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config["ANTIFRAUD_ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", HSTS)
    if not request.path.startswith(CACHEABLE_PREFIXES):
        headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    app.extensions["csp"] = _Policy()
    app.after_request(_security_headers)
