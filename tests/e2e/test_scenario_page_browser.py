"""The scenario page's incident day by day in a real headless Chromium (Debian's), against the
real server on 127.0.0.1: the service timeline and the store map are drawn, the day slider
recolours the stores, nothing overflows a 400 px screen and nothing is fetched from elsewhere.

The server and browser are launched as in tests/e2e/test_browser.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from tests.e2e.serving import chromium, served

pytestmark = pytest.mark.slow

# the map's colours of open and of degraded stores (scenario.js STORE_COLOURS)
OPEN, DEGRADED = "#009E73", "#E69F00"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("e2e-scenario")
    with served(folder) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = chromium(p)
        yield browser
        browser.close()


def _open(browser, server: str, width: int, ref: str):
    """A page of ``width`` px showing the scenario ``ref``, with every URL it requested."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{server}/scenarios/{ref}")
    page.wait_for_selector("#insight[data-ready=true]", timeout=30_000)
    return page, requested


def _fills(page) -> list[str]:
    """The fill of every point the map drew (what the eye sees, not only Plotly's data)."""
    return page.eval_on_selector_all("#store-map .scatterlayer .point", "ps => ps.map(p => p.style.fill)")


def _map_colours(page) -> list[str]:
    return page.evaluate("document.getElementById('store-map').data[0].marker.color")


@pytest.mark.parametrize("width", [1280, 400])
def test_timeline_map_and_slider(server: str, browser, width: int) -> None:
    # grocer-3dc: 600 stores with coordinates; dc-north's WMS down from day 7, back by day 19
    page, requested = _open(browser, server, width, "grocer-3dc")
    try:
        timeline = page.locator("#timeline-chart")
        assert timeline.locator(".main-svg").count() >= 1
        # bars: the two compromised services (compromised, restoring, restored each)
        assert timeline.locator(".barlayer .point").count() == 6
        assert "wms-3pl" in timeline.inner_text()
        # dates on the axis: the scenario has a start date
        assert "Oct" in timeline.locator(".xtick").first.text_content()
        points = page.locator("#store-map .scatterlayer .point")
        assert points.count() == 600
        assert page.locator("#map-legend li").count() == 4
        assert "cannot receive" in page.locator("#map-legend").inner_text()

        slider = page.locator("#day-slider")
        slider.fill("6")  # the day before the compromise: every store open
        page.wait_for_function("document.getElementById('store-map').dataset.day === '6'")
        assert set(_map_colours(page)) == {OPEN}
        assert "600 open" in page.locator("#store-counts").inner_text()
        fills_before = _fills(page)

        slider.fill("10")  # dc-north's 170 stores get only what the backup DC lends
        page.wait_for_function("document.getElementById('store-map').dataset.day === '10'")
        colours = _map_colours(page)
        assert colours.count(DEGRADED) == 170 and colours.count(OPEN) == 430
        assert "170 degraded" in page.locator("#store-counts").inner_text()
        fills_after = _fills(page)
        assert sum(a != b for a, b in zip(fills_before, fills_after, strict=True)) == 170

        # nothing wider than the window
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        # everything came from this server
        assert requested
        assert {urlsplit(url).hostname for url in requested} == {"127.0.0.1"}
        page.screenshot(path=f"/tmp/aftershock-scenario-{width}.png", full_page=True)
    finally:
        page.context.close()


def test_fallback_roll_out_and_no_map_without_coordinates(server: str, browser) -> None:
    # coop-kaseya-2021's bundled table has no coordinates: the counts follow the slider, no map
    page, requested = _open(browser, server, 400, "coop-kaseya-2021")
    try:
        assert page.locator("#store-map").is_hidden()
        assert "no latitude and longitude" in page.locator("#map-note").inner_text()
        assert "fallback scan-and-pay" in page.locator("#timeline-chart").inner_text()
        assert "320 of its 700 sites" in page.locator("#timeline-text").inner_text()
        assert page.locator("#impact-summary tbody tr").count() >= 4
        page.locator("#day-slider").fill("8")
        assert "700 closed" in page.locator("#store-counts").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert {urlsplit(url).hostname for url in requested} == {"127.0.0.1"}
    finally:
        page.context.close()
