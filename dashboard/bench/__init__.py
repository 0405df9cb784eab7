"""``antifraud bench``: build a demo city at a named scale and time what users and feeds do to it.

- ``database``: a fresh bench database (a SQLite file, or a schema of its own on PostgreSQL)
  filled by the demo generator; rows per second.
- ``dash_protocol``: the bodies Dash's browser code sends, through the Flask test client or HTTP.
- ``interactions``: each dashboard interaction through the real server code path, and the
  same request's SQL re-run bare.
- ``ingest``: warnings per second through ``POST /api/v1/warnings`` and the file import.
- ``report``: the table (through ``t()``) and the JSON document.

``antifraud bench --browser`` (what users feel) serves the database with ``server`` and uses:

- ``browser``: seven journeys (login, a district by URL, a map click, the period, leaving the
  overview, a wall step, the queue) timed in headless Chromium until the page is drawn.

``antifraud bench --db postgres --replica`` (reads from a standby under ingest) uses ``server`` and:

- ``pg_pair``: a PostgreSQL primary and streaming standby of its own (``initdb``, free loopback
  ports), which the failover test (tests/ha) builds too.
- ``replica``: the paced ingest and the lag sampler, each a child process, and the check that
  the reads ran on a server in recovery.

``antifraud loadtest`` (many users at once against gunicorn) uses:

- ``server``: the production entry point (``docker/entrypoint.sh``) on a free loopback port.
- ``load``: the simulated users, each a thread with its own HTTP session.
- ``load_report``: p50 / p95 / max / errors by kind of request, the target, the table.
"""
