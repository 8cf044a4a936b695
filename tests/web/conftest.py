"""An app with its own SQLite store, driven in-process by FastAPI's TestClient."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aftershock.web import Settings, create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("web") / "runs.db"
    app = create_app(Settings(db=str(db), demo_run=False, run_workers=2, max_body_bytes=200_000))
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        yield c


@pytest.fixture
def wait_done():
    """Poll a run until it is done or failed."""
    return _wait_done


@pytest.fixture
def scenario_files():
    """(YAML text, CSV text) of the reference scenario, with top-level changes."""
    return _scenario_files


def _wait_done(client: TestClient, run_id: str, timeout_s: float = 120) -> dict:
    """Poll a run until it is done or failed."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        run = client.get(f"/api/runs/{run_id}").json()
        if run["status"] in ("done", "failed"):
            return run
        time.sleep(0.3)
    raise AssertionError(f"run {run_id} did not finish in {timeout_s} s")


def _scenario_files(tmp: Path, **changes: object) -> tuple[str, str]:
    """(YAML text, CSV text) of the reference scenario."""
    from aftershock.testing import scenario_dict, write_scenario

    path = write_scenario(tmp, scenario_dict(**changes))
    return path.read_text(), (tmp / "stores.csv").read_text()
