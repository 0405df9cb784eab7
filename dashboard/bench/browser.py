"""What users feel: seven journeys timed in Debian's headless Chromium against the real server.

``antifraud bench --browser`` serves the bench database with gunicorn
(``server.GunicornServer``) and drives ``/usr/bin/chromium`` through
Playwright (never a downloaded browser; no request leaves 127.0.0.1).
After one untimed pass (the browser's cache then holds the scripts, as a
returning user's does; every worker has answered), each journey is timed
``runs`` times.  Every time is read on the page's own clock:

- a journey that loads a document (login, a district by URL, the queue)
  runs from the navigation's start (``performance.timeOrigin``; for the
  login, the form's POST, through its redirect) until the page is DRAWN;
- a journey inside the page (a map click, the period, the wall's step,
  leaving) runs from the click's ``event.timeStamp`` (or the moment the
  wall's timer is fired) until DRAWN, the page's content replaced first.

DRAWN: Dash's store has no pending callback, no graph is being plotted
(``dash-graph--pending``), every ``.dash-graph`` has its ``.main-svg``, and
every map on the screen (MapLibre, under plotly's ``choroplethmap``; not
one hidden, as the wall's map is while the wall shows its trend) has loaded
its style and sources, stands still and has rendered its polygons: a map's
``.main-svg`` exists long before its polygons show.  See
docs/performance.md.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from dashboard.bench.interactions import summary

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--no-first-run",
    "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
VIEWPORT = {"width": 1600, "height": 1000}
TIMEOUT_MS = 120_000  # one journey at the large scale on a busy machine
JOURNEYS = ("login", "district_url", "drill", "period", "leave", "wall_step", "queue")
LEAVE_TO = "/funds"  # the page the navigation bar opens when leaving the overview

# the page is drawn (see the module's docstring): the time on the page's clock, else false
DRAWN = """() => { const s = window.store && window.store.getState();
    if (!s || !document.querySelector('#_pages_content > *')) return false;
    const cbs = Object.assign({}, s.callbacks); delete cbs.stored; delete cbs.completed;
    if (Object.values(cbs).some(list => list.length)) return false;
    if (document.querySelector('.dash-graph--pending')) return false;
    for (const g of document.querySelectorAll('.dash-graph')) {
        if (!g.querySelector('.main-svg')) return false;
        const gd = g._fullLayout ? g : g.querySelector('.js-plotly-plot');
        const full = gd && gd._fullLayout;
        if (full && full.map && g.getClientRects().length) {  // not a hidden one (the wall's other view)
            const map = full.map._subplot && full.map._subplot.map;
            if (!map || !map.loaded() || map.isMoving() || !map.queryRenderedFeatures().length) return false;
        }
    }
    return performance.now(); }"""
# the content shown now, remembered to tell when it has been replaced
# a new view is drawn: the page replaced by the router, or its header by the overview's own redraw
# (``pages.overview.redraw``: the map and the graphs stay, updated in place), and nothing pending
MARK = """() => { window.__shown = document.querySelector('#_pages_content > *');
    window.__head = document.querySelector('#overview-title'); }"""
REDRAWN = f"""() => (!window.__shown || !document.contains(window.__shown)
    || (window.__head && !document.contains(window.__head))) && ({DRAWN})()"""
# the time of the next click on the page's clock (window.__clicked)
ON_CLICK = """() => { window.__clicked = null;
    document.addEventListener('click', e => { window.__clicked = e.timeStamp; }, {capture: true, once: true}); }"""
# where on the screen district ``code`` of the overview's map lies (its label's point: inside it)
MAP_POINT = """(code) => { const gd = document.querySelector('#overview-map .js-plotly-plot');
    const i = gd.data[0].customdata.findIndex(c => c[2] === code);
    if (i < 0) return null;
    const label = gd.layout.meta.labels.find(l => l.name === gd.data[0].customdata[i][0]);
    const map = gd._fullLayout.map._subplot.map, box = map.getCanvas().getBoundingClientRect();
    const p = map.project([label.lon, label.lat]);
    return [box.left + p.x, box.top + p.y]; }"""
# leaving the overview: the click, the router's answer, the old content gone (and the time its
# graphs and map took to be torn down: plotly's purge, MapLibre's remove), the next frame painted
LEAVE_WATCH = """() => { const w = window.__leave = {click: null, purge: 0, swapped: null, painted: null};
    const old = document.querySelector('#_pages_content > *'), purge = window.Plotly.purge;
    w.restore = () => { window.Plotly.purge = purge; };
    window.Plotly.purge = function () { const t = performance.now();
        try { return purge.apply(this, arguments); } finally { w.purge += performance.now() - t; } };
    document.addEventListener('click', e => { w.click = e.timeStamp; }, {capture: true, once: true});
    new MutationObserver((_, watch) => {
        if (document.contains(old) || !document.querySelector('#_pages_content > *')) return;
        watch.disconnect(); w.swapped = performance.now();
        requestAnimationFrame(() => setTimeout(() => { w.painted = performance.now(); w.restore(); }));
    }).observe(document.getElementById('_pages_content'), {childList: true});
    }"""
LEAVE_DONE = """() => { const w = window.__leave; if (!w.painted || w.click === null) return false;
    const answers = performance.getEntriesByType('resource').filter(r =>
        r.name.includes('_dash-update-component') && r.startTime >= w.click && r.responseEnd <= w.swapped);
    const answer = answers.length ? Math.max(...answers.map(r => r.responseEnd)) : null;
    return {total: w.painted - w.click, teardown: w.purge, replaced: w.swapped - w.click,
            answer: answer === null ? null : answer - w.click}; }"""
WALL_TICK = """(tick) => { window.__wall = [document.querySelector('#wall-position').innerText, performance.now()];
    window.dash_clientside.set_props('wall-tick', {n_intervals: tick}); }"""
WALL_DRAWN = f"""() => {{ const d = document.querySelector('#wall-position');
    if (!d || d.innerText === window.__wall[0]) return false;
    const at = ({DRAWN})(); return at && at - window.__wall[1]; }}"""


class BrowserMissing(RuntimeError):
    """What the browser bench needs and lacks: ``what`` is ``playwright`` or ``chromium``."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def chromium_path() -> str | None:
    """Debian's Chromium (or ``CHROMIUM_PATH``), if installed."""
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def require_browser() -> str:
    """Chromium's path once Playwright and Chromium are both there; ``BrowserMissing`` otherwise."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise BrowserMissing("playwright") from None
    path = chromium_path()
    if path is None:
        raise BrowserMissing("chromium")
    return path


@dataclass
class Plan:
    """What the journeys open: the server, the districts (codes) and the demo password."""

    base: str
    districts: list[str]
    password: str


class Journeys:
    """A leader's and a commander's browser pages on ``plan``'s server, each journey a method."""

    def __init__(self, browser, plan: Plan) -> None:
        self.plan = plan
        self.leader = self._page(browser)
        self.commander = self._page(browser)
        self.log_in(self.commander, "commander")
        self.ticks = 0

    def _page(self, browser):
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        return page

    def log_in(self, page, username: str) -> float:
        """Log out, then in through the form; ms from the POST until the landing page is drawn."""
        page.context.clear_cookies()
        page.goto(self.plan.base + "/login")
        page.fill("#login-username", username)
        page.fill("#login-password", self.plan.password)
        page.click("#login-submit")
        page.wait_for_url(lambda url: "/login" not in url, wait_until="commit")
        return self._drawn(page)

    def _drawn(self, page, condition: str = DRAWN) -> float:
        return float(page.wait_for_function(condition, polling="raf").json_value())

    def _open(self, page, path: str) -> float:
        """ms from the navigation's start until ``path`` is drawn (a document load)."""
        page.goto(self.plan.base + path, wait_until="commit")
        return self._drawn(page)

    def login(self) -> float:
        return self.log_in(self.leader, "leader")

    def district_url(self) -> float:
        return self._open(self.leader, f"/?unit={self.plan.districts[0]}&period=month")

    def drill(self) -> float:
        """A mouse click on a district's polygon of the city's map, until the district is drawn."""
        page = self.leader
        self._open(page, "/?period=month")
        district = self.plan.districts[-1]
        point = page.evaluate(MAP_POINT, district)
        if point is None:
            raise LookupError(f"district {district} is not on the overview's map")
        page.evaluate(MARK)
        page.evaluate(ON_CLICK)
        page.mouse.click(*point)
        drawn = self._drawn(page, REDRAWN)
        if f"unit={district}" not in page.url:
            raise LookupError(f"the click on district {district} opened {page.url}")
        return drawn - page.evaluate("() => window.__clicked")

    def period(self) -> float:
        """The period picker set to this year on the overview, until it is drawn."""
        page = self.leader
        self._open(page, f"/?unit={self.plan.districts[0]}&period=month")
        page.evaluate(MARK)
        page.evaluate(ON_CLICK)
        page.click(_label_of(page, "#overview-period", "year"))
        drawn = self._drawn(page, REDRAWN)
        return drawn - page.evaluate("() => window.__clicked")

    def leave(self) -> dict:
        """From the drawn overview to ``LEAVE_TO`` through the navigation bar: click to first paint."""
        page = self.leader
        self._open(page, "/?period=month")
        page.evaluate(LEAVE_WATCH)
        page.click(f"#shell-nav a[href='{LEAVE_TO}']")
        figures = page.wait_for_function(LEAVE_DONE, polling="raf").json_value()
        self._drawn(page)  # the next page finished, before anything else is timed
        return figures

    def wall_step(self) -> float:
        """One step of the wall's rotation (its timer fired at once), until the next screen is drawn."""
        page = self.leader
        if "/wall" not in page.url:  # the districts' overviews in turn (two views if one district)
            views = "overview" if len(self.plan.districts) > 1 else "overview,trend"
            self._open(page, f"/wall?units={','.join(self.plan.districts)}&views={views}"
                             "&seconds=3600&period=month")
            self.ticks = 0
        self.ticks += 1
        page.evaluate(WALL_TICK, self.ticks)
        return float(page.wait_for_function(WALL_DRAWN, polling="raf").json_value())

    def queue(self) -> float:
        return self._open(self.commander, "/queue")

    def close(self) -> None:
        for page in (self.leader, self.commander):
            page.context.close()


