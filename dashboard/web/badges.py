"""Every badge of the dashboard, with text that meets WCAG AA (4.5:1) on its colour.

Bootstrap 5.3 (``assets/vendor/00-bootstrap-*.css``) writes badge text in
white, which is unreadable on its light colours: white on ``warning`` is
1.6:1, on ``info`` 2.0:1, on ``light`` 1.1:1.  ``badge()`` writes dark text
on those (``text_color="dark"``: Bootstrap's ``--bs-dark``, 9.6:1 on
``warning``).  ``tests/components/test_badge_contrast.py`` computes the
ratio of every colour with the text ``badge()`` gives it from that CSS
file, and fails below 4.5; it also fails on a ``dbc.Badge`` made anywhere
else, and on ``badge bg-*`` classes (``text-bg-*`` pick their own contrast).
"""

from __future__ import annotations

import dash_bootstrap_components as dbc

THEME_COLORS = ("primary", "secondary", "success", "danger", "warning", "info", "light", "dark")
DARK_TEXT = frozenset({"warning", "info", "light"})  # white text on these is below 4.5:1


def text_color(color: str) -> str:
    """The badge text colour for a Bootstrap background colour: "dark" or "white"."""
    return "dark" if color in DARK_TEXT else "white"


def badge(children, color: str, **kwargs) -> dbc.Badge:
    """A ``dbc.Badge`` of ``color`` with readable text (``text_color``)."""
    if color not in THEME_COLORS:
        raise ValueError(f"badge colour {color!r}: not one of Bootstrap's {THEME_COLORS}")
    return dbc.Badge(children, color=color, text_color=text_color(color), **kwargs)
