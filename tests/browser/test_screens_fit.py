"""Every screen fits and reads right: each page a role may open, in both languages, at four desktop
widths and a phone; no badge below AA contrast and no k/M on a Chinese axis.

For each role and language one browser context logs in once; each page the
role may open (the navigation's pages from ``guard.visible_pages``, the new
task form, and one warning and one task reached from their lists) is loaded
ONCE at 1920 px, then the viewport is resized to 1280, 1366 and 3840 px and
to a 390x844 phone without reloading.  At every size the page must not be
wider than the window (``scrollWidth <= innerWidth + 1``).  On the phone the
navigation is folded behind its toggler.  Wall mode must also fit its three
big-screen sizes without scrolling in either direction.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from dashboard.demo.users import DEMO_PASSWORD
from dashboard.i18n import translate
from dashboard.web.guard import page_permission, permits, visible_pages

ROLES = ["leader", "commander", "officer", "press", "sysadmin", "secadmin", "auditor"]
LANGUAGES = ["zh-CN", "en"]
FIRST_WIDTH, HEIGHT = 1920, 1080
DESKTOP_WIDTHS = [1280, 1366, 3840]
PHONE = {"width": 390, "height": 844}
WALL_SIZES = [(1920, 1080), (1366, 768), (3840, 2160)]
# plotly.js, when dcc.Graph's debounced resize reaches a graph whose page was left meanwhile (this
# test leaves a page right after resizing it, a person hardly ever): harmless, nothing is drawn
RESIZE_RACE = re.compile(r"reading '_rangeSliderData'")
SETTLE_MS = 3_000  # how long a page may take to reflow after a resize (plotly redraws its graphs)

# Dash has drawn the page: the router filled it, no callback is waiting, every graph is plotted
DRAWN = """() => { const s = window.store && window.store.getState();
    if (!s || !document.querySelector('#_pages_content > *')) return false;
    const cbs = Object.assign({}, s.callbacks); delete cbs.stored; delete cbs.completed;
    if (Object.values(cbs).some(list => list.length)) return false;
    return [...document.querySelectorAll('.dash-graph')].every(g => g.querySelector('.main-svg')); }"""
# the page fits (its graphs done resizing: dcc.Graph marks one that is still at it)
FITS = """(slack) => !document.querySelector('.dash-graph--pending')
    && document.documentElement.scrollWidth <= window.innerWidth + slack"""
FITS_BOTH = """(slack) => { const d = document.documentElement;
    return !document.querySelector('.dash-graph--pending')
        && d.scrollWidth <= window.innerWidth + slack && d.scrollHeight <= window.innerHeight + slack; }"""
# the outermost elements that reach past the window's right edge, outside any box that scrolls or
# clips them (for the failure message)
WIDE = """() => { const w = window.innerWidth, out = [];
    const clipped = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement)
        if (getComputedStyle(p).overflowX !== 'visible') return true; return false; };
    for (const el of document.body.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.right > w + 1 && r.width > 0 && !out.some(o => o.contains(el)) && !clipped(el)) out.push(el);
    }
    return [document.documentElement.scrollWidth, out.slice(0, 5).map(el =>
        el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (typeof el.className === 'string' && el.className ? '.' + el.className.split(' ').join('.') : '')
        + ' right=' + Math.round(el.getBoundingClientRect().right))]; }"""
# open a page as the navigation bar does (no reload): Dash's router draws it afresh
NAVIGATE = """(path) => { window.__shown = document.querySelector('#_pages_content > *');
    const [pathname, search] = path.split('?');
    window.dash_clientside.set_props('_pages_location', {pathname, search: search ? '?' + search : ''}); }"""
REPLACED = "() => !window.__shown || !document.contains(window.__shown)"


# every visible badge whose text and background (its own, else the nearest painted ancestor's)
# contrast below WCAG AA's 4.5:1
LOW_CONTRAST = """() => {
    const rgba = c => (c.match(/[\\d.]+/g) || []).map(Number);
    const lin = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    const lum = c => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
    const ground = el => { for (; el; el = el.parentElement) { const c = rgba(getComputedStyle(el).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c; } return [255, 255, 255]; };
    const low = [];
    for (const el of document.querySelectorAll('.badge')) {
        if (!el.offsetParent || !el.textContent.trim()) continue;
        const a = lum(rgba(getComputedStyle(el).color)), b = lum(ground(el));
        const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        if (ratio < 4.5) low.push(el.textContent.trim() + ' ' + ratio.toFixed(2) + ':1');
    }
    return low; }"""
# tick labels of plotly axes and colour bars written with SI suffixes (12k, 1.5M): not Chinese
SI_TICKS = """() => [...document.querySelectorAll(
        '.js-plotly-plot .xtick text, .js-plotly-plot .ytick text, .js-plotly-plot .cbaxis text')]
    .map(t => t.textContent.trim()).filter(t => /^[-−]?[\\d.,]+\\s*[kMGT]$/.test(t))"""


def read_right(page, path: str, lang: str, problems: list[str]) -> None:
    """Badges readable (AA contrast), and no k/M on a Chinese axis."""
    low = page.evaluate(LOW_CONTRAST)
    if low:
        problems.append(f"{path}: badges below 4.5:1 contrast: {low[:5]}")
    if lang == "zh-CN":
        si = page.evaluate(SI_TICKS)
        if si:
            problems.append(f"{path}: SI ticks on a Chinese axis: {si[:5]}")


def pages_of(role: str) -> list[str]:
    """The paths ``role`` may open: the navigation's pages and the registry's other fixed pages."""
    import dash

    user = SimpleNamespace(role=role, is_authenticated=True, is_active=True, is_anonymous=False)
    paths = [page["relative_path"] for page in visible_pages(user)]
    extra = [page["relative_path"] for page in dash.page_registry.values()
             if not page.get("nav", True) and not page.get("path_template")
             and page["path"] != "/404" and permits(user, page_permission(page))]
    return paths + extra


def record_links(page) -> list[str]:
    """The first warning and the first task this page links to (record pages of the role)."""
    return page.evaluate("""() => ['/warnings/', '/task/'].map(prefix =>
        [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))
            .find(h => h.startsWith(prefix))).filter(Boolean)""")


def settles(page, condition: str) -> bool:
    """True once ``condition`` (a function of the slack) holds, waiting for the page to reflow."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(condition, arg=1, timeout=SETTLE_MS, polling="raf")
    except PlaywrightTimeout:
        return False
    return True


