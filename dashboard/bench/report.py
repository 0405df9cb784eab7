"""The bench result: a readable table through ``t()``, and the JSON document."""

from __future__ import annotations

import json
from pathlib import Path

from dashboard.i18n import t


def _ms(value) -> str:
    return f"{value:,.1f}" if value is not None else "-"


def machine_line(machine: dict, lang: str) -> str:
    """The machine's reference (``bench.machine.reference``) as a line of the bench's and load test's tables."""
    return t("bench.machine", lang, loop=f"{machine['loop']:,}", ms=f"{machine['loop_ms']:,.0f}",
             cores=machine["cores"])


def table(result: dict, lang: str) -> list[str]:
    """The lines to print for ``result`` (see ``dashboard.cli.bench``)."""
    lines = [*_title_lines(result, lang), "", *_interaction_lines(result, lang), ""]
    for key in ("api", "file"):
        rate = result["ingest"][key]
        lines.append(t(f"bench.ingest.{key}", lang, warnings=f"{rate['warnings']:,}",
                       seconds=f"{rate['seconds']:,.2f}", rate=f"{rate['per_second']:,.0f}"))
    memory = result["memory"]
    lines.append(t("bench.memory", lang, serving=f"{memory['serving_peak_mb']:,.0f}",
                   peak=f"{memory['peak_mb']:,.0f}",
                   generated=f"{memory['after_generation_mb']:,.0f}"))
    return lines


def _interaction_lines(result: dict, lang: str) -> list[str]:
    """The header and a row for each interaction: median, p95, bare SQL, statements, ratio."""
    lines = [t("bench.header", lang, runs=result["setup"]["runs"])]
    width = max(display_width(t(f"bench.interaction.{row['key']}", lang))
                for row in result["interactions"]) + 2
    for row in result["interactions"]:
        name = t(f"bench.interaction.{row['key']}", lang)
        name = name + " " * (width - display_width(name))
        if not row["measured"]:
            lines.append(name + t("bench.not_measured", lang, reason=row["reason"]))
            continue
        lines.append(name + t("bench.row", lang, median=_ms(row["server"]["median_ms"]),
                                  p95=_ms(row["server"]["p95_ms"]), sql=_ms(row["sql"]["median_ms"]),
                                  sql_p95=_ms(row["sql"]["p95_ms"]), statements=row["statements"],
                                  ratio="-" if row["ratio"] is None else f"{row['ratio']:g}"))
    return lines


def _figure(value, unit: str = "") -> str:
    if value is None:
        return "-"
    return f"{value:,.3f}{unit}" if unit == " s" else f"{value:,.0f}{unit}"


def replica_table(result: dict, lang: str) -> list[str]:
    """The lines to print for ``antifraud bench --replica`` (``dashboard.cli.bench_replica``)."""
    setup, replica = result["setup"]["replica"], result["replica"]
    ingest, lag, reads = replica["ingest"], replica["lag"], replica["reads"]
    lines = [*_title_lines(result, lang),
             t("bench.replica.setup", lang, version=setup["postgres"], workers=setup["workers"]),
             t("bench.replica.prepared", lang, vacuum=f"{replica['vacuum_seconds']:,.1f}",
               catch_up=f"{replica['catch_up_seconds']:,.1f}"),
             "", *_interaction_lines(result, lang), ""]
    lines.append(t("bench.replica.ingest", lang, rate=_figure(ingest["per_second"]),
                   target=_figure(ingest["target_per_second"]),
                   during=_figure(ingest["during_interactions_per_second"]),
                   warnings=f"{ingest['warnings']:,}", seconds=f"{ingest['seconds']:,.1f}"))
    lines.append(t("bench.replica.batches", lang, batch=f"{ingest['batch']:,}", taken=ingest["batches_taken"],
                   failed=ingest["failed_batches"], median=_figure(ingest["batch_ms"]["median"]),
                   p95=_figure(ingest["batch_ms"]["p95"]), senders=ingest["senders"]))
    lines += [t("bench.replica.failure", lang, failure=failure) for failure in ingest["failures"]]
    for key, unit in (("bytes", ""), ("seconds", " s")):
        spread = lag[key]
        lines.append(t(f"bench.replica.lag_{key}", lang, samples=lag["samples"],
                       median=_figure(spread["median"], unit), p95=_figure(spread["p95"], unit),
                       max=_figure(spread["max"], unit)))
    lines.append(t("bench.replica.reads_yes" if reads["reads_on_standby"] else "bench.replica.reads_no", lang,
                   standby=f"{reads['statements_on_standby']:,}",
                   read_primary=f"{reads['read_statements_on_primary']:,}",
                   primary=f"{reads['statements_on_primary']:,}"))
    primary_only = [t(f"bench.interaction.{row['key']}", lang) for row in result["interactions"]
                    if row["measured"] and not row.get("read_statements")]
    if primary_only:
        lines.append(t("bench.replica.primary_only", lang,
                       names=t("bench.replica.separator", lang).join(primary_only)))
    if setup["kept"]:
        lines.append(t("bench.replica.kept", lang, folder=setup["folder"]))
    return lines


