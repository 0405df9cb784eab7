"""Ingest tokens: ``create-token [--also-source S ...]``, ``revoke-token``, ``list-tokens``.

A token writes records of its own source; its follow-ups may name warnings of
that source and of each ``--also-source`` given at creation (audited), no
others.  ``list-tokens`` shows those grants.
"""

from __future__ import annotations

from dashboard.cli.common import UsageError, cli_actor, open_database


def cmd_create_token(args, settings) -> int:
    from dashboard.ingest.tokens import TokenError, create_token

    db = open_database(settings)
    try:
        with db.session() as session:
            row, plain = create_token(session, args.source, args.also_source or (),
                                      actor=cli_actor())
    except TokenError as exc:
        raise UsageError(str(exc)) from None
    also = f" (follow-ups also of {', '.join(row.granted_sources)})" if row.granted_sources else ""
    print(f"token {row.id} for source {row.source}{also} (shown once, keep it secret):")
    print(plain)
    return 0


def cmd_revoke_token(args, settings) -> int:
    from dashboard.ingest.tokens import TokenError, revoke_token

    db = open_database(settings)
    try:
        with db.session() as session:
            row = revoke_token(session, args.id)
    except TokenError as exc:
        raise UsageError(str(exc)) from None
    print(f"token {row.id} of source {row.source} revoked")
    return 0


def cmd_list_tokens(args, settings) -> int:
    from sqlalchemy import select

    from dashboard.domain.ingest import ApiToken

    db = open_database(settings)
    with db.session() as session:
        for row in session.scalars(select(ApiToken).order_by(ApiToken.id)):
            state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
            used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
            also = f"  also {','.join(row.granted_sources)}" if row.granted_sources else ""
            print(f"{row.id:>4}  {row.source:<20} {row.hint}…  {state:<24} last used {used}{also}")
    return 0


def register(sub) -> None:
    create = sub.add_parser("create-token", help="create an ingest API token for a source")
    create.add_argument("--source", required=True, help="the upstream platform's name")
    create.add_argument("--also-source", action="append", default=None, metavar="NAME",
                        help="another source whose warnings this token's follow-ups (attempts, "
                             "outcomes, stop-payments) may name (repeatable; default: none)")
    create.set_defaults(handler=cmd_create_token)
    revoke = sub.add_parser("revoke-token", help="revoke an ingest API token")
    revoke.add_argument("--id", type=int, required=True)
    revoke.set_defaults(handler=cmd_revoke_token)
    sub.add_parser("list-tokens", help="list ingest API tokens").set_defaults(handler=cmd_list_tokens)
