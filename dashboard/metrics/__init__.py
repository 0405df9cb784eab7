"""Metrics and queries: plain functions ``(session, scope, period, ...) -> DataFrame``.

No Flask or Dash here; every function takes the caller's ``Scope`` and
narrows its query with it, so a test can call any of them directly.
"""
