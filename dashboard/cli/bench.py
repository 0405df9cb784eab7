"""``antifraud bench``: build a demo city at a named scale and print the figures that matter.

It builds a fresh database (a SQLite file in a temporary folder, or
``--path``; or, with ``--db postgres``, a schema of its own in the database
of ``DATABASE_URL``, dropped afterwards unless named with ``--schema``), fills it with ``--days`` of demo
history at ``--scale``, then times each dashboard interaction through the
real server code path (``dashboard.bench.interactions``), ingest through the
API and the file import, and the process's peak memory.  Prints a table;
``--json FILE`` writes every figure for machines.  See docs/performance.md.

``--import-rows N`` measures the file import alone: N warnings written as a
Chinese office exports them (GB18030, Chinese headers, ``2026/12/6 14:05``,
``1,234.50``), streamed to a file and imported with the aggregates
maintained, a progress bar on stderr; rows per second and peak memory
(``dashboard.bench.office_import``).

``--replica`` (with ``--db postgres``) builds a primary and a streaming
standby of its own and times the interactions reading from the standby
while the primary takes ingest (``dashboard.cli.bench_replica``).

``--browser`` measures what users feel instead: the same database served by
gunicorn (``--workers``), and seven journeys timed in Debian's headless
Chromium (``dashboard.cli.bench_browser``, ``dashboard.bench.browser``).
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import tempfile
import time
from pathlib import Path

from dashboard.cli.common import UsageError, stop_cleanly_on_sigterm
from dashboard.i18n import t

DEMO_ROLES = ("leader", "commander", "press")
IMPORT_CITY = 60  # warnings a day of the one day generated before --import-rows
RUNS, BROWSER_RUNS = 20, 5  # timed runs of each interaction: on the server; in the browser (seconds each)


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def _open(args, settings, lang: str):
    """The bench database of ``--db``/``--path``/``--schema``, or a UsageError saying what is wrong."""
    from dashboard.bench.database import SchemaNameInvalid, open_bench_database

    flag = "--path" if args.db == "sqlite" else "--schema"
    try:
        return open_bench_database(args.db if args.db == "sqlite" else "postgresql", args.path,
                                   settings.get("DATABASE_URL"), reuse=args.reuse, schema=args.schema)
    except FileExistsError as exc:
        raise UsageError(t("bench.error.path_exists", lang, flag=flag, path=str(exc))) from None
    except FileNotFoundError as exc:
        raise UsageError(t("bench.error.reuse_missing", lang, flag=flag, path=str(exc))) from None
    except SchemaNameInvalid as exc:
        raise UsageError(t("bench.error.schema_name", lang, schema=str(exc))) from None
    except ValueError:
        raise UsageError(t("bench.error.postgres_url", lang)) from None


def run_import_bench(args, settings, say) -> dict:
    """``--import-rows``: the office file's import alone, as the JSON document."""
    from dashboard.bench import office_import
    from dashboard.bench.database import generate
    from dashboard.bench.machine import reference
    from dashboard.cli.imports import ProgressBar

    lang = settings["DEFAULT_LANGUAGE"]
    bench = _open(args, settings, lang)
    machine = reference()
    try:
        if not args.reuse:  # the units and reference lists, and a day of a small city
            say(t("bench.progress.generate", lang, days=1, daily=IMPORT_CITY, where=bench.location))
            generate(bench, 1, IMPORT_CITY)
        with tempfile.TemporaryDirectory(prefix="antifraud-bench-") as folder:
            bar = ProgressBar(lang=lang)  # its rate counts from here
            try:
                figures = office_import.run(bench, args.import_rows, Path(folder),
                                            lambda key, params: say(t(key, lang, **params)), progress=bar)
            finally:
                bar.finish()
    finally:
        bench.close()
    return {"setup": {"backend": bench.backend, "python": sys.version.split()[0], "machine": machine,
                      "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")},
            "import": figures}


