"""The app as read: the "Why there was no deal" card shows every row, the tab has a name, no cookie warning;
on a phone, one column of cards with the drawer closed."""

from __future__ import annotations

import urllib.request
import warnings

from .browser import CANVAS_INK, CHROMIUM_ARGS, _chromium, _need

#: each card of the page: its title, the height of its content and the height it shows
CARDS = """() => [...document.querySelectorAll('.v-card')].map(c => ({
    title: (c.querySelector('.v-card__title') || {}).innerText || '',
    content: c.scrollHeight, shown: c.clientHeight, width: c.scrollWidth, shown_width: c.clientWidth}))"""

#: each table of the page: its width and the width its card shows
TABLES = """() => [...document.querySelectorAll('.trucesim-card .v-data-table__wrapper')].map(w => ({
    width: w.scrollWidth, shown_width: w.clientWidth}))"""

#: the text each tab shows: its own text unless hidden (font size 0), then that of its ::after
TAB_TEXT = """() => [...document.querySelectorAll('.v-tab')].map(t => {
    const own = parseFloat(getComputedStyle(t).fontSize) > 0 ? t.innerText : '';
    const after = getComputedStyle(t, '::after').content;
    return own + (after && after !== 'none' ? JSON.parse(after) : '');
})"""


def test_only_solaras_cookie_warning_is_silenced():
    from trucesim.app.server import COOKIE_WARNING, quiet_cookie_warning

    def shown(message: str, module: str) -> bool:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            quiet_cookie_warning()
            warnings.warn_explicit(message, UserWarning, "starlette.py", 578, module=module)
        return bool(seen)

    cookie = COOKIE_WARNING + ", but according to the asgi framework, the scheme is 'http'"
    assert not shown(cookie, "solara.server.starlette")
    assert shown("Origin as determined by starlette does not match", "solara.server.starlette")
    assert shown(cookie, "somebody.else")


def test_the_page_names_its_tab_shows_every_row_and_prints_no_cookie_warning(app_server, tmp_path):
    with urllib.request.urlopen(app_server.url, timeout=30) as r:  # a first page load, as a browser's
        assert r.status == 200
    sync_api = _need("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.set_default_timeout(60_000)
            page.goto(app_server.url)
            page.wait_for_selector(".trucesim-shares")
            page.wait_for_function(f"({CANVAS_INK})().every(n => n > 2000)")
            page.screenshot(path=tmp_path / "details.png", full_page=True)
            tabs = page.evaluate(TAB_TEXT)
            cards = {c["title"]: c for c in page.evaluate(CARDS)}
            tables = page.evaluate(TABLES)
            phone = browser.new_page(viewport={"width": 390, "height": 844})  # a phone: one column, drawer closed
            phone.set_default_timeout(60_000)
            phone.goto(app_server.url)
            phone.wait_for_selector(".trucesim-shares")
            phone.wait_for_function(f"({CANVAS_INK})().every(n => n > 2000)")
            phone.screenshot(path=tmp_path / "phone.png")
            drawer = phone.locator(".v-navigation-drawer").first.get_attribute("class") or ""
            phone_cards = phone.evaluate(CARDS)
            phone_tables = phone.evaluate(TABLES)
        finally:
            browser.close()
    assert len(tabs) == 1 and tabs[0] and "page" not in tabs[0].lower(), tabs
    why = cards["Why there was no deal"]
    assert why["content"] <= why["shown"] + 1 and why["width"] <= why["shown_width"] + 1, why  # nothing clipped
    assert all(t["width"] <= t["shown_width"] + 1 for t in tables), tables  # no column hidden to the right
    assert "navigation-drawer--close" in drawer, drawer
    assert all(c["shown_width"] >= 300 for c in phone_cards if c["title"]), phone_cards
    assert all(t["width"] <= t["shown_width"] + 1 for t in phone_tables), phone_tables
    log = app_server.log.read_text()
    assert log.startswith("trucesim app: starting ("), log  # said at once, before the imports' seconds of silence
    assert "samesite" not in log.lower() and "Warning" not in log, log
