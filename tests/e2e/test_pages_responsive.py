"""Every dashboard page in a real headless Chromium (Debian's) at 1280 and 400 px wide: it loads
without console errors, is no wider than the window, and axe-core finds nothing serious or
critical in it.

axe-core is vendored for tests only (tests/e2e/vendor, MPL-2.0) and injected from disk: nothing
is downloaded. With AFTERSHOCK_SCREENSHOTS set to a folder (``1`` means docs/screenshots) the
main pages are also saved there as PNGs at both widths: how the README's pictures are made::

    AFTERSHOCK_SCREENSHOTS=1 pytest tests/e2e/test_pages_responsive.py
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.serving import chromium, served

pytestmark = pytest.mark.slow

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ROOT = Path(__file__).parents[2]
WIDTHS = (1280, 400)
HEIGHT = 800  # modest, so the README's PNGs stay small
BLOCKING = {"serious", "critical"}


@dataclass(frozen=True)
class Page:
    """A page to check: its address (``{run}`` and ``{other}`` are two finished runs), what to
    wait for before checking (the page's own script has drawn it), and the README's screenshots
    of it: each a name and what to scroll to the top first (None: the top of the page)."""

    name: str
    path: str
    ready: str | None = None
    shots: tuple[tuple[str, str | None], ...] = ()
    act: Callable[[Any], None] | None = None  # fills the form and waits for the answer


EXAMPLES = ROOT / "examples" / "plan"


def make_a_plan(page) -> None:
    """The dispatch plan of the example tables: the answer's tables are checked too."""
    page.get_by_label("Open orders (store, item, ordered_day, quantity)").set_input_files(
        str(EXAMPLES / "backlog.csv")
    )
    page.get_by_label("Store stock (store, item, on_hand, demand_per_day, …)").set_input_files(
        str(EXAMPLES / "stores.csv")
    )
    page.get_by_label("DC capacity (day, pick_capacity_units, …)").set_input_files(
        str(EXAMPLES / "capacity.csv")
    )
    page.get_by_label("Today's date (blank = days only)").fill("2022-08-10")
    page.get_by_role("button", name="Make the plan").click()
    page.locator("#plan-result").get_by_text("Backlog cleared:").wait_for(timeout=60_000)


def optimise(page) -> None:
    """ocs-2022 optimised, replayed twice: the promise, the schedule and the plan against the
    scenario's own."""
    page.get_by_label("Most extra shifts in all (blank = no limit)").fill("20")
    page.get_by_label("Replications of the replay").fill("2")
    page.get_by_role("button", name="Optimise").click()
    page.locator("#optimize-result").get_by_text("Promise to stores:").wait_for(timeout=120_000)


PAGES = [
    Page("scenarios", "/", shots=(("scenarios", None),)),
    Page("scenario", "/scenarios/ocs-2022", "#insight[data-ready=true]"),
    Page(  # stores with coordinates: the map is drawn
        "scenario-with-map",
        "/scenarios/grocer-3dc",
        "#insight[data-ready=true]",
        shots=(("scenario-timeline", "#timeline-h"), ("scenario-map", "#map-h")),
    ),
    Page("graph", "/scenarios/ocs-2022/graph", "#graph[data-ready=true]", shots=(("graph", None),)),
    Page("stress", "/scenarios/ocs-2022/stress"),
    Page("new-run", "/runs/new?scenario=ocs-2022"),
    Page("runs", "/runs", shots=(("runs", None),)),
    Page(
        "run",
        "/runs/{run}",
        "#chart-backlog .main-svg",
        shots=(("run", None), ("run-charts", "h2:has(+ #chart-backlog)")),
    ),
    Page("compare", "/compare?ids={run}&ids={other}", "#chart-compare .main-svg", shots=(("compare", None),)),
    Page("optimize", "/optimize?scenario=ocs-2022", shots=(("optimize", "#optimize-result"),), act=optimise),
    Page("plan", "/plan", shots=(("plan", "#plan-result"),), act=make_a_plan),
    Page("pause", "/pause?scenario=ocs-2022"),
    Page("sensitivity", "/sensitivity"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("e2e-pages")
    with served(folder) as base:
        yield base


@pytest.fixture(scope="module")
def browser(server: str):
    from playwright.sync_api import sync_playwright

    assert AXE.exists(), "tests/e2e/vendor/axe.min.js is missing"
    with sync_playwright() as p:
        b = chromium(p)
        yield b
        b.close()


@pytest.fixture(scope="module")
def runs(server: str, browser) -> dict[str, str]:
    """Two finished 4-replication runs of ocs-2022 (seeds 1 and 2), started through the page's
    own api() (it carries the CSRF token)."""
    page = browser.new_page()
    page.goto(server + "/runs/new")
    ids = []
    for seed in (1, 2):
        body = page.evaluate(
            """async (seed) => (await api('/api/runs', {method: 'POST',
            headers: {'Content-Type': 'application/json'},
            body: JSON.stringify({scenario: 'ocs-2022', replications: 4, seed})})).body""",
            seed,
        )
        ids.append(str(body["id"]))
    deadline = time.monotonic() + 90
    for run_id in ids:
        while time.monotonic() < deadline:
            status = page.evaluate("async (id) => (await api('/api/runs/' + id)).body.status", run_id)
            if status not in ("queued", "running"):
                break
            time.sleep(0.3)
        assert status == "done", (run_id, status)
    page.close()
    return {"run": ids[0], "other": ids[1]}


def screenshot_dir() -> Path | None:
    """Where to save the README's screenshots, if asked."""
    value = os.environ.get("AFTERSHOCK_SCREENSHOTS", "")
    if not value:
        return None
    return ROOT / "docs" / "screenshots" if value == "1" else ROOT / value  # an absolute path stays


def save_png(png: bytes, path: Path) -> None:
    """Write a screenshot, cut to 256 colours when Pillow is there: a page of flat colours looks
    the same and the file is about 2.5 times smaller (the README holds a score of them)."""
    try:
        from PIL import Image
    except ImportError:
        path.write_bytes(png)
        return
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)


def serious_violations(page) -> list[str]:
    """axe-core's violations of impact serious or critical, one line each with where they are."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' '))}))"""
    )
    return [f"{v['impact']} {v['id']}: {v['help']} at {v['nodes']}" for v in found if v["impact"] in BLOCKING]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("spec", PAGES, ids=[p.name for p in PAGES])
def test_page_loads_fits_and_is_accessible(
    server: str, browser, runs: dict[str, str], spec: Page, width: int
) -> None:
    page = browser.new_page(viewport={"width": width, "height": HEIGHT})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    try:
        response = page.goto(server + spec.path.format(**runs), wait_until="networkidle")
        assert response is not None and response.ok, (spec.path, response and response.status)
        if spec.ready:
            page.locator(spec.ready).first.wait_for(timeout=30_000)
        if spec.act:
            spec.act(page)
        assert page.title().endswith("aftershock")
        overflow = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert overflow[0] <= overflow[1] + 1, f"{spec.name} is {overflow[0]} px wide in a {width} px window"
        violations = serious_violations(page)
        assert not violations, violations
        assert not errors, errors
        target = screenshot_dir()
        for shot, view in spec.shots if target is not None else ():
            target.mkdir(parents=True, exist_ok=True)
            page.evaluate(
                "(sel) => sel ? document.querySelector(sel).scrollIntoView({block: 'start'})"
                " : scrollTo(0, 0)",
                view,
            )
            save_png(page.screenshot(full_page=False), target / f"{shot}-{width}.png")
    finally:
        page.close()


def test_the_check_finds_a_serious_violation(browser) -> None:
    """The accessibility check is not vacuous: an unlabelled field and a nameless button fail it."""
    page = browser.new_page()
    try:
        page.set_content('<html lang="en"><main><input type="text"><button></button></main></html>')
        found = " ".join(serious_violations(page))
        assert "label" in found and "button-name" in found, found
    finally:
        page.close()
