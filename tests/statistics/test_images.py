"""PNG and PDF exports through kaleido and Debian's Chromium: not blank, Chinese drawn, nothing fetched.

One export of every chart and the report (a zip), made once for the module:
each image costs a fraction of a second once the browser runs, starting it
a few seconds.  Skips loudly where Chromium or poppler-utils is missing,
except under CI=true, where it fails.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import unicodedata
import zipfile

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.scope import scope_for_unit
from dashboard.domain import OrgUnit
from dashboard.statistics.exports import export_file
from dashboard.statistics.headlines import headline_text
from dashboard.statistics.images import DEFAULT_BROWSER, page_html
from dashboard.statistics.publication import build_publication
from dashboard.statistics.request import parse_request
from tests.statistics.conftest import NOW


def need(tool: str, path: str | None) -> None:
    if path and os.path.exists(path):
        return
    message = f"{tool} is not installed: image exports cannot be checked (.ci/system-deps)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " and CI=true requires it")
    pytest.skip("!!! SKIPPED: " + message)


@pytest.fixture(scope="module")
def charts_zip(seeded_database):
    if seeded_database.backend != "sqlite":
        pytest.skip("the images do not depend on the database: drawn once, over SQLite")
    seeded_engine = seeded_database.engine
    need("Chromium", DEFAULT_BROWSER)
    need("pdftoppm (poppler-utils)", shutil.which("pdftoppm"))
    with Session(seeded_engine) as session:
        city = session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
        scope = scope_for_unit(city)
        request, units = parse_request({"unit": "350200,350203,350205", "from": "2026-10-01",
                                        "to": "2026-10-31"}, session, scope, NOW)
        publication = build_publication(session, scope, request, units, NOW, 5)
    steps = []
    export = export_file(publication, "charts", "zh-CN", headline_text(publication, "zh-CN"),
                         browser=DEFAULT_BROWSER, progress=lambda pct, step: steps.append(pct))
    return zipfile.ZipFile(io.BytesIO(export.content)), steps


def not_blank(png: bytes) -> None:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.resize((200, int(200 * image.height / image.width)))
    raw = small.tobytes()
    pixels = [tuple(raw[i:i + 3]) for i in range(0, len(raw), 3)]
    inked = sum(1 for p in pixels if sum(p) < 600)  # clearly darker than white
    assert inked > len(pixels) * 0.01, "the image is (nearly) blank"
    assert len(set(pixels)) > 20, "the image has hardly any colours"


def pdf_text(pdf: bytes, tmp_path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
    return unicodedata.normalize("NFKC", text.decode("utf-8"))


def pdf_page_png(pdf: bytes, tmp_path, name: str) -> bytes:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(path), str(tmp_path / name)],
                   check=True)
    return (tmp_path / f"{name}.png").read_bytes()


def test_the_drawing_page_names_no_internet_address():
    page = page_html()
    assert not re.search(r"""src=["']?https?:""", page)
    assert "mathjax" not in page.lower()
    assert "file://" in page


def test_every_chart_and_the_report_as_png_and_pdf(charts_zip, tmp_path):
    archive, steps = charts_zip
    names = set(archive.namelist())
    charts = ["units", "trend", "fraud_types", "outcomes", "report"]
    assert names == {"README.txt"} | {f"{c}.{k}" for c in charts for k in ("png", "pdf")}
    assert steps == sorted(steps) and steps[-1] >= 90
    for chart in charts:
        not_blank(archive.read(f"{chart}.png"))
        pdf = archive.read(f"{chart}.pdf")
        assert pdf.startswith(b"%PDF")
        not_blank(pdf_page_png(pdf, tmp_path, chart))
    report = Image.open(io.BytesIO(archive.read("report.png")))
    assert report.size == (794 * 2, 1123 * 2)  # A4 at twice the CSS pixels


def test_pdfs_carry_the_chinese_title_and_embed_their_fonts(charts_zip, tmp_path):
    archive, _ = charts_zip
    assert "各单位预警量" in pdf_text(archive.read("units.pdf"), tmp_path, "units")
    report = pdf_text(archive.read("report.pdf"), tmp_path, "report")
    assert "反诈统计数据" in report and "去标识化统计数据" in report and "生成时间" in report
    path = tmp_path / "fonts.pdf"
    path.write_bytes(archive.read("report.pdf"))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows), fonts  # every font embedded
    assert "去标识化统计数据" in archive.read("README.txt").decode("utf-8")