def history(args, bench, lang: str, say) -> tuple[dict, int, float, str, float | None]:
    """The bench database's history, generated at ``--scale`` or (``--reuse``) as it is.

    ``(generation, days, daily warnings, scale, growth)``: a reused database's
    growth is unknown (None), its daily volume is its mean, and its scale the
    named one nearest that volume.
    """
    from dashboard.bench.database import SCALES, existing_history, generate

    if args.reuse:
        try:
            generation = existing_history(bench)
        except LookupError:
            flag = "--path" if args.db == "sqlite" else "--schema"
            raise UsageError(t("bench.error.reuse_empty", lang, flag=flag, path=bench.location)) from None
        days, daily = generation["days"], generation["warnings"] / generation["days"]
        # the file's own scale: the named one nearest its daily volume (not --scale's default)
        scale = min(SCALES, key=lambda name: abs(math.log(SCALES[name] / daily)))
        return generation, days, daily, scale, None
    daily = args.daily_warnings or SCALES[args.scale]
    say(t("bench.progress.generate", lang, days=args.days, daily=f"{daily:,.0f}", where=bench.location))
    generation = generate(bench, args.days, daily, progress=say if args.verbose else None,
                          growth=args.growth)
    return generation, args.days, daily, args.scale, args.growth


def run_bench(args, settings, say) -> dict:
    """Everything the command measures, as the JSON document."""
    from dashboard import create_app
    from dashboard.bench.dash_protocol import login
    from dashboard.bench.ingest import remove_ingested, through_api, through_file
    from dashboard.bench.interactions import measure
    from dashboard.bench.machine import reference
    from dashboard.db import Database
    from dashboard.demo.users import DEMO_PASSWORD
    from dashboard.web.heap import settle

    lang = settings["DEFAULT_LANGUAGE"]
    kept = args.path or args.schema  # the database stays for another run (--reuse)
    bench = _open(args, settings, lang)
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    machine = reference()  # before generation, on a quiet process
    try:
        generation, days, daily, scale, growth = history(args, bench, lang, say)
        after_generation = _peak_mb()
        with tempfile.TemporaryDirectory(prefix="antifraud-bench-") as instance:
            app = create_app({"DATABASE_URL": bench.url, "INSTANCE_PATH": instance,
                              "INGEST_RATE_LIMIT_PER_MINUTE": 0, "ESCALATION_IN_PROCESS": False})
            clients = {role: login(app, role, DEMO_PASSWORD) for role in DEMO_ROLES}
            settle()  # as gunicorn's workers do once their app is built (docker/gunicorn.conf.py)
            say(t("bench.progress.interactions", lang, runs=args.runs))
            interactions = measure(app, clients, args.runs)
            say(t("bench.progress.ingest", lang, warnings=f"{args.ingest_warnings:,}"))
            api = through_api(app, bench.engine, args.ingest_warnings)
            serving_peak = _peak_mb()  # what a serving process does: views and the ingest API
            database = Database(bench.url)
            try:
                file = through_file(database.session, bench.engine, args.ingest_warnings)
            finally:
                database.dispose()
            peak = _peak_mb()  # the bench's own clean-up below is not measured
            app.extensions["database"].dispose()
            if kept:  # leave it as it was generated
                remove_ingested(bench.engine)
    finally:
        bench.close()  # drops a schema of its own; a kept file or schema stays
    return {
        "setup": {"scale": scale, "days": days, "daily_warnings": daily, "growth": growth,
                  "backend": bench.backend,
                  "runs": args.runs, "started": started, "python": sys.version.split()[0],
                  "machine": machine},
        "generation": generation,
        "interactions": interactions,
        "ingest": {"batch": 1000, "api": api, "file": file},
        "memory": {"after_generation_mb": after_generation, "serving_peak_mb": serving_peak, "peak_mb": peak},
    }


def cmd_bench(args, settings) -> int:
    from dashboard.bench.report import browser_table, emit, import_table, table

    lang = settings["DEFAULT_LANGUAGE"]
    if args.runs is None:
        args.runs = BROWSER_RUNS if args.browser else RUNS
    if args.days < 1:
        raise UsageError(t("bench.error.days", lang))
    if args.runs < 1:
        raise UsageError(t("bench.error.runs", lang))
    if args.browser and args.import_rows is not None:
        raise UsageError(t("bench.error.browser_and_import", lang))
    if args.workers < 1:
        raise UsageError(t("bench.error.workers", lang))
    if args.ingest_warnings < 1:
        raise UsageError(t("bench.error.ingest", lang))
    if not -1 < args.growth <= 10:
        raise UsageError(t("bench.error.growth", lang))
    if args.reuse and not (args.path if args.db == "sqlite" else args.schema):
        raise UsageError(t("bench.error.reuse_needs_path", lang))
    if args.path and args.db != "sqlite" or args.schema and args.db != "postgres":
        raise UsageError(t("bench.error.place_for_db", lang))
    if args.import_rows is not None and args.import_rows < 1:
        raise UsageError(t("bench.error.import_rows", lang))
    say = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    if args.replica:
        from dashboard.bench.report import replica_table
        from dashboard.cli.bench_replica import check_replica, run_replica_bench

        binaries = check_replica(args, lang)  # before anything is built
        with stop_cleanly_on_sigterm():  # a killed bench still stops its servers and removes their folder
            result = run_replica_bench(args, settings, binaries, say)
        return emit(replica_table(result, lang), result, args.json)
    for flag, given in (("--ingest-rate", args.ingest_rate is not None), ("--keep-cluster", args.keep_cluster)):
        if given:
            raise UsageError(t("bench.error.needs_replica", lang, flag=flag))
    if args.browser:
        from dashboard.cli.bench_browser import check_browser, run_browser_bench

        executable = check_browser(lang)  # before anything is built
        with stop_cleanly_on_sigterm():  # a killed bench still stops its gunicorn and drops its schema
            result = run_browser_bench(args, settings, executable, say)
        return emit(browser_table(result, lang), result, args.json)
    with stop_cleanly_on_sigterm():  # a killed bench still drops its PostgreSQL schema
        if args.import_rows:
            result = run_import_bench(args, settings, say)
            return emit(import_table(result, lang), result, args.json)
        result = run_bench(args, settings, say)
    return emit(table(result, lang), result, args.json)