def _label_of(page, group: str, value: str) -> str:
    """The selector of the label of radio ``value`` in ``group`` (Bootstrap's RadioItems)."""
    ident = page.evaluate("([group, value]) => document.querySelector("
                          "group + ' input[value=\"' + value + '\"]').id", [group, value])
    return f"label[for='{ident}']"


def run(plan: Plan, runs: int, executable: str, say=None) -> tuple[list[dict], str]:
    """Each journey timed ``runs`` times after one untimed pass: median and p95 in ms; Chromium's version.

    ``say(number)`` is called before each pass (0: the untimed one).  Leaving
    the overview also gives its parts, from the click: ``answer``, until the
    router's answer arrived; ``replaced``, until the overview was gone and the
    next page in its place; and ``teardown``, the time spent tearing down the
    overview's graphs and map (plotly's purge) during that swap.
    """
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {key: [] for key in JOURNEYS}
    parts: dict[str, list[float]] = {"answer": [], "replaced": [], "teardown": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        version = browser.version
        try:
            journeys = Journeys(browser, plan)
            try:
                for number in range(runs + 1):  # the first pass warms the cache and the workers
                    if say:
                        say(number)
                    for key in JOURNEYS:
                        value = getattr(journeys, key)()
                        if number == 0:
                            continue
                        if key == "leave":
                            for part, values in parts.items():
                                if value[part] is not None:
                                    values.append(value[part] / 1000)
                            value = value["total"]
                        times[key].append(value / 1000)
            finally:
                journeys.close()
        finally:
            browser.close()
    rows = [{"key": key, **summary(times[key])} for key in JOURNEYS]
    rows[JOURNEYS.index("leave")].update(
        {part: summary(values) if values else None for part, values in parts.items()})
    return rows, version