def _title_lines(result: dict, lang: str) -> list[str]:
    """The database's line, its growth, the machine's reference and the generation."""
    gen, setup = result["generation"], result["setup"]
    return [t("bench.title", lang, scale=t(f"bench.scale.{setup['scale']}", lang), days=setup["days"],
              daily=f"{setup['daily_warnings']:,.0f}", db=setup["backend"]),
            *([t("bench.growth", lang, percent=f"{setup['growth']:.0%}")] if setup.get("growth") else []),
            machine_line(setup["machine"], lang),
            t("bench.reused", lang, rows=f"{gen['rows']:,}", warnings=f"{gen['warnings']:,}")
            if gen.get("reused") else
            t("bench.generation", lang, rows=f"{gen['rows']:,}", warnings=f"{gen['warnings']:,}",
              seconds=f"{gen['seconds']:,.1f}", rate=f"{gen['rows_per_second']:,.0f}")]


def browser_table(result: dict, lang: str) -> list[str]:
    """The lines to print for ``antifraud bench --browser`` (``dashboard.bench.browser``)."""
    setup = result["setup"]
    lines = [*_title_lines(result, lang),
             t("bench.browser.setup", lang, workers=setup["workers"], version=setup["chromium"],
               width=setup["viewport"]["width"], height=setup["viewport"]["height"]),
             "", t("bench.browser.header", lang, runs=setup["runs"])]
    names = {row["key"]: t(f"bench.browser.journey.{row['key']}", lang) for row in result["browser"]}
    width = max(display_width(name) for name in names.values()) + 2
    for row in result["browser"]:
        name = names[row["key"]]
        lines.append(name + " " * (width - display_width(name))
                     + t("bench.browser.row", lang, median=_ms(row["median_ms"]), p95=_ms(row["p95_ms"])))
        if row["key"] == "leave":
            answer = row.get("answer")
            lines.append(" " * width + t("bench.browser.leave_parts", lang,
                                         answer=_ms(answer["median_ms"] if answer else None),
                                         teardown=_ms(row["teardown"]["median_ms"])))
    return lines


def import_table(result: dict, lang: str) -> list[str]:
    """The lines to print for ``antifraud bench --import-rows`` (``dashboard.bench.office_import``)."""
    figures, setup = result["import"], result["setup"]
    return [t("bench.import.title", lang, rows=f"{figures['rows']:,}", db=setup["backend"]),
            machine_line(setup["machine"], lang),
            t("bench.import.file", lang, mb=f"{figures['bytes'] / 1e6:,.1f}",
              seconds=f"{figures['write_seconds']:,.1f}", encoding=figures["encoding"]),
            t("bench.import.rate", lang, rows=f"{figures['rows']:,}", seconds=f"{figures['seconds']:,.1f}",
              rate=f"{figures['rows_per_second']:,.0f}", cpu=f"{figures['cpu_seconds']:,.1f}",
              cpu_rate=f"{figures['rows_per_cpu_second']:,.0f}"),
            t("bench.import.memory", lang, peak=f"{figures['peak_mb']:,.0f}")]


def display_width(text: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def write_json(result: dict, path: str | Path) -> None:
    Path(path).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def emit(lines: list[str], result: dict, json_path: str | None) -> int:
    """Print a result's table lines and, if asked, write it as JSON; the command's exit code (0)."""
    for line in lines:
        print(line)
    if json_path:
        write_json(result, json_path)
    return 0
