"""``antifraud simulate``: a live feed of made-up warnings through the real ingest API.

It reads the station codes from the configured database, posts to a server
on this machine only, and stops by itself after ``--minutes`` (or on
Ctrl-C).  Without ``--token`` / ``--token-file`` it creates a token for
source ``simulator`` and revokes it when it stops.  ``antifraud demo``
starts the same feed beside its server (``start_beside_server``) unless
``--no-simulate`` is given.  Refused when ``ANTIFRAUD_ENV=production``.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from pathlib import Path

from sqlalchemy import select

from dashboard.cli.common import UsageError, open_database
from dashboard.demo.live_feed import LiveFeed
from dashboard.demo.simulator import (
    FeedError,
    FeedStats,
    IngestClient,
    demo_stations,
    open_warnings,
    run_feed,
    wait_until_up,
)
from dashboard.i18n import t

SOURCE = "simulator"
DEMO_SOURCE = "demo-live"
ACTOR = "system:simulator"  # who the audit log says created its tokens
DEFAULT_RATE = "2/s"
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:/\s*(s|sec|second|m|min|minute|h|hour))?\s*$", re.I)
_PER = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}


def parse_rate(value: str, lang: str) -> float:
    """Warnings a second from ``2/s``, ``30/min``, ``600/h`` or a bare number (a second)."""
    match = _RATE.match(value or "")
    rate = float(match.group(1)) / _PER[(match.group(2) or "s").lower()] if match else 0.0
    if not match or not 0 < rate <= 500:
        raise UsageError(t("simulate.error.rate", lang, value=value))
    return rate


def stats_line(stats: FeedStats, lang: str) -> str:
    c = stats.counts
    return t("simulate.stats", lang, warnings=c["warnings"]["inserted"], outcomes=c["outcomes"]["inserted"],
             stops=c["stop-payments"]["inserted"] + c["stop-payments"]["updated"],
             rejected=stats.rejected, lost=stats.lost)


def _started(lang: str, url: str, rate: float, source: str, speed: float, minutes: float | None) -> str:
    params = {"url": url, "rate": f"{rate:g}", "source": source, "speed": f"{speed:.0f}"}
    if minutes is None:
        return t("simulate.started_endless", lang, **params)
    return t("simulate.started", lang, minutes=f"{minutes:g}", **params)


def _refuse_production(settings, lang: str) -> None:
    if str(settings.get("ANTIFRAUD_ENV", "")).lower() == "production":
        raise UsageError(t("simulate.error.production", lang))


def _revoke_active(session, source: str) -> None:
    from dashboard.domain.base import now_local
    from dashboard.domain.ingest import ApiToken

    for row in session.scalars(select(ApiToken).where(ApiToken.source == source,
                                                      ApiToken.revoked_at.is_(None))):
        row.revoked_at = now_local()


def _read_token(args, lang: str) -> str | None:
    if args.token:
        return args.token.strip()
    if args.token_file:
        try:
            return Path(args.token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(t("simulate.error.token_file", lang, path=args.token_file,
                               detail=exc.strerror or str(exc))) from None
    return None


def cmd_simulate(args, settings) -> int:
    from dashboard.ingest.tokens import create_token, revoke_token

    lang = settings["DEFAULT_LANGUAGE"]
    _refuse_production(settings, lang)
    rate = parse_rate(args.rate, lang)
    if args.minutes is not None and args.minutes <= 0:
        raise UsageError(t("simulate.error.minutes", lang))
    token = _read_token(args, lang)
    db = open_database(settings)
    own_token = None
    try:
        client = IngestClient(args.url, token or "")
        with db.session() as session:
            stations = demo_stations(session)
            if token is None:
                own_token, client.token = create_token(session, SOURCE, actor=ACTOR)
    except FeedError as exc:
        raise UsageError(t(f"simulate.error.{exc.reason}", lang, **exc.params)) from None
    if not wait_until_up(client.base, timeout=10):
        if own_token is not None:
            with db.session() as session:
                revoke_token(session, own_token.id)
        raise UsageError(t("simulate.error.unreachable", lang, url=client.base, detail="/healthz"))
    source = SOURCE if own_token else args.source
    feed = LiveFeed(stations, source=source, rate=rate, seed=args.seed)
    print(_started(lang, client.base, rate, source, feed.speed, args.minutes), flush=True)
    stats = FeedStats()
    try:
        stats = run_feed(feed, client, rate=rate, minutes=args.minutes, flat=args.flat,
                         report=lambda s: print(stats_line(s, lang), flush=True))
    except FeedError as exc:
        raise UsageError(t(f"simulate.error.{exc.reason}", lang, **exc.params)) from None
    except KeyboardInterrupt:
        pass
    finally:
        if own_token is not None:
            with db.session() as session:
                revoke_token(session, own_token.id)
    print(stats_line(stats, lang))
    for error in stats.errors[:5]:
        print(t("simulate.error_detail", lang, detail=json.dumps(error, ensure_ascii=False)))
    return 1 if stats.rejected or stats.lost else 0


class _QuietFeed(logging.Filter):
    """Keep the feed's own API posts out of the development server's request log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "POST /api/v1/" not in record.getMessage()


