"""``antifraud bench --browser``: the bench database served by gunicorn, journeys timed in Chromium.

The database is the bench's own (``--scale``, ``--days``, ``--db``,
``--path``/``--schema``, ``--reuse``, as ``antifraud bench``).  It is served
by the production entry point (``docker/entrypoint.sh``: migrate, then
gunicorn with docker/gunicorn.conf.py and ``--workers`` workers) on a free
loopback port, without Redis, so that every view is drawn anew rather than
taken from the shared view cache.  The journeys are
``dashboard.bench.browser``; the table ``dashboard.bench.report.browser_table``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from dashboard.cli.common import UsageError
from dashboard.i18n import t

LOG_LINES = 15


def check_browser(lang: str) -> str:
    """Chromium's path, or a UsageError naming what is missing (Playwright, Chromium)."""
    from dashboard.bench.browser import BrowserMissing, require_browser

    try:
        return require_browser()
    except BrowserMissing as exc:
        raise UsageError(t(f"bench.error.browser_missing.{exc.what}", lang)) from None


def _serve(bench_url: str, workers: int, workdir: Path, lang: str, say, settings: dict | None = None):
    """gunicorn on ``bench_url`` (started); a UsageError with its log's tail if it does not come up.

    ``settings``: more of the app's settings, as environment variables.
    """
    from dashboard.bench.server import ENTRYPOINT, GunicornServer, ServerFailed, log_digest

    env = {name: value for name, value in os.environ.items() if name != "REDIS_URL"}
    env.update({"DATABASE_URL": bench_url, "WEB_CONCURRENCY": str(workers),
                "SECURE_COOKIES": "false",  # plain HTTP on loopback
                "ESCALATION_IN_PROCESS": "false", "LOG_LEVEL": "warning", **(settings or {})})
    server = GunicornServer(env, workdir)
    say(t("loadtest.progress.start", lang, workers=workers, url=server.base))
    try:
        server.start()
    except ServerFailed as exc:
        why = "no_health" if exc.reason == "no_health" else "exited" if exc.value is not None else "missing"
        detail = t(f"loadtest.error.server_{why}", lang, code=exc.value, seconds=exc.value, path=ENTRYPOINT)
        raise UsageError(t("loadtest.error.server", lang, detail=detail,
                           log=log_digest(exc.log, LOG_LINES))) from None
    return server


def run_browser_bench(args, settings, executable: str, say) -> dict:
    """Everything ``--browser`` measures, as the JSON document."""
    from sqlalchemy import select

    from dashboard.bench import browser
    from dashboard.bench.machine import reference
    from dashboard.cli.bench import _open, history
    from dashboard.demo.users import DEMO_PASSWORD
    from dashboard.domain import OrgUnit

    lang = settings["DEFAULT_LANGUAGE"]
    bench = _open(args, settings, lang)
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    machine = reference()  # before generation, on a quiet process
    try:
        generation, days, daily, scale, growth = history(args, bench, lang, say)
        with bench.engine.connect() as conn:
            districts = list(conn.scalars(select(OrgUnit.code).where(OrgUnit.level == "county")
                                          .order_by(OrgUnit.code)))
        bench.engine.dispose()  # the server's workers have the database to themselves
        with tempfile.TemporaryDirectory(prefix="antifraud-bench-") as workdir:
            server = _serve(bench.url, args.workers, Path(workdir), lang, say)
            try:
                plan = browser.Plan(server.base, districts, DEMO_PASSWORD)
                say(t("bench.progress.browser", lang, runs=args.runs))
                journeys, version = browser.run(plan, args.runs, executable, say=lambda number: say(
                    t("bench.progress.browser_pass" if number else "bench.progress.browser_warmup", lang,
                      number=number, runs=args.runs)))
            finally:
                server.stop()
    finally:
        bench.close()
    return {
        "setup": {"scale": scale, "days": days, "daily_warnings": daily, "growth": growth,
                  "backend": bench.backend, "runs": args.runs, "workers": args.workers,
                  "chromium": version, "viewport": browser.VIEWPORT, "started": started,
                  "python": sys.version.split()[0], "machine": machine},
        "generation": generation,
        "browser": journeys,
    }
