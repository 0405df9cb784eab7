"""``antifraud import FILE``: warnings, outcomes or stop-payments from a CSV or XLSX file.

The same validation and idempotence as the HTTP API (both go through
``ingest_batch``); one transaction per batch; a progress bar on stderr; a
summary on stdout; rejected rows with their reasons in a report CSV.  Exit
codes: 0 every row accepted (or a duplicate), 1 some rows rejected, 2 a
mistake to fix (file, header, option) or a row that cannot be read.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dashboard.cli.common import UsageError, cli_actor, open_database
from dashboard.i18n import t
from dashboard.ingest import KINDS, MAX_BATCH

if TYPE_CHECKING:
    from dashboard.ingest.file_import import ImportSummary
    from dashboard.ingest.files import Reading

BAR_WIDTH = 30
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon"}


class ProgressBar:
    """A plain-text progress bar on a stream: redrawn in place on a terminal, every 10 % otherwise."""

    def __init__(self, stream=None, lang: str = "zh-CN") -> None:
        self.stream = stream or sys.stderr
        self.lang = lang
        self.tty = getattr(self.stream, "isatty", lambda: False)()
        self.started = time.perf_counter()
        self._last_step = -1

    def __call__(self, summary: ImportSummary, done: int, size: int) -> None:
        share = min(done / size, 1.0) if size else 1.0
        step = int(share * 10)
        if not self.tty and step == self._last_step:
            return
        self._last_step = step
        filled = int(share * BAR_WIDTH)
        rate = summary.rows / max(time.perf_counter() - self.started, 1e-6)
        text = t("import.progress", self.lang, bar="#" * filled + "-" * (BAR_WIDTH - filled),
                 percent=f"{share:.0%}", rows=f"{summary.rows:,}", rate=f"{rate:,.0f}")
        self.stream.write(("\r" + text) if self.tty else text + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty and self._last_step >= 0:
            self.stream.write("\n")
            self.stream.flush()


def summary_lines(summary: ImportSummary, lang: str) -> list[str]:
    c = summary.counts
    lines = [t("import.summary", lang, file=summary.path.name, kind=summary.kind,
               rows=f"{summary.rows:,}", seconds=f"{summary.seconds:.1f}",
               inserted=f"{c['inserted']:,}", duplicates=f"{c['duplicate']:,}",
               updated=f"{c['updated']:,}", rejected=f"{c['rejected']:,}")]
    if summary.encoding:
        lines.append(t("import.encoding", lang, encoding=summary.encoding))
    if summary.delimiter:
        lines.append(t("import.delimiter", lang,
                       delimiter=t(f"import.delimiter.{DELIMITER_NAMES[summary.delimiter]}", lang)))
    if summary.saved_maps:
        lines.append(t("import.saved_maps", lang, maps=", ".join(summary.saved_maps)))
    if summary.fen:
        lines.append(t("import.fen_rounded", lang, count=f"{summary.fen:,}"))
    if c["rejected"]:
        more = "" if c["rejected"] <= len(summary.rejected_lines) else " …"
        lines.append(t("import.rejected_lines", lang,
                       lines=", ".join(str(n) for n in summary.rejected_lines) + more))
        lines.extend(f"  {reason}" for reason in summary.reasons)
    if summary.report_path:
        lines.append(t("import.report", lang, path=str(summary.report_path), batch=summary.batch))
    return lines


def _reading(args, lang: str) -> tuple[dict[str, str], Reading]:
    """The ``--map`` items and the zone of ``--timezone``, or a UsageError naming the bad one."""
    from dashboard.ingest.files import Reading
    from dashboard.ingest.headers import MappingError, parse_maps

    try:
        maps = parse_maps(args.map)
    except MappingError as exc:
        raise UsageError(t(f"import.error.{exc.reason}", lang, **exc.params)) from None
    try:
        zone = ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(t("import.error.timezone", lang, zone=args.timezone)) from None
    return maps, Reading(zone=zone, lang=lang)


def cmd_import(args, settings) -> int:
    from dashboard.domain.times import check_max_future_minutes
    from dashboard.ingest.file_import import import_file
    from dashboard.ingest.files import FileFormatError

    lang = args.lang or settings["DEFAULT_LANGUAGE"]
    if not 1 <= args.batch <= MAX_BATCH:
        raise UsageError(t("import.error.batch", lang, max=MAX_BATCH))
    maps, reading = _reading(args, lang)
    try:
        minutes = check_max_future_minutes(settings["MAX_FUTURE_MINUTES"])
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    db = open_database(settings)
    bar = ProgressBar(lang=lang)
    try:
        summary = import_file(db.session, args.file, kind=args.kind, source=args.source,
                              also_sources=args.also_source or (), batch_size=args.batch,
                              report_path=args.report, actor=cli_actor(), progress=bar,
                              max_future_minutes=minutes, maps=maps, reading=reading)
    except FileFormatError as exc:
        raise UsageError(t(f"import.error.{exc.reason}", lang, **exc.params)) from None
    except OSError as exc:  # the report cannot be written, the file vanished
        raise UsageError(f"{exc.filename or args.file}: {exc.strerror or exc}") from None
    finally:
        bar.finish()
    for line in summary_lines(summary, lang):
        print(line)
    if summary.error is not None:
        raise UsageError(t(f"import.error.{summary.error.reason}", lang, **summary.error.params))
    return 1 if summary.counts["rejected"] else 0


def register(sub) -> None:
    p = sub.add_parser("import", help="import warnings, outcomes or stop-payments from CSV or XLSX")
    p.add_argument("file", help="CSV or tab/semicolon text (UTF-8, GB18030/GBK or UTF-16) or XLSX; "
                                "the header row names the fields in English or Chinese "
                                "(data/reference/import_headers.csv)")
    p.add_argument("--kind", choices=KINDS, default=None,
                   help="what the rows are (default: told from the header)")
    p.add_argument("--source", default=None,
                   help="the upstream source: fills an empty source column; rows naming another are "
                        "rejected, and follow-ups may name warnings of this source only")
    p.add_argument("--also-source", action="append", default=None, metavar="NAME",
                   help="with --source: another source whose warnings follow-ups may name (repeatable)")
    p.add_argument("--report", default=None,
                   help="where to write the rejected rows (default: FILE.rejected.csv beside the file)")
    p.add_argument("--batch", type=int, default=1000,
                   help=f"rows per transaction (1 to {MAX_BATCH}, default 1000)")
    p.add_argument("--map", action="append", default=None, metavar="COLUMN=FIELD",
                   help='a column the headers file does not know, and the field it holds, '
                        'e.g. --map "受理时间=received_at" (repeatable); with --source, saved for its next '
                        'imports')
    p.add_argument("--timezone", default="Asia/Shanghai",
                   help="the zone of times written without one (default Asia/Shanghai)")
    p.add_argument("--lang", choices=("zh-CN", "en"), default=None,
                   help="the language of messages and row errors (default: DEFAULT_LANGUAGE)")
    p.set_defaults(handler=cmd_import)
