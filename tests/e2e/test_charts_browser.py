"""The run page's charts in a real headless Chromium (Debian's) at 1280 and 400 px: dates on the
time axis, axis titles, the incident / restart / backlog-cleared markers, the legend under the
plot on a narrow window; and no page wider than a 400 px window.

The server and browser are launched as in test_browser.py.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from tests.e2e.serving import chromium, served
from tests.e2e.test_browser import shot

pytestmark = pytest.mark.slow

DATE_TICK = re.compile(r"^\d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)$")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("e2e-charts")
    with served(folder) as base:
        yield base


@pytest.fixture(scope="module")
def browser(server: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = chromium(p)
        yield b
        b.close()


@pytest.fixture(scope="module")
def run_id(server: str, browser) -> str:
    """A finished 4-replication run of ocs-2022 (start date 2022-07-29), started through the
    page's own api() (it carries the CSRF token)."""
    page = browser.new_page()
    page.goto(server + "/runs/new")
    body = page.evaluate(
        """async () => (await api('/api/runs', {method: 'POST', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({scenario: 'ocs-2022', replications: 4, seed: 1})})).body"""
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        status = page.evaluate("async (id) => (await api('/api/runs/' + id)).body.status", body["id"])
        if status not in ("queued", "running"):
            break
        time.sleep(0.3)
    assert status == "done"
    page.close()
    return str(body["id"])


def chart_state(page, chart: str) -> dict:
    """What the chart shows: tick labels, axis titles, marker lines and labels, plot and legend boxes."""
    return page.evaluate(
        """(sel) => {
        const box = document.querySelector(sel);
        const rect = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
          return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width}; };
        const texts = (q) => [...box.querySelectorAll(q)].map((t) => t.textContent);
        return {
          ticks: texts('.xtick text'), xtitle: texts('.g-xtitle text').join(''),
          ytitle: texts('.g-ytitle text').join(''), shapes: box.querySelectorAll('.shapelayer path').length,
          annotations: texts('.annotation-text'), plot: rect(box.querySelector('.nsewdrag')),
          legend: rect(box.querySelector('.legend')), box: rect(box),
        };
      }""",
        chart,
    )


def assert_chart(state: dict) -> None:
    assert state["ticks"] and all(DATE_TICK.match(t) for t in state["ticks"]), state["ticks"]
    assert state["xtitle"] == "date"
    assert state["ytitle"]
    assert state["shapes"] >= 3
    assert {"incident", "DCs ship again", "backlog cleared"} <= set(state["annotations"])


def no_overflow(page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_run_charts_at_1280_then_narrowed_to_400(server: str, browser, run_id: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/runs/{run_id}")
    page.locator("#chart-backlog .shapelayer path").first.wait_for(state="attached", timeout=20_000)
    wide = chart_state(page, "#chart-backlog")
    assert_chart(wide)
    assert "units" in wide["ytitle"] and chart_state(page, "#chart-stores")["ytitle"].startswith("stores")
    # legend to the right of the plot; the plot fills most of the box
    assert wide["legend"]["left"] >= wide["plot"]["right"]
    assert wide["plot"]["width"] > 0.6 * wide["box"]["width"]
    shot(page, "run-charts-1280")
    # the window narrows: the charts follow (legend under the plot, plot as wide as the window allows)
    page.set_viewport_size({"width": 400, "height": 900})
    page.wait_for_function(
        "() => { const d = document.querySelector('#chart-backlog .nsewdrag');"
        " const l = document.querySelector('#chart-backlog .legend');"
        " return l.getBoundingClientRect().top >= d.getBoundingClientRect().bottom; }",
        timeout=5_000,
    )
    narrow = chart_state(page, "#chart-backlog")
    assert narrow["box"]["width"] <= 400 and narrow["plot"]["width"] > 0.7 * narrow["box"]["width"]
    page.close()


def test_pages_at_400_px(server: str, browser, run_id: str) -> None:
    page = browser.new_page(viewport={"width": 400, "height": 800})
    page.goto(f"{server}/runs/{run_id}")
    page.locator("#chart-stores .shapelayer path").first.wait_for(state="attached", timeout=20_000)
    for chart in ("#chart-backlog", "#chart-stores"):
        state = chart_state(page, chart)
        assert_chart(state)
        # the legend under the plot, the plot most of the width (not squeezed to ~50 px)
        assert state["legend"]["top"] >= state["plot"]["bottom"], state
        assert state["plot"]["width"] > 0.7 * state["box"]["width"] > 250, state
    assert no_overflow(page), "run page"
    shot(page, "run-charts-400")
    for name, url, ready in (
        ("compare", f"/compare?ids={run_id}", "#chart-compare .main-svg"),
        ("runs", "/runs", "table"),
        ("graph", "/scenarios/ocs-2022/graph", "#graph[data-ready=true]"),
    ):
        page.goto(server + url)
        page.locator(ready).first.wait_for(timeout=20_000)
        assert no_overflow(page), name
    page.close()


def test_compare_chart_has_dates_axis_titles_and_markers(server: str, browser, run_id: str) -> None:
    # a run compared with itself: the same start date and markers, so all are drawn, no note
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/compare?ids={run_id}&ids={run_id}")
    page.locator("#chart-compare .shapelayer path").first.wait_for(state="attached", timeout=20_000)
    state = chart_state(page, "#chart-compare")
    assert_chart(state)
    assert state["ytitle"] == "DC backlog, mean (units)"
    assert state["legend"]["left"] >= state["plot"]["right"]
    assert page.locator("#compare-chart-note").count() == 0
    page.set_viewport_size({"width": 400, "height": 900})
    page.wait_for_function(
        "() => { const d = document.querySelector('#chart-compare .nsewdrag');"
        " const l = document.querySelector('#chart-compare .legend');"
        " return l.getBoundingClientRect().top >= d.getBoundingClientRect().bottom; }",
        timeout=5_000,
    )
    page.close()
