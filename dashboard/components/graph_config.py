"""The plotly configuration of every graph: nothing offered to the cloud, the toolbar in the page's language.

plotly.js adds a "Share chart..." button that uploads the figure to Plotly
Cloud unless ``showSendToCloud`` is off; on a police intranet nothing leaves,
so it is always off here.  The toolbar's tooltips and plotly's own notices
are English unless a locale gives them: ``graph_config`` hands plotly a
locale (``config.locales``) whose dictionary comes from the catalogue.
"""

from __future__ import annotations

from dashboard.i18n import current_language, t

# plotly.js's English text -> message id, for the buttons and notices of our graphs
PLOTLY_TEXTS = {
    "Zoom": "plotly.zoom", "Pan": "plotly.pan", "Box Select": "plotly.box_select",
    "Lasso Select": "plotly.lasso_select", "Zoom in": "plotly.zoom_in", "Zoom out": "plotly.zoom_out",
    "Autoscale": "plotly.autoscale", "Reset axes": "plotly.reset_axes", "Reset view": "plotly.reset_view",
    "Toggle Spike Lines": "plotly.spike_lines", "Show closest data on hover": "plotly.hover_closest",
    "Compare data on hover": "plotly.hover_compare", "Download plot as a PNG": "plotly.download_png",
    "Download plot": "plotly.download", "Double-click to zoom back out": "plotly.zoom_back",
    "Double-click on legend to isolate one trace": "plotly.legend_isolate",
}


def graph_config(base: dict | None = None, lang: str | None = None, **extra) -> dict:
    """``base`` and ``extra`` over the common settings, in ``lang`` (default: the request's)."""
    lang = lang or current_language()
    locale = {"dictionary": {text: t(key, lang) for text, key in PLOTLY_TEXTS.items()}}
    return {"displaylogo": False, "showSendToCloud": False, "locale": lang, "locales": {lang: locale},
            **(base or {}), **extra}
