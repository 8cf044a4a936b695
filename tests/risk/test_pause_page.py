"""The pause-decision page in a real headless Chromium against the real server (as tests/e2e)."""

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
    folder = tmp_path_factory.mktemp("pause-page")
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


def test_price_the_pause_lengths_and_draw_the_chart(server: str) -> None:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make test` installs it"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
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
        browser.close()
