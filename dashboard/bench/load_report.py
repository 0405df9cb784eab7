"""The load test's result: figures by kind of request, the target's verdict, a table through ``t()``."""

from __future__ import annotations

import math
from dataclasses import asdict

from dashboard.bench.load import KINDS, TARGET_KINDS
from dashboard.bench.report import display_width, machine_line
from dashboard.i18n import t

TARGET_P95_MS = 300.0
SHOWN_ERRORS = 5  # distinct error messages printed under the table (the JSON has every one)


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (``share`` 0.5 for p50, 0.95 for p95); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def figures(samples: list) -> dict:
    times = [s.ms for s in samples]
    return {"count": len(samples), "p50_ms": percentile(times, 0.5), "p95_ms": percentile(times, 0.95),
            "max_ms": max(times, default=None), "errors": sum(1 for s in samples if s.error)}


def summarise(run: dict, setup: dict, database: dict) -> dict:
    """The whole result (the JSON document) from ``run_load``'s samples."""
    samples, seconds = run["samples"], run["seconds"]
    kinds = [{"kind": kind, **figures([s for s in samples if s.kind == kind])} for kind in KINDS]
    overall = figures(samples)
    overall.update(seconds=seconds,
                   requests_per_second=round(len(samples) / seconds, 2) if seconds else None)
    dashboard = figures([s for s in samples if s.kind in TARGET_KINDS])
    p95_met = dashboard["p95_ms"] is not None and dashboard["p95_ms"] <= TARGET_P95_MS
    target = {"p95_ms": TARGET_P95_MS, "errors": 0, "p95_kinds": list(TARGET_KINDS),
              "measured_p95_ms": dashboard["p95_ms"], "measured_errors": overall["errors"],
              "met": bool(p95_met and overall["errors"] == 0)}
    return {"setup": setup, "database": database, "kinds": kinds, "overall": overall, "target": target,
            "errors": [asdict(s) for s in samples if s.error],
            "requests": [[s.at, s.kind, s.ms, s.error] for s in samples]}


def _ms(value) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _left(text: str, width: int) -> str:
    return text + " " * max(width - display_width(text), 0)


def _right(text: str, width: int) -> str:
    return " " * max(width - display_width(text), 0) + text


def table(result: dict, lang: str) -> list[str]:
    """The lines to print (see ``dashboard.cli.loadtest``)."""
    setup, database, overall, target = (result["setup"], result["database"], result["overall"],
                                        result["target"])
    lines = [t("loadtest.title", lang, users=setup["users"], seconds=f"{setup['seconds']:g}",
               poll=f"{setup['poll_seconds']:g}", url=setup["url"]),
             machine_line(setup["machine"], lang),
             t(f"loadtest.server.{'own' if setup['workers'] else 'given'}", lang,
               workers=setup["workers"] or 0),
             t("loadtest.database", lang, db=database["url"], warnings=f"{database['warnings']:,}",
               first=database["first"], last=database["last"]),
             ""]
    names = {kind: t(f"loadtest.kind.{kind}", lang) for kind in KINDS}
    names["all"] = t("loadtest.kind.all", lang)
    first = max(display_width(name) for name in names.values()) + 2
    columns = [t(f"loadtest.column.{key}", lang) for key in ("count", "p50", "p95", "max", "errors")]
    width = max(10, *(display_width(c) + 2 for c in columns))
    lines.append(_left(t("loadtest.column.kind", lang), first)
                 + "".join(_right(c, width) for c in columns))
    for key, row in [*((r["kind"], r) for r in result["kinds"]), ("all", overall)]:
        cells = [f"{row['count']:,}", _ms(row["p50_ms"]), _ms(row["p95_ms"]), _ms(row["max_ms"]),
                 f"{row['errors']:,}"]
        lines.append(_left(names[key], first) + "".join(_right(c, width) for c in cells))
    lines += ["", t("loadtest.rate", lang, rate=f"{overall['requests_per_second'] or 0:,.1f}",
                    requests=f"{overall['count']:,}", seconds=f"{overall['seconds']:,.1f}"),
              t("loadtest.target", lang, p95=f"{target['p95_ms']:g}",
                verdict=t(f"loadtest.verdict.{'met' if target['met'] else 'missed'}", lang),
                measured=_ms(target["measured_p95_ms"]), errors=f"{target['measured_errors']:,}")]
    distinct = list(dict.fromkeys(f"{e['kind']}: {e['error']}" for e in result["errors"]))
    for message in distinct[:SHOWN_ERRORS]:
        lines.append(t("loadtest.error_line", lang, detail=message[:300]))
    if len(distinct) > SHOWN_ERRORS:
        lines.append(t("loadtest.more_errors", lang, count=len(distinct) - SHOWN_ERRORS))
    return lines
