"""Badge text meets WCAG AA (4.5:1) on every badge colour the code uses, in the Bootstrap theme served."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard.paths import ASSETS_DIR, PACKAGE_DIR
from dashboard.web.badges import THEME_COLORS, badge, text_color

AA = 4.5


def _css() -> str:
    sheets = sorted((ASSETS_DIR / "vendor").glob("*bootstrap*.css"))
    assert len(sheets) == 1, sheets  # the one theme the app serves (dash serves assets/ in name order)
    return sheets[0].read_text(encoding="utf-8")


def _root_colors(css: str) -> dict[str, str]:
    root = re.search(r":root,\[data-bs-theme=light\]\{([^}]*)\}", css).group(1)
    return dict(re.findall(r"--bs-([a-z]+):(#[0-9a-fA-F]{3,6})", root))


def _rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    if len(color) == 3:
        color = "".join(c * 2 for c in color)
    return tuple(int(color[i:i + 2], 16) for i in (0, 2, 4))


def luminance(color: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_formula():
    assert contrast("#ffffff", "#000000") == pytest.approx(21)
    assert contrast("#ffffff", "#ffc107") == pytest.approx(1.63, abs=0.01)  # the white on yellow


def _badge_text(css: str, text: str) -> str:
    """The colour of a badge's text: Bootstrap's default (white) or ``text-dark``'s."""
    colors = _root_colors(css)
    if text == "white":
        return re.search(r"--bs-badge-color:(#[0-9a-fA-F]{3,6})", css).group(1)
    rgb = re.search(r"\.text-dark\{[^}]*color:rgba\(var\(--bs-([a-z]+)-rgb\)", css).group(1)
    return colors[rgb]


@pytest.mark.parametrize("color", THEME_COLORS)
def test_every_badge_colour_has_readable_text(color):
    css = _css()
    background = _root_colors(css)[color]
    text = _badge_text(css, text_color(color))
    assert contrast(text, background) >= AA, (color, text, background, contrast(text, background))
    assert badge("x", color).text_color == text_color(color)


@pytest.mark.parametrize("color", THEME_COLORS)
def test_text_bg_classes_pick_readable_text(color):
    css = _css()
    rule = re.search(r"\.text-bg-" + color + r"\{color:(#[0-9a-fA-F]{3,6})", css).group(1)
    assert contrast(rule, _root_colors(css)[color]) >= AA


def test_every_badge_goes_through_the_helper():
    """No ``dbc.Badge(`` outside ``web/badges.py``, no ``badge bg-*`` class: text colours come from one place."""
    offenders = []
    for path in PACKAGE_DIR.rglob("*.py"):
        if path == PACKAGE_DIR / "web" / "badges.py":
            continue
        source = path.read_text(encoding="utf-8")
        if re.search(r"\bdbc\.Badge\(", source) or re.search(r"""["'][^"']*\bbadge bg-""", source):
            offenders.append(str(path.relative_to(PACKAGE_DIR)))
    assert offenders == []


def test_every_colour_a_badge_is_given_is_a_theme_colour():
    """Colour maps of badges name only Bootstrap's colours (which the contrast test covers).

    (The feed states of the sources page are ``text-bg-*`` classes: ``test_text_bg_classes...``.)
    """
    from dashboard.components.queue_table import RISK_COLORS
    from dashboard.components.tasks import PRIORITY_COLORS, STATUS_COLORS
    from dashboard.components.warning_timeline import DEADLINE_COLORS
    for colors in (RISK_COLORS, PRIORITY_COLORS, STATUS_COLORS, DEADLINE_COLORS):
        assert set(colors.values()) <= set(THEME_COLORS), colors
    with pytest.raises(ValueError, match="badge colour 'yellow'"):
        badge("x", "yellow")


def test_no_stylesheet_of_ours_overrides_badge_colours():
    ours = [p for p in Path(ASSETS_DIR).glob("*.css")]
    assert ours and not [p.name for p in ours if re.search(r"\.badge|--bs-badge-color", p.read_text("utf-8"))]
