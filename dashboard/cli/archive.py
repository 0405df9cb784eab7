"""``antifraud archive``: whole months of warnings and attempts out of the database, verified, and back.

``--before 2024-01-01 --output DIR`` writes the months before that date to
DIR (a manifest with each file's checksum and rows), checks the files, and
takes the months out (PostgreSQL: detaches and drops their partitions;
SQLite: deletes their rows).  ``--restore DIR`` checks an archive and puts
its months back.  The aggregates keep the archived months' figures:
dashboards do not change.  See ``dashboard/archive.py``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dashboard.cli.common import UsageError, open_database
from dashboard.i18n import t


def cmd_archive(args, settings) -> int:
    from dashboard.archive import ArchiveError, archive, restore

    lang = settings["DEFAULT_LANGUAGE"]
    if bool(args.restore) == bool(args.before or args.output) or (
            not args.restore and not (args.before and args.output)):
        raise UsageError(t("archive.error.usage", lang))
    db = open_database(settings)
    try:
        if args.restore:
            manifest = restore(db.engine, Path(args.restore))
            print(t("archive.restored", lang, folder=args.restore, months=", ".join(manifest["months"]),
                    rows=sum(e["rows"] for e in manifest["files"].values())))
            return 0
        try:
            before = date.fromisoformat(args.before)
        except ValueError:
            raise UsageError(t("archive.error.date", lang, before=args.before)) from None
        done = archive(db.engine, before, Path(args.output))
    except ArchiveError as exc:
        raise UsageError(t(exc.key, lang, **exc.params)) from None
    print(t("archive.done", lang, folder=str(done.folder), months=", ".join(done.months),
            rows=sum(done.rows.values()), files=len(done.rows)))
    return 0


def register(sub) -> None:
    p = sub.add_parser("archive", help="move whole months of warnings and attempts to a verified archive, "
                                       "or restore one (the dashboards' figures stay)")
    p.add_argument("--before", help="archive every month before this first of a month (YYYY-MM-01)")
    p.add_argument("--output", help="the folder to write (new or empty)")
    p.add_argument("--restore", metavar="DIR", help="put the months of this archive back")
    p.set_defaults(handler=cmd_archive)
