"""Export files of a publication, and the audit row every export leaves.

Formats: ``csv``, ``xlsx``, ``json`` (the tables), ``report_pdf`` and
``report_png`` (the one-page report), ``charts`` (a zip of every chart and
the report as PNG and PDF).  Images go through ``statistics.images``.

The audit row (action ``export``) names the user, the channel (page, API,
CLI), the parameters, the file's name and size, how many cells were
withheld, and the file's SHA-256 written as letters (``0-9a-f`` -> ``a-p``):
the audit log refuses runs of 11 or more digits, and a hex digest can
carry one.  ``sha256_letters`` gives the same form for checking a file.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.statistics import files
from dashboard.statistics.charts import HEIGHT, WIDTH, charts
from dashboard.statistics.images import ImageSpec, render
from dashboard.statistics.publication import Publication
from dashboard.statistics.report import A4_HEIGHT, A4_WIDTH, report_figure
from dashboard.statistics.request import RequestError

FORMATS = ("csv", "xlsx", "json", "report_pdf", "report_png", "charts")
IMAGE_FORMATS = ("report_pdf", "report_png", "charts")
MIME = {"csv": "text/csv; charset=utf-8", "xlsx":
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "json": "application/json", "report_pdf": "application/pdf", "report_png": "image/png",
        "charts": "application/zip"}
EXTENSION = {"csv": "csv", "xlsx": "xlsx", "json": "json", "report_pdf": "pdf", "report_png": "png",
             "charts": "zip"}
HEADLINES_MAX = 4000
_PERSONAL_DIGITS = re.compile(r"\d{11,}")
_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class ExportFile:
    name: str
    mime: str
    content: bytes

    @property
    def sha256_letters(self) -> str:
        return sha256_letters(self.content)


def sha256_letters(content: bytes) -> str:
    """The file's SHA-256 in hex with each digit written as a letter (0 -> a ... f -> p)."""
    return hashlib.sha256(content).hexdigest().translate(_LETTERS)


def clean_headlines(text: str | None) -> str:
    """The officer's sentences as they will be exported; refuses what looks like personal numbers."""
    text = "".join(ch for ch in str(text or "") if ch in "\n\t" or ch.isprintable()).strip()
    if len(text) > HEADLINES_MAX:
        raise RequestError("headlines", "statistics.error.too_long_text", n=HEADLINES_MAX)
    if _PERSONAL_DIGITS.search(text):
        raise RequestError("headlines", "statistics.error.personal_digits")
    return text


def file_name(publication: Publication, fmt: str, suffix: str = "") -> str:
    request = publication.request
    return (f"antifraud-statistics_{request.units[0]}_{request.first.isoformat()}_"
            f"{request.last.isoformat()}{suffix}.{EXTENSION[fmt]}")


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return out.getvalue()


def export_file(publication: Publication, fmt: str, lang: str, headlines: str, *,
                browser: str, progress: Progress = lambda pct, step: None) -> ExportFile:
    """The file of ``fmt``; ``progress(percent, step)`` as it goes (images take seconds)."""
    if fmt not in FORMATS:
        raise RequestError("format", "statistics.error.choice", choices=", ".join(FORMATS))
    name, mime = file_name(publication, fmt), MIME[fmt]
    progress(5, "tables")
    if fmt == "csv":
        return ExportFile(name, mime, files.csv_bytes(publication, lang, headlines))
    if fmt == "xlsx":
        return ExportFile(name, mime, files.xlsx_bytes(publication, lang, headlines))
    if fmt == "json":
        return ExportFile(name, mime, files.json_bytes(publication, lang, headlines))
    report = report_figure(publication, lang, headlines)
    if fmt in ("report_pdf", "report_png"):
        specs = [ImageSpec(report, fmt[7:], A4_WIDTH, A4_HEIGHT)]
        names = [name]
    else:
        specs, names = [], []
        for chart, figure in charts(publication, lang).items():
            for kind in ("png", "pdf"):
                specs.append(ImageSpec(figure, kind, WIDTH, HEIGHT, 2.0 if kind == "png" else 1.0))
                names.append(f"{chart}.{kind}")
        for kind in ("png", "pdf"):
            specs.append(ImageSpec(report, kind, A4_WIDTH, A4_HEIGHT, 2.0 if kind == "png" else 1.0))
            names.append(f"report.{kind}")
    progress(10, "browser")
    images = render(specs, browser, lambda done: progress(10 + 85 * done // len(specs), "images"))
    progress(97, "saving")
    if fmt != "charts":
        return ExportFile(name, mime, images[0])
    readme = "\n".join(files.footer_lines(publication, lang)).encode("utf-8")
    return ExportFile(name, mime, _zip([("README.txt", readme), *zip(names, images, strict=True)]))


def record_export(session: Session, *, user, channel: str, publication: Publication, fmt: str,
                  lang: str, export: ExportFile, source_address: str | None = None):
    """The ``export`` audit row (the caller commits)."""
    request = publication.request
    detail = {"channel": channel, "format": fmt, "language": lang, "unit": list(request.units),
              "from": request.first.isoformat(), "to": request.last.isoformat(),
              "compare": request.compare, "figure": list(request.figures),
              "threshold": publication.threshold, "file": export.name,
              "size": len(export.content), "sha256_letters": export.sha256_letters,
              "withheld": publication.suppressed}
    if request.compare == "custom":
        detail["compare_from"] = request.compare_first.isoformat()
        detail["compare_to"] = request.compare_last.isoformat()
    return audit.record(session, user=user, action=audit.EXPORT, object=f"statistics:{fmt}",
                        source_address=source_address, detail=detail)