def start_beside_server(settings, port: int, rate: float | None = None) -> threading.Event | None:
    """Create a demo token (revoking older ones) and feed the server on ``port`` from a thread.

    The feed also takes over the warnings the demo history (or an earlier
    demo run) left open, and works and closes them as it does its own.  The
    thread waits for ``/healthz``, then posts until the process ends or
    the returned event is set.  None (with one line printed) when there is
    nothing to feed from, such as a database without stations.
    """
    from dashboard.demo.history import HISTORY_SOURCE
    from dashboard.domain.base import now_local
    from dashboard.ingest.tokens import create_token

    lang = settings["DEFAULT_LANGUAGE"]
    rate = rate or parse_rate(DEFAULT_RATE, lang)
    url = f"http://127.0.0.1:{port}"
    db = open_database(settings)
    try:
        with db.session() as session:
            stations = demo_stations(session)
            _revoke_active(session, DEMO_SOURCE)
            # it works the history's open warnings too: granted explicitly, as any other source
            _, token = create_token(session, DEMO_SOURCE, (HISTORY_SOURCE,), actor=ACTOR)
            left_open = open_warnings(session, (HISTORY_SOURCE, DEMO_SOURCE))
    except FeedError as exc:
        print(t(f"simulate.error.{exc.reason}", lang, **exc.params), flush=True)
        return None
    client = IngestClient(url, token)
    feed = LiveFeed(stations, source=DEMO_SOURCE, rate=rate)
    feed.adopt(left_open, now_local())
    stop = threading.Event()
    logging.getLogger("werkzeug").addFilter(_QuietFeed())

    def feed_the_server() -> None:
        if not wait_until_up(url, stop=stop):
            print(t("simulate.error.unreachable", lang, url=url, detail="/healthz"), flush=True)
            return
        print(_started(lang, url, rate, DEMO_SOURCE, feed.speed, None), flush=True)
        if left_open:
            print(t("simulate.adopted", lang, count=f"{len(left_open):,}"), flush=True)
        try:
            run_feed(feed, client, rate=rate, stop=stop,
                     report=lambda s: print(stats_line(s, lang), flush=True))
        except FeedError as exc:
            print(t(f"simulate.error.{exc.reason}", lang, **exc.params), flush=True)

    threading.Thread(target=feed_the_server, name="live-feed", daemon=True).start()
    return stop


def register(sub) -> None:
    p = sub.add_parser("simulate", help="post a live feed of made-up warnings to a local server's ingest API")
    p.add_argument("--rate", default=DEFAULT_RATE,
                   help="new warnings per second (2/s, 30/min, 600/h; the day's mean, default 2/s)")
    p.add_argument("--url", default="http://127.0.0.1:8050", help="the server (loopback only)")
    token = p.add_mutually_exclusive_group()
    token.add_argument("--token", help="an ingest token (default: a temporary one for source simulator)")
    token.add_argument("--token-file", help="a file holding the ingest token")
    p.add_argument("--source", default=SOURCE, help="the token's source (default: simulator)")
    p.add_argument("--minutes", type=float, default=None, help="stop after this many minutes")
    p.add_argument("--flat", action="store_true", help="a constant rate instead of the day's rhythm")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: a fresh one)")
    p.set_defaults(handler=cmd_simulate)
