"""Publishable statistics: what the press may quote, built the same way for the page, CLI and API.

The pipeline: ``request`` (parameters checked against the caller's scope)
-> ``publication`` (exact figures from ``dashboard.metrics.statistics``,
cells and equations from ``cells``, protected by ``dashboard.disclosure``,
then the tables of ``tables``) -> ``headlines`` (the key sentences) ->
``files`` / ``report`` / ``images`` (CSV, XLSX, JSON, PNG, PDF) ->
``exports`` (one file and its audit row) and ``jobs`` (long exports in a
worker thread).  ``tokens`` are the statistics API's personal tokens.
See ``docs/statistics.md``.
"""
