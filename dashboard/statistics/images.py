"""Static PNG and PDF of plotly figures through kaleido and Debian's Chromium, with nothing fetched.

kaleido draws a figure in a headless Chromium page.  Left to itself it
loads MathJax from a CDN; here it gets ``mathjax=False`` and the plotly.js
file that ships with plotly, so its page holds only ``file://`` scripts,
and Chromium is started with its name look-ups mapped to nowhere (except
127.0.0.1) and background networking off, so not even Chromium's own
update or account checks leave the machine.

One browser serves all the images of one export (starting it costs a few
seconds; each image after that well under one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go

DEFAULT_BROWSER = "/usr/bin/chromium"
OFFLINE_FLAGS = ("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                 "--disable-background-networking", "--no-pings", "--disable-domain-reliability")


class ImageError(RuntimeError):
    """The browser could not be started or could not draw a figure."""


@dataclass(frozen=True)
class ImageSpec:
    figure: go.Figure
    format: str  # png or pdf
    width: int
    height: int
    scale: float = 1.0


def _offline_chromium():
    from choreographer.browsers.chromium import Chromium

    class OfflineChromium(Chromium):
        """Chromium as choreographer starts it, plus flags that keep it off the network."""

        def get_cli(self):
            return [*super().get_cli(), *OFFLINE_FLAGS]

    return OfflineChromium


def page_html() -> str:
    """The page kaleido draws in (a test checks it names no http(s) address)."""
    from kaleido import PageGenerator

    return PageGenerator(mathjax=False).generate_index()


async def _render(specs: list[ImageSpec], browser: str, progress: Callable[[int], None]) -> list[bytes]:
    from kaleido import Kaleido

    out = []
    async with Kaleido(n=1, mathjax=False, path=browser, browser_cls=_offline_chromium(),
                       timeout=120) as kaleido:
        for done, spec in enumerate(specs, start=1):
            out.append(await kaleido.calc_fig(spec.figure, opts={
                "format": spec.format, "width": spec.width, "height": spec.height,
                "scale": spec.scale}))
            progress(done)
    return out


def render(specs: list[ImageSpec], browser: str = DEFAULT_BROWSER,
           progress: Callable[[int], None] = lambda done: None) -> list[bytes]:
    """The images of ``specs``, in order, drawn by one browser; ``progress(n)`` after each."""
    if not Path(browser).is_file():
        raise ImageError(f"EXPORT_BROWSER: no browser at {browser}")
    try:
        return asyncio.run(_render(specs, browser, progress))
    except ImageError:
        raise
    except Exception as exc:  # the browser died, timed out or could not start
        raise ImageError(f"image export failed: {type(exc).__name__}: {exc}") from exc
