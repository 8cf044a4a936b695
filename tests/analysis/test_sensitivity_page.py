"""The Sensitivity page in a real headless Chromium against the real server (as tests/e2e)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("sensitivity-page")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    exe = shutil.which("aftershock") or str(Path(sys.executable).parent / "aftershock")
    proc = subprocess.Popen(
        [exe, "serve", "--port", str(port), "--db", str(folder / "runs.db"), "--no-demo-run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=folder,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/api/health", timeout=1)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("server did not start")
    yield base
    proc.terminate()
    proc.wait(10)


def test_rank_the_inputs_and_draw_the_tornado(server: str) -> None:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make test` installs it"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
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
        browser.close()
