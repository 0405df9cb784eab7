"""``antifraud simulate``: a live feed of made-up warnings through the real ingest API.

It reads the stations and the level of the history from the configured
database, posts to a server on this machine only, and stops by itself after
``--minutes`` (or on Ctrl-C).  By default its volume is the history's own
(``dashboard.demo.simulator.usual_rate``), shaped by the hour and the day of
the week, so a normal run raises no anomaly flag; ``--rate`` sets another
mean.  ``--surge UNIT`` gives one station or county many times its usual
warnings (``dashboard.demo.feed_ticks``); ``--pause MINUTES`` sends nothing
for that long, ``--pause-after`` minutes after the start.  Without
``--token`` / ``--token-file`` it creates a token for source ``demo`` (the history's)
and revokes it when it stops.  ``antifraud demo`` starts the same feed, at
the default volume, beside its server (``start_beside_server``) unless
``--no-simulate`` is given.  Refused when ``ANTIFRAUD_ENV=production``.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dashboard.cli.common import UsageError, action_log, open_database
from dashboard.demo import HISTORY_SOURCE, SURGE_FACTOR, SURGE_FLOOR_PER_MINUTE
from dashboard.i18n import name_of, t

if TYPE_CHECKING:  # the feed's machinery (numpy, pandas, SQLAlchemy) loads when a feed starts
    from dashboard.demo.feed_ticks import FeedTicks
    from dashboard.demo.simulator import FeedStats

# The feed is the demo city's upstream platform going on: its token is of the history's source, so
# the silence watch knows its usual rate from the history (a source of its own would be "learning")
SOURCE = HISTORY_SOURCE
DEMO_SOURCE = HISTORY_SOURCE
ACTOR = "system:simulator"  # who the audit log says created its tokens
MOST_MINUTES = 525600  # a year: --minutes, --pause and --pause-after
log = logging.getLogger("dashboard.simulate")
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


def _minutes(value: float | None, flag: str, lang: str, zero: bool = False, most: float = math.inf) -> None:
    """Refuse ``value`` unless it is a number of minutes above 0 (or 0 when ``zero``), up to ``most``."""
    if value is None:
        return
    if not math.isfinite(value) or value > most or value < 0 or (value == 0 and not zero):
        key = "simulate.error.minutes_or_zero" if zero else "simulate.error.minutes_value"
        raise UsageError(t(key, lang, flag=flag, most=f"{most:g}"))


def _check_pause(args, lang: str) -> None:
    _minutes(args.minutes, "--minutes", lang, most=MOST_MINUTES)
    _minutes(args.pause, "--pause", lang, most=MOST_MINUTES)
    _minutes(args.pause_after, "--pause-after", lang, zero=True, most=MOST_MINUTES)
    if args.pause is None and args.pause_after:
        raise UsageError(t("simulate.error.pause_after_alone", lang))
    if args.pause and args.minutes is not None and args.pause_after + args.pause >= args.minutes:
        raise UsageError(t("simulate.error.pause_too_long", lang, minutes=f"{args.minutes:g}"))


def feed_ticks(session, *, source: str, rate: float | None = None, flat: bool = False,
               surge: str | None = None, pause: float = 0.0, pause_after: float = 0.0,
               seed: int | None = None, now: datetime | None = None) -> FeedTicks:
    """The feed of ``antifraud simulate`` and ``antifraud demo`` over the database's stations.

    ``rate`` None: the volume the anomaly method finds usual at ``now``
    (``usual_rate``; the calibrated city's when the database has none);
    ``FeedError`` when there are no stations or ``surge`` names no station
    or county.
    """
    from dashboard.demo.feed_ticks import FeedTicks
    from dashboard.demo.live_feed import LiveFeed
    from dashboard.demo.simulator import demo_stations, surge_unit, usual_rate

    stations = demo_stations(session)
    surged = surge_unit(session, stations, surge) if surge is not None else None
    feed = LiveFeed(stations, source=source, rate=rate, usual_rate=usual_rate(session, now), seed=seed)
    return FeedTicks(feed, flat=flat, surge=surged, pause=pause or 0.0, pause_after=pause_after or 0.0)


def _started(lang: str, url: str, ticks: FeedTicks, source: str, minutes: float | None) -> list[str]:
    """What a person reads when the feed starts: the volume, then a surge and a pause if any.

    Also its line in the log."""
    feed = ticks.feed
    log.info("feed started: source %s, %.0f warnings a day (usual %.0f), time %.0fx faster, posting to %s",
             source, feed.rate * 86400, feed.usual_rate * 86400, feed.speed, url)
    params = {"url": url, "source": source, "daily": f"{feed.rate * 86400:,.0f}",
              "usual": f"{feed.usual_rate * 86400:,.0f}", "speed": f"{feed.speed:.0f}"}
    lines = [t("simulate.started_endless", lang, **params) if minutes is None
             else t("simulate.started", lang, minutes=f"{minutes:g}", **params)]
    if ticks.surge is not None:
        lines.append(t("simulate.surge_on", lang, code=ticks.surge.code, name=name_of(ticks.surge, lang),
                       factor=SURGE_FACTOR, floor=f"{SURGE_FLOOR_PER_MINUTE:g}"))
    if ticks.pause:
        lines.append(t("simulate.pause_planned", lang, after=f"{ticks.pause_after.total_seconds() / 60:g}",
                       minutes=f"{ticks.pause.total_seconds() / 60:g}"))
    return lines


def _refuse_production(settings, lang: str) -> None:
    if str(settings.get("ANTIFRAUD_ENV", "")).lower() == "production":
        raise UsageError(t("simulate.error.production", lang))


def _revoke_active(session, source: str) -> None:
    from sqlalchemy import select

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
    lang = settings["DEFAULT_LANGUAGE"]
    _refuse_production(settings, lang)
    rate = parse_rate(args.rate, lang) if args.rate is not None else None
    _check_pause(args, lang)
    token = _read_token(args, lang)
    db = open_database(settings)
    with action_log():
        return _simulate(args, lang, db, rate, token)


def _simulate(args, lang: str, db, rate: float | None, token: str | None) -> int:
    from dashboard.demo.simulator import FeedError, FeedStats, IngestClient, run_feed, wait_until_up
    from dashboard.ingest.tokens import create_token, revoke_token

    own_token = None
    source = SOURCE if token is None else args.source
    try:
        client = IngestClient(args.url, token or "")
        with db.session() as session:
            ticks = feed_ticks(session, source=source, rate=rate, flat=args.flat, surge=args.surge,
                               pause=args.pause, pause_after=args.pause_after, seed=args.seed)
            if token is None:
                own_token, client.token = create_token(session, SOURCE, actor=ACTOR)
    except FeedError as exc:
        raise UsageError(t(f"simulate.error.{exc.reason}", lang, **exc.params)) from None
    if not wait_until_up(client.base, timeout=10):
        if own_token is not None:
            with db.session() as session:
                revoke_token(session, own_token.id)
        raise UsageError(t("simulate.error.unreachable", lang, url=client.base, detail="/healthz"))
    print("\n".join(_started(lang, client.base, ticks, source, args.minutes)), flush=True)
    stats = FeedStats()
    try:
        stats = run_feed(ticks, client, minutes=args.minutes,
                         report=lambda s: print(stats_line(s, lang), flush=True))
    except FeedError as exc:
        raise UsageError(t(f"simulate.error.{exc.reason}", lang, **exc.params)) from None
    except KeyboardInterrupt:
        pass
    finally:
        if own_token is not None:
            with db.session() as session:
                revoke_token(session, own_token.id)
    _stopped(stats)
    print(stats_line(stats, lang))
    for error in stats.errors[:5]:
        print(t("simulate.error_detail", lang, detail=json.dumps(error, ensure_ascii=False)))
    return 1 if stats.rejected or stats.lost else 0


class _QuietFeed(logging.Filter):
    """Keep the feed's own API posts out of the development server's request log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "POST /api/v1/" not in record.getMessage()


def _stopped(stats: FeedStats) -> None:
    c = stats.counts
    log.info("feed stopped: %d warnings, %d dissuasion attempts, %d stop-payments inserted; "
             "%d rejected, %d not delivered", c["warnings"]["inserted"], c["outcomes"]["inserted"],
             c["stop-payments"]["inserted"] + c["stop-payments"]["updated"], stats.rejected, stats.lost)


def start_beside_server(settings, port: int, rate: float | None = None) -> threading.Event | None:
    """Create a demo token (revoking older ones) and feed the server on ``port`` from a thread.

    The feed also takes over the warnings the demo history (or an earlier
    demo run) left open, and works and closes them as it does its own.  The
    thread waits for ``/healthz``, then posts until the process ends or
    the returned event is set.  None (with one line printed) when there is
    nothing to feed from, such as a database without stations.  ``rate``
    None: the history's own level, so that the demo raises no anomaly flag.
    """
    from dashboard.demo.simulator import (
        FeedError,
        IngestClient,
        open_warnings,
        run_feed,
        wait_until_up,
    )
    from dashboard.domain.base import now_local
    from dashboard.ingest.tokens import create_token

    lang = settings["DEFAULT_LANGUAGE"]
    url = f"http://127.0.0.1:{port}"
    db = open_database(settings)
    try:
        with db.session() as session:
            ticks = feed_ticks(session, source=DEMO_SOURCE, rate=rate)
            _revoke_active(session, DEMO_SOURCE)
            _, token = create_token(session, DEMO_SOURCE, actor=ACTOR)
            left_open = open_warnings(session, (DEMO_SOURCE,))  # the history's, worked on too
    except FeedError as exc:
        print(t(f"simulate.error.{exc.reason}", lang, **exc.params), flush=True)
        return None
    client = IngestClient(url, token)
    ticks.feed.adopt(left_open, now_local())
    stop = threading.Event()
    logging.getLogger("werkzeug").addFilter(_QuietFeed())

    def feed_the_server() -> None:
        if not wait_until_up(url, stop=stop):
            print(t("simulate.error.unreachable", lang, url=url, detail="/healthz"), flush=True)
            return
        print("\n".join(_started(lang, url, ticks, DEMO_SOURCE, None)), flush=True)
        if left_open:
            print(t("simulate.adopted", lang, count=f"{len(left_open):,}"), flush=True)
        try:
            _stopped(run_feed(ticks, client, stop=stop,
                              report=lambda s: print(stats_line(s, lang), flush=True)))
        except FeedError as exc:
            print(t(f"simulate.error.{exc.reason}", lang, **exc.params), flush=True)

    threading.Thread(target=feed_the_server, name="live-feed", daemon=True).start()
    return stop


def register(sub) -> None:
    p = sub.add_parser("simulate", help="post a live feed of made-up warnings to a local server's ingest API")
    p.add_argument("--rate", default=None,
                   help="new warnings, the mean over a week (2/s, 30/min, 600/h), shaped by hour and "
                        "weekday unless --flat; default: the history's own level, which raises no "
                        "anomaly flag (a faster rate does, and runs the follow-ups' time as much faster)")
    p.add_argument("--url", default="http://127.0.0.1:8050", help="the server (loopback only)")
    token = p.add_mutually_exclusive_group()
    token.add_argument("--token", help="an ingest token (default: a temporary one for source demo, the history's)")
    token.add_argument("--token-file", help="a file holding the ingest token")
    p.add_argument("--source", default=SOURCE, help="the token's source (default: demo, the history's)")
    p.add_argument("--minutes", type=float, default=None, help="stop after this many minutes")
    p.add_argument("--flat", action="store_true", help="a constant rate instead of the day's rhythm")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: a fresh one)")
    p.add_argument("--surge", metavar="UNIT",
                   help=f"code or name of a station or county that gets {SURGE_FACTOR} times its usual "
                        f"warnings (at least {SURGE_FLOOR_PER_MINUTE:g} more a minute): a volume spike flag "
                        "within minutes")
    p.add_argument("--pause", type=float, metavar="MINUTES",
                   help="send nothing for this many minutes (a silent feed), then resume")
    p.add_argument("--pause-after", type=float, default=0.0, metavar="MINUTES",
                   help="start the pause this many minutes after the feed starts (default 0)")
    p.set_defaults(handler=cmd_simulate)
