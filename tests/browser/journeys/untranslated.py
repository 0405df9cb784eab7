"""Untranslated text on a page: every visible text must come from the current language.

``visible_texts(page)`` collects what a person sees: every text node under
``<body>`` whose element is rendered (CSS visibility, display and opacity,
``checkVisibility``), SVG text included (plotly's axis labels, legends,
annotations and hover labels), the ``title`` (tooltip) of rendered elements,
the ``placeholder`` of rendered form fields, the ``aria-label`` of every shown
element (the libraries' own included), the chosen option of each ``<select>``, and the document title.

``Vocabulary(lang, engine)`` is what may legitimately appear in ``lang``:

- the catalogue of ``lang`` (core and areas), each template cut at its
  ``{placeholders}`` into literal pieces (the placeholders' values must
  themselves be legitimate, so they are checked as what is left);
- data in ``lang`` read from the database: unit and reference-list names,
  role names, playbook talking points;
- data in no language: usernames, display names, the language switch's own
  labels, and free text people typed (task titles, instructions, notes,
  playbook boxes) or the system wrote (audit objects), which must stand
  whole;
- pure data tokens: numbers (with 万 / 亿 / k / M, %), dates, times, codes
  and anything else with a digit in it, masked numbers and masked names.

``untranslated(texts)`` takes those out of each text, longest first; a text
with a letter left over (Latin or CJK) is reported whole.  A Chinese text on
an English page, an English one on a Chinese page, or an English one that is
in no catalogue, is caught.
"""

from __future__ import annotations

import re
from functools import cache

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from dashboard.auth.permissions import roles
from dashboard.domain import OrgUnit, User
from dashboard.domain.audit import AuditEntry
from dashboard.domain.playbooks import DissuasionPlaybook
from dashboard.domain.reference import REFERENCE_MODELS
from dashboard.domain.tasks import Task, TaskEvent
from dashboard.domain.warnings import Dissuasion
from dashboard.i18n import catalogue
from dashboard.web.shell import LANGUAGE_LABELS

VISIBLE_TEXTS_JS = """() => {
    const shown = (el) => el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
    const skip = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'OPTION']);
    const texts = [document.title];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const el = node.parentElement;
        if (node.nodeValue.trim() && el && !skip.has(el.tagName) && shown(el)) texts.push(node.nodeValue);
    }
    for (const el of document.body.querySelectorAll('[title]')) if (shown(el)) texts.push(el.title);
    for (const el of document.body.querySelectorAll('input, textarea')) {
        if (shown(el)) texts.push(el.getAttribute('placeholder') || '');
    }
    for (const el of document.body.querySelectorAll('[aria-label]')) {
        if (shown(el)) texts.push(el.getAttribute('aria-label'));
    }
    for (const el of document.body.querySelectorAll('select')) {
        if (shown(el) && el.selectedOptions.length) texts.push(el.selectedOptions[0].text);
    }
    return texts.map(t => t.replace(/\\s+/g, ' ').trim()).filter(t => t);
}"""

PLACEHOLDER = re.compile(r"\{[^{}]*\}")
SPACES = re.compile(r"\s+")
LETTER = re.compile(r"[A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
TOKENS = re.compile(
    r"[A-Za-z0-9_.\-/:]*\d[A-Za-z0-9_.\-/:,]*"  # numbers, dates, times, codes, file names
    r"(?:万|亿)?"                                # 12.3万, 1.2亿
    r"|[^\W\d_]\*+"                              # a masked name: 张**
    r"|UTC[+-]\d+"                               # a time zone
)


def _piece_pattern(piece: str) -> str:
    """A literal piece; a piece that starts or ends with a Latin letter must not cut a word."""
    pattern = re.escape(piece)
    if re.match(r"[A-Za-z]", piece):
        pattern = r"(?<![A-Za-z])" + pattern
    if re.search(r"[A-Za-z]$", piece):
        pattern += r"(?![A-Za-z])"
    return pattern


def _pieces(text: str) -> set[str]:
    """The literal pieces of a template between its placeholders, blanks collapsed."""
    out = set()
    for piece in PLACEHOLDER.split(text):
        piece = SPACES.sub(" ", piece).strip()
        if LETTER.search(piece):
            out.add(piece)
    return out


@cache
def catalogue_pieces(lang: str) -> frozenset[str]:
    """Every literal piece of every message of ``lang``'s catalogues."""
    return frozenset(piece for text in catalogue(lang).values() for piece in _pieces(text))


def database_texts(engine: Engine, lang: str) -> tuple[set[str], set[str]]:
    """(names, free texts) in the database that may appear on a page in ``lang``.

    Names (units, reference lists, roles, users, playbook points) are cut into
    pieces like catalogue texts, since pages put them together with other
    words; free text that people typed (task titles, instructions, notes) may
    only stand whole, as the pages show it.
    """
    zh = lang == "zh-CN"
    names = {role.name_zh if zh else role.name_en for role in roles().values()}
    free: set[str] = set()
    with Session(engine) as session:
        for model in (OrgUnit, *REFERENCE_MODELS):
            names.update(session.scalars(select(model.name_zh if zh else model.name_en)))
        for column in (User.username, User.display_name, AuditEntry.username):
            names.update(session.scalars(select(column).distinct()))
        points = DissuasionPlaybook.talking_points_zh if zh else DissuasionPlaybook.talking_points_en
        for text in session.scalars(select(points)):
            names.update(text.splitlines())
        # the playbook editor shows both languages' points, each language in one box
        for column in (DissuasionPlaybook.talking_points_zh, DissuasionPlaybook.talking_points_en,
                       Task.title, Task.instructions, Task.status_note, Task.result_note,
                       TaskEvent.note, Dissuasion.note, AuditEntry.object):
            free.update(SPACES.sub(" ", text).strip()
                        for text in session.scalars(select(column).where(column.is_not(None)).distinct()))
    return {piece for text in names if text for piece in _pieces(text)}, free


class Vocabulary:
    """What may appear on a page in ``lang``: its catalogue, the database's data, ``extra`` texts."""

    def __init__(self, lang: str, engine: Engine | None = None, extra: set[str] | frozenset = frozenset()):
        self.lang = lang
        known = set(catalogue_pieces(lang)) | {p for text in {*extra, *LANGUAGE_LABELS.values()}
                                                for p in _pieces(text)}
        self.free: set[str] = set()
        if engine is not None:
            names, self.free = database_texts(engine, lang)
            known |= names
        ordered = sorted(known, key=len, reverse=True)  # the longest piece wins where two overlap
        self.known = re.compile("|".join(_piece_pattern(piece) for piece in ordered))

    def leftover(self, text: str) -> str:
        """What of ``text`` is neither free text, a known piece nor a data token."""
        text = SPACES.sub(" ", text).strip()
        if text in self.free:
            return ""
        return TOKENS.sub(" ", self.known.sub(" ", text))

    def untranslated(self, texts: list[str]) -> list[str]:
        """The texts (each once, in page order) with a letter left over."""
        found: list[str] = []
        for text in texts:
            if LETTER.search(self.leftover(text)) and text not in found:
                found.append(text)
        return found


def visible_texts(page) -> list[str]:
    return page.evaluate(VISIBLE_TEXTS_JS)


def assert_translated(page, vocabulary: Vocabulary, where: str = "") -> None:
    """Fail, listing them, when ``page`` shows texts that are not of ``vocabulary``'s language."""
    found = vocabulary.untranslated(visible_texts(page))
    assert not found, (f"untranslated text on {where or page.url} ({vocabulary.lang}): "
                       + " | ".join(found))
