"""``antifraud import-units FILE``: the bureau's own units (city bureau, sub-bureaus, stations) from a CSV.

The file's first line names the columns ``code,level,parent_code,name_zh,
name_en`` and optionally ``population``; see ``dashboard.commands.import_units``
for the rules.  Every problem is printed with its line and field and nothing
is changed (exit 1); a clean list is written in one transaction and audited
(exit 0).  ``--dry-run`` checks and reports without writing.  A file that
cannot be read at all is a usage error (exit 2).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

from dashboard.cli.common import UsageError, cli_actor, open_database
from dashboard.i18n import t

if TYPE_CHECKING:
    from dashboard.commands.import_units import Problem


def read_unit_list(path: str, lang: str) -> list[tuple[int, dict]]:
    """(line number, row) for each line after the header; ``UsageError`` for an unreadable file."""
    from dashboard.commands.import_units import COLUMNS

    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(t("units.error.encoding", lang, path=str(file))) from None
    except OSError as exc:
        raise UsageError(t("units.error.file", lang, path=str(file), reason=exc.strerror or str(exc))) from None
    reader = csv.DictReader(text.splitlines())
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise UsageError(t("units.error.columns", lang, columns=", ".join(missing)))
    reader.fieldnames = header
    return [(reader.line_num, row) for row in reader if any((v or "").strip() for v in row.values()
                                                            if isinstance(v, str))]


def problem_line(problem: Problem, lang: str) -> str:
    field = t(f"units.field.{problem.field}", lang)
    reason = t(problem.key, lang, **problem.params)
    if problem.line:
        return t("units.problem", lang, line=problem.line, field=field, reason=reason)
    return t("units.problem.file", lang, field=field, reason=reason)


def cmd_import_units(args, settings) -> int:
    from dashboard.commands.import_units import ImportUnits, UnitsRefused

    lang = settings["DEFAULT_LANGUAGE"]
    rows = read_unit_list(args.file, lang)
    db = open_database(settings)
    try:
        with db.sessionmaker() as session:  # committed here, only for a clean list and no --dry-run
            command = ImportUnits(cli_actor(), rows, source=Path(args.file).name)
            try:
                result = command.run(session)
            except UnitsRefused as refused:
                session.rollback()
                for problem in refused.problems:
                    print(problem_line(problem, lang))
                print(t("units.not_applied", lang, count=len(refused.problems)))
                return 1
            counts = {"created": len(result.created), "updated": len(result.updated),
                      "unchanged": len(result.unchanged)}
            if args.dry_run:
                session.rollback()
                print(t("units.dry_run", lang, **counts))
                return 0
            session.commit()
    finally:
        db.dispose()
    print(t("units.applied", lang, **counts))
    return 0


def register(sub) -> None:
    p = sub.add_parser("import-units",
                       help="create or update the bureau's units (city, sub-bureaus, stations) from a CSV")
    p.add_argument("file", help="CSV with columns code,level,parent_code,name_zh,name_en[,population]")
    p.add_argument("--dry-run", action="store_true", help="check the list and report, write nothing")
    p.set_defaults(handler=cmd_import_units)