def too_wide(page, size: dict) -> str | None:
    """None once the page fits ``size`` (waiting for it to reflow), else what sticks out."""
    page.set_viewport_size(size)
    if not settles(page, FITS):
        width, wide = page.evaluate(WIDE)
        if width > size["width"] + 1:  # (else it fitted just after the wait)
            return f"{size['width']}x{size['height']}: {width} px wide; {wide}"
    return None


def log_in(page, base_url: str, role: str, lang: str) -> None:
    """The demo user ``role`` logs in on the login page in ``lang`` and lands on their first page."""
    page.goto(f"{base_url}/lang/{lang}?next=/login")
    page.fill("#login-username", role)
    page.fill("#login-password", DEMO_PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#shell-user-name", state="attached")
    page.wait_for_function(DRAWN, polling=50)


def open_page(page, path: str) -> None:
    """``path`` drawn in the page as the navigation bar opens it (not reloaded if it is open)."""
    if page.evaluate("() => location.pathname + location.search") == path:
        return
    page.evaluate(NAVIGATE, path)
    page.wait_for_function(REPLACED, polling=50)
    page.wait_for_function(DRAWN, polling=50)


def check_page(page, path: str, lang: str, problems: list[str]) -> None:
    """``path`` at every width, loaded once at the first; its badges and axes at the first."""
    page.set_viewport_size({"width": FIRST_WIDTH, "height": HEIGHT})
    open_page(page, path)
    read_right(page, path, lang, problems)
    for width in [FIRST_WIDTH, *DESKTOP_WIDTHS]:
        problem = too_wide(page, {"width": width, "height": HEIGHT})
        if problem:
            problems.append(f"{path} at {problem}")
    problem = too_wide(page, PHONE)
    if problem:
        problems.append(f"{path} at {problem}")
    if page.locator("#shell-navbar").is_visible() and (
            not page.locator("#shell-nav-toggler").is_visible() or page.locator("#shell-nav").is_visible()):
        problems.append(f"{path} on the phone: the navigation is not folded behind its toggler")
    if path == "/wall":
        for width, height in WALL_SIZES:
            page.set_viewport_size({"width": width, "height": height})
            if not settles(page, FITS_BOTH):
                size = page.evaluate("() => [document.documentElement.scrollWidth,"
                                     " document.documentElement.scrollHeight]")
                if size[0] > width + 1 or size[1] > height + 1:
                    problems.append(f"/wall at {width}x{height} scrolls: the page is {size[0]}x{size[1]}")


def check_phone_menu(page, problems: list[str]) -> None:
    """On the phone the toggler opens the folded navigation, which fits too, and closes it."""
    page.set_viewport_size(PHONE)
    settles(page, FITS)  # the page's graphs reflow to the phone first (slow on a busy machine)
    page.click("#shell-nav-toggler", timeout=60_000)
    page.wait_for_selector("#shell-nav", state="visible")
    problem = too_wide(page, PHONE)
    if problem:
        problems.append(f"the open phone menu at {problem}")
    page.click("#shell-nav-toggler")
    page.wait_for_selector("#shell-nav", state="hidden")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_every_screen(browser, live_server, role, lang):
    context = browser.new_context(viewport={"width": FIRST_WIDTH, "height": HEIGHT}, locale=lang)
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)) if not RESIZE_RACE.search(str(e)) else None)
    problems: list[str] = []
    try:
        log_in(page, live_server.url, role, lang)
        check_phone_menu(page, problems)
        todo, seen = pages_of(role), set()
        while todo:
            path = todo.pop(0)
            if path in seen:
                continue
            seen.add(path)
            check_page(page, path, lang, problems)
            if path in ("/queue", "/tasks"):
                todo += [link for link in record_links(page) if link not in seen]
        if "/queue" in seen:
            assert any(path.startswith("/warnings/") for path in seen), "no warning page was checked"
    finally:
        context.close()
    assert errors == [], errors
    assert problems == [], "\n".join(problems)


def test_the_language_switch_keeps_the_page_and_its_url(browser, live_server):
    """Switching language after moving inside the app (no reload) comes back to the same page and query."""
    context = browser.new_context(viewport={"width": FIRST_WIDTH, "height": HEIGHT})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        log_in(page, live_server.url, "leader", "zh-CN")
        here = "/funds?period=month"
        open_page(page, here)
        page.wait_for_function("(next) => document.querySelector('#lang-en').getAttribute('href')"
                               " === '/lang/en?next=' + encodeURIComponent(next)", arg=here)
        page.click("#lang-en")
        page.wait_for_selector("#lang-en.active")
        assert page.evaluate("() => location.pathname + location.search") == here
        page.wait_for_function(DRAWN, polling=50)
        assert page.locator("#shell-nav a.active").inner_text() == translate("nav.funds", "en")
    finally:
        context.close()
