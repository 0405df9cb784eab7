"""Dash's dropdown speaking the page's language.

Dash writes its own texts into every dropdown: the search box, the clear
button's tooltip, "select all", "{num_selected} selected", "no options
found".  They are English unless given; ``dropdown(lang, ...)`` gives them
from the catalogue, with every other property passed through.
"""

from __future__ import annotations

from dash import dcc

from dashboard.i18n import t

LABELS = ("select_all", "deselect_all", "selected_count", "search", "clear_search",
          "clear_selection", "no_options_found")


def dropdown_labels(lang: str) -> dict[str, str]:
    """Dash's dropdown texts in ``lang`` (``selected_count`` keeps its ``{num_selected}``)."""
    return {key: t(f"dropdown.{key}", lang) for key in LABELS}


def dropdown(lang: str, *args, **props) -> dcc.Dropdown:
    return dcc.Dropdown(*args, labels=dropdown_labels(lang), **props)
