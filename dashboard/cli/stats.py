"""Statistics on the command line: ``stats`` and ``create-stats-token``.

``antifraud stats --unit CODE [--unit CODE ...] --from DATE --to DATE
[--compare last_year|previous|custom --compare-from D --compare-to D]
[--figure KEY ...] --format csv|json|xlsx [--lang zh-CN|en] [--output FILE]``
writes the same disclosure-controlled tables as the page and the API
(``DISCLOSURE_THRESHOLD`` applies), audited as an export by ``cli:<login>``.
The operator of the server may ask for any unit of the database.

``antifraud create-stats-token --username U`` makes a statistics API token
acting as that user (shown once; ``revoke-token --id N`` revokes it).
"""

from __future__ import annotations

import sys
from datetime import datetime

from dashboard.cli.common import UsageError, cli_actor, open_database

CLI_FORMATS = ("csv", "json", "xlsx")


def _root_scope(session, codes: list[str]):
    """The city of the first unit asked for (or the first city): the operator may read any unit."""
    from sqlalchemy import select

    from dashboard.auth.scope import NO_SCOPE, PATH_SEPARATOR, scope_for_unit
    from dashboard.domain import OrgUnit

    first = next((c.strip() for item in codes for c in str(item).split(",") if c.strip()), None)
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == first)) if first else None
    if unit is not None:
        city = session.scalar(select(OrgUnit).where(OrgUnit.path == unit.path.split(PATH_SEPARATOR)[0]))
    else:
        city = session.scalar(select(OrgUnit).where(OrgUnit.level == "city").order_by(OrgUnit.code))
    return scope_for_unit(city) if city is not None else NO_SCOPE


def run_stats(args, settings, now: datetime | None = None) -> int:
    # here, not at the top: they bring pandas, plotly and openpyxl, which every other command
    # (and ``antifraud --help``) would otherwise wait for
    from dashboard.disclosure.suppression import MIN_THRESHOLD
    from dashboard.domain.base import now_local
    from dashboard.statistics.exports import export_file, record_export
    from dashboard.statistics.headlines import headline_text
    from dashboard.statistics.publication import build_publication
    from dashboard.statistics.releases import record_release
    from dashboard.statistics.request import RequestError, parse_request

    threshold = int(settings["DISCLOSURE_THRESHOLD"])
    if threshold < MIN_THRESHOLD:
        raise UsageError(f"DISCLOSURE_THRESHOLD: must be at least {MIN_THRESHOLD}")
    if args.format == "xlsx" and not args.output:
        raise UsageError("--output: required for xlsx (a binary file)")
    params = {"unit": args.unit or [], "from": args.from_, "to": args.to, "compare": args.compare,
              "compare_from": args.compare_from, "compare_to": args.compare_to,
              "figure": args.figure or []}
    db = open_database(settings)
    moment = now or now_local()
    with db.session() as session:
        scope = _root_scope(session, params["unit"])
        try:
            request, units = parse_request(params, session, scope, moment)
        except RequestError as error:
            field = "--" + error.field.replace("_", "-")
            raise UsageError(f"{field}: {error.reason('en')}") from None
        publication = build_publication(session, scope, request, units, moment, threshold,
                                        recipient=cli_actor())
        export = export_file(publication, args.format, args.lang,
                             headline_text(publication, args.lang), browser=settings["EXPORT_BROWSER"])
        record_release(session, publication.release, moment)
        record_export(session, user=cli_actor(), channel="cli", publication=publication,
                      fmt=args.format, lang=args.lang, export=export)
    if args.output:
        with open(args.output, "wb") as fh:
            fh.write(export.content)
        print(f"wrote {args.output} ({len(export.content):,} bytes, "
              f"sha256 as letters {export.sha256_letters})", file=sys.stderr)
    else:
        sys.stdout.buffer.write(export.content)
        sys.stdout.flush()
    return 0


def cmd_stats(args, settings) -> int:
    return run_stats(args, settings)


def cmd_create_stats_token(args, settings) -> int:
    from dashboard.statistics.tokens import StatsTokenError, create_stats_token

    db = open_database(settings)
    try:
        with db.session() as session:
            row, plain = create_stats_token(session, args.username)
    except StatsTokenError as exc:
        raise UsageError(str(exc)) from None
    print(f"statistics token {row.id} for user {args.username} (shown once, keep it secret):")
    print(plain)
    return 0


def register(sub) -> None:
    stats = sub.add_parser("stats", help="de-identified statistics (the page's tables) as csv, json or xlsx")
    stats.add_argument("--unit", action="append", help="unit code (repeat, or comma-separated)")
    stats.add_argument("--from", dest="from_", required=True, help="first day, YYYY-MM-DD")
    stats.add_argument("--to", required=True, help="last day (before today), YYYY-MM-DD")
    stats.add_argument("--compare", default="last_year", help="last_year, previous or custom")
    stats.add_argument("--compare-from", help="first day of a custom comparison period")
    stats.add_argument("--compare-to", help="last day of a custom comparison period")
    stats.add_argument("--figure", action="append", help="KPI key of docs/metrics.md (repeat)")
    stats.add_argument("--format", choices=CLI_FORMATS, default="csv")
    stats.add_argument("--lang", choices=("zh-CN", "en"), default="zh-CN")
    stats.add_argument("--output", help="write to this file instead of standard output")
    stats.set_defaults(handler=cmd_stats)
    token = sub.add_parser("create-stats-token",
                           help="a token for GET /api/v1/stats acting as a user")
    token.add_argument("--username", required=True)
    token.set_defaults(handler=cmd_create_stats_token)
