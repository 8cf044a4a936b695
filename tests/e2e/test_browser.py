"""The dashboard in a real headless Chromium (Debian's), against the real server on 127.0.0.1.

Screenshots of each page go to a temporary folder (the README's pictures come from
test_pages_responsive.py).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.e2e.serving import chromium, served

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("e2e")
    with served(folder) as base:
        yield base


@pytest.fixture(scope="module")
def page(server: str, tmp_path_factory: pytest.TempPathFactory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = chromium(p)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        yield context.new_page()
        browser.close()


def shot(page, name: str) -> None:
    target = Path(os.environ.get("AFTERSHOCK_SHOT_DIR", "/tmp")) / f"aftershock-{name}.png"
    page.screenshot(path=str(target), full_page=True)


def test_upload_with_an_error_shows_the_message(server: str, page, tmp_path: Path) -> None:
    from aftershock.testing import scenario_dict, write_scenario

    path = write_scenario(tmp_path, scenario_dict(horizon_day=3))
    page.goto(server + "/")
    assert page.get_by_role("link", name="ocs-2022").is_visible()
    assert page.get_by_role("link", name="coop-kaseya-2021").is_visible()
    page.get_by_label("Scenario file (YAML or JSON)").set_input_files(str(path))
    page.get_by_label("Store table (CSV)").set_input_files(str(tmp_path / "stores.csv"))
    page.get_by_role("button", name="Validate and upload").click()
    problem = page.locator("#upload-result .problems li").first
    problem.wait_for(timeout=10_000)
    assert "did you mean 'horizon_days'" in problem.inner_text()
    assert "scenario.yaml line" in problem.inner_text()
    shot(page, "scenarios")


def test_start_a_run_and_see_the_chart(server: str, page) -> None:
    page.goto(server + "/runs/new?scenario=coop-kaseya-2021")
    page.get_by_label("Replications").fill("4")
    page.get_by_label("Pause length (days, blank = scenario's)").fill("2")
    page.get_by_role("button", name="Start run").click()
    page.wait_for_url("**/runs/*", timeout=15_000)
    page.locator("#chart-backlog .main-svg").first.wait_for(timeout=90_000)
    assert page.locator("#headline tbody tr").count() >= 10
    assert page.locator("#regions tbody tr").count() == 13
    # coop-kaseya-2021 has uncertain parameters: the share of the spread they cause, and them
    assert page.locator("#headline thead th.from-parameters").inner_text() == "From parameters"
    assert page.locator("#parameters tbody tr").count() == 3
    shot(page, "run")
    page.goto(server + "/runs")
    assert page.locator("text=done").count() >= 1
    shot(page, "runs")


def test_graph_click_a_node_shows_dependents_and_blast_radius(server: str, page) -> None:
    page.goto(server + "/scenarios/coop-kaseya-2021/graph")
    page.wait_for_selector("#graph[data-ready=true]", timeout=20_000)
    page.evaluate("cy.getElementById('msp-vsa').emit('tap')")
    details = page.locator("#details")
    details.locator("text=Blast radius if compromised").wait_for(timeout=20_000)
    details.get_by_text("Compromised: msp-vsa").wait_for(timeout=20_000)
    text = details.inner_text()
    assert "pos-main" in text and "Chain can still sell" in text
    # keyboard path: the node list selects a node too
    page.get_by_label("Select a node", exact=True).select_option("pos-main")
    details.locator("text=Depends on it").wait_for(timeout=10_000)
    details.get_by_text("Compromised: pos-main").wait_for(timeout=20_000)
    shot(page, "graph")


def test_upload_the_plan_tables_and_download_the_dispatch_plan(server: str, page, tmp_path: Path) -> None:
    examples = Path(__file__).parents[2] / "examples" / "plan"
    page.goto(server + "/plan")
    page.get_by_label("Open orders (store, item, ordered_day, quantity)").set_input_files(
        str(examples / "backlog.csv")
    )
    page.get_by_label("Store stock (store, item, on_hand, demand_per_day, …)").set_input_files(
        str(examples / "stores.csv")
    )
    page.get_by_label("DC capacity (day, pick_capacity_units, …)").set_input_files(
        str(examples / "capacity.csv")
    )
    page.get_by_label("Today's date (blank = days only)").fill("2022-08-10")
    page.get_by_role("button", name="Make the plan").click()
    result = page.locator("#plan-result")
    result.get_by_text("Backlog cleared: day 6 (2022-08-16).").wait_for(timeout=90_000)
    assert page.locator("#store-days tr").count() == 13  # header + 12 stores
    with page.expect_download() as download:
        page.locator("#dispatch-link").click()
    saved = tmp_path / "dispatch.csv"
    download.value.save_as(saved)
    lines = saved.read_text().splitlines()
    assert lines[0] == "store,item,day,units" and len(lines) > 100
    shot(page, "plan")
    # a bad table: the problem names the file and the row
    bad = tmp_path / "orders.csv"
    text = (examples / "backlog.csv").read_text().splitlines()
    text[1] = text[1].rsplit(",", 1)[0] + ",-3"
    bad.write_text("\n".join(text) + "\n")
    page.get_by_label("Open orders (store, item, ordered_day, quantity)").set_input_files(str(bad))
    page.get_by_role("button", name="Make the plan").click()
    problem = result.locator(".problems li").first
    problem.wait_for(timeout=30_000)
    assert "orders.csv row 1" in problem.inner_text()


def test_optimise_a_bundled_scenario_and_read_the_promise(server: str, page) -> None:
    page.goto(server + "/scenarios/ocs-2022")
    page.get_by_role("link", name="Optimise the recovery").click()
    page.wait_for_url("**/optimize?scenario=ocs-2022")
    page.get_by_label("Most extra shifts in all (blank = no limit)").fill("20")
    page.get_by_label("Replications of the replay").fill("4")
    page.get_by_role("button", name="Optimise").click()
    result = page.locator("#optimize-result")
    result.get_by_text("Promise to stores:").wait_for(timeout=120_000)
    assert "2022-08-" in result.get_by_text("Promise to stores:").inner_text()
    assert page.locator("#versus tr").count() == 7  # header + 6 metrics
    assert page.locator("#schedule tr").count() >= 8  # header + the first week from the restart
    assert "Download the dispatch plan" in page.locator("#dispatch-link").inner_text()
    shot(page, "optimize")


def test_optimise_a_network_of_three_dcs_shows_each_dc(server: str, page) -> None:
    page.goto(server + "/optimize?scenario=grocer-3dc")
    page.get_by_label("Replications of the replay").fill("2")
    page.get_by_role("button", name="Optimise").click()
    result = page.locator("#optimize-result")
    result.get_by_text("Promise to stores:").wait_for(timeout=180_000)
    rows = page.locator("#by-dc tr")
    assert rows.count() == 4  # header + dc-central, dc-north, dc-west
    north = page.locator("#by-dc tr", has_text="dc-north").inner_text()
    assert "day 16" in north  # dc-north ships again when its WMS is back
    # the optimiser plans on point values: the banner says its uncertainty is not drawn
    assert "uncertainty ignored" in page.locator(".warning").inner_text()


def test_cancel_a_running_run_from_its_page(server: str, page) -> None:
    page.goto(server + "/runs/new?scenario=coop-kaseya-2021")
    page.get_by_label("Replications").fill("300")
    page.get_by_label("Horizon (days, blank = scenario's)").fill("365")
    page.get_by_role("button", name="Start run").click()
    # "**/runs/*" would match the new-run page itself; wait for the run's own page and its script
    page.wait_for_url(re.compile(r"/runs/[0-9a-f]{32}$"), timeout=15_000, wait_until="load")
    page.get_by_role("button", name="Cancel run").click()
    page.locator("text=This run was cancelled").wait_for(timeout=30_000)
    assert page.get_by_role("button", name="Cancel run").is_hidden()


def test_price_the_pause_lengths_and_draw_the_chart(server: str, page) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server + "/pause?scenario=ocs-2022")
    page.locator("#p-days").fill("0,1,5")
    page.locator("#p-reps").fill("4")
    page.get_by_role("button", name="Price the pause lengths").click()
    page.locator("#pause-table").wait_for(timeout=120_000)
    page.locator("#pause-chart .main-svg").first.wait_for(timeout=20_000)
    rows = page.locator("#pause-table tr")
    assert rows.count() == 4  # the header and three lengths
    assert "(best)" in page.locator("#pause-table").inner_text()
    assert "Best: a pause of" in page.locator("#pause-verdict").inner_text()
    # lengths out of order: the problem, no table
    page.locator("#p-days").fill("5,1")
    page.get_by_role("button", name="Price the pause lengths").click()
    page.locator("#pause-result .error").wait_for(timeout=20_000)
    assert "increasing order" in page.locator("#pause-result").inner_text()
    assert page.locator("#pause-table").count() == 0
    assert not errors, errors


def test_rank_the_inputs_and_draw_the_tornado(server: str, page) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server + "/")
    page.get_by_role("link", name="Sensitivity").click()
    page.wait_for_url("**/sensitivity")
    page.get_by_label("Scenario", exact=True).select_option("coop-kaseya-2021")
    page.locator("#s-params").fill(
        "incident.restore.pos-main.sites_per_crew_per_day=0.8:1.6\nbehaviour.divert_nearby_fraction=0.1:0.4"
    )
    page.locator("#s-samples").select_option("8")
    page.locator("#s-trajectories").fill("2")
    page.locator("#s-reps").fill("1")
    page.get_by_role("button", name="Find what drives it").click()
    page.locator("#ranking").wait_for(timeout=120_000)
    page.locator("#tornado .main-svg").first.wait_for(timeout=20_000)
    rows = page.locator("#ranking tr")
    assert rows.count() == 3  # the header and two parameters
    assert "sites_per_crew_per_day" in rows.nth(1).inner_text()
    # a path that does not exist: the problem, no table
    page.locator("#s-params").fill("incident.nope=1:2")
    page.get_by_role("button", name="Find what drives it").click()
    page.locator("#sensitivity-result .error").wait_for(timeout=20_000)
    assert "nope" in page.locator("#sensitivity-result").inner_text()
    assert page.locator("#ranking").count() == 0
    assert not errors, errors
