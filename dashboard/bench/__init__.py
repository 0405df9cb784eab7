"""``antifraud bench``: build a demo city at a named scale and time what users and feeds do to it.

- ``database``: a fresh bench database (a SQLite file, or a schema of its own on PostgreSQL)
  filled by the demo generator; rows per second.
- ``dash_protocol``: the bodies Dash's browser code sends, for the Flask test client.
- ``interactions``: each dashboard interaction through the real server code path, and the
  same request's SQL re-run bare.
- ``ingest``: warnings per second through ``POST /api/v1/warnings`` and the file import.
- ``report``: the table (through ``t()``) and the JSON document.
"""