def register(sub) -> None:
    p = sub.add_parser("bench", help="build a demo city at a named scale and time the dashboard on it")
    p.add_argument("--scale", choices=("xiamen", "guangzhou"), default="xiamen",
                   help="xiamen: about 3,000 warnings a day; guangzhou: about 61,000")
    p.add_argument("--days", type=int, default=30, help="days of history to generate (default 30)")
    p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite",
                   help="sqlite: a new file; postgres: a new schema in the database of DATABASE_URL")
    p.add_argument("--path", help="the SQLite file to create (kept afterwards); default a temporary one")
    p.add_argument("--schema", help="with --db postgres: the schema to create (kept afterwards); "
                                    "default a temporary one")
    p.add_argument("--reuse", action="store_true",
                   help="measure the SQLite file at --path (or the PostgreSQL --schema) that an earlier "
                        "bench built, without generating")
    p.add_argument("--growth", type=float, default=0.0,
                   help="the volume's growth year on year up to the scale's daily volume on the last day "
                        "(0.3 = 30 %%, as the demo grows); default 0: that volume on every day")
    p.add_argument("--runs", type=int, default=None,
                   help=f"timed runs of each interaction (default {RUNS}; with --browser {BROWSER_RUNS})")
    p.add_argument("--json", metavar="FILE", help="also write every figure to FILE as JSON")
    p.add_argument("--verbose", action="store_true", help="print the generator's progress")
    p.add_argument("--import-rows", type=int, default=None, metavar="N",
                   help="measure only the file import: N warnings in a GB18030 CSV with Chinese headers "
                        "and Excel-style dates and amounts, streamed and imported with the aggregates "
                        "maintained (e.g. 1000000); rows/s and peak memory")
    p.add_argument("--browser", action="store_true",
                   help="time what users feel instead: seven journeys (login, a district, a map click, "
                        "the period, leaving the overview, a wall step, the queue) in Debian's headless "
                        "Chromium against gunicorn; needs Playwright (the bench extra) and /usr/bin/chromium")
    p.add_argument("--workers", type=int, default=4,
                   help="with --browser or --replica: gunicorn workers to start (default 4, as the image)")
    p.add_argument("--replica", action="store_true",
                   help="with --db postgres: build a primary and an asynchronous streaming standby of the "
                        "bench's own (initdb on free loopback ports; needs PostgreSQL's server programs), "
                        "and time the interactions reading from the standby while the primary takes "
                        "ingest at --ingest-rate; reports the achieved rate and the replication lag")
    p.add_argument("--ingest-rate", type=float, default=None, metavar="N",
                   help="with --replica: warnings a second posted to the primary's ingest API "
                        "(default 5000)")
    p.add_argument("--keep-cluster", metavar="DIR",
                   help="with --replica: build the pair in DIR (new or empty) and keep it, stopped, "
                        "afterwards; default a temporary folder, removed")
    p.add_argument("--warmup-seconds", type=float, default=10.0, help=argparse.SUPPRESS)  # --replica's load
    # for tests: a tiny city instead of the named scale's daily volume, fewer ingested warnings
    p.add_argument("--daily-warnings", type=float, help=argparse.SUPPRESS)
    p.add_argument("--ingest-warnings", type=int, default=20_000, help=argparse.SUPPRESS)
    p.set_defaults(handler=cmd_bench)
