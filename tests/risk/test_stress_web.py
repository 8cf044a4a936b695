"""The dashboard's stress page and the stress API route on coop-kaseya-2021."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def client(tmp_path) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    from aftershock.web.app import create_app
    from aftershock.web.settings import Settings

    app = create_app(Settings(db=str(tmp_path / "runs.db"), demo_run=False, run_workers=1))
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        yield c


def test_stress_page_ranks_the_msp_and_the_rmm_vendor_first(client: TestClient) -> None:
    page = client.get("/scenarios/coop-kaseya-2021/stress?samples=0")
    assert page.status_code == 200, page.text
    table = page.text.split('class="stress-vendors"', 1)[1].split("</table>", 1)[0]
    rows = [re.findall(r"<td[^>]*>([^<]*)</td>", tr) for tr in re.findall(r"<tr><td>.*?</tr>", table, re.S)]
    assert [r[:3] for r in rows[:2]] == [
        ["1", "visma-esscom", "third party"],
        ["2", "kaseya", "fourth party"],
    ]
    assert rows[0][3] == "7"  # the tills' TTR: the crews
    assert "/scenarios/coop-kaseya-2021/stress" in client.get("/scenarios/coop-kaseya-2021").text


def test_stress_api_returns_the_json_and_checks_its_parameters(client: TestClient) -> None:
    data = client.get(
        "/api/scenarios/coop-kaseya-2021/stress", params={"samples": 0, "weight": "margin"}
    ).json()
    assert data["weight"] == "margin" and data["vendors"][0]["party"] == "visma-esscom"
    assert client.get("/api/scenarios/coop-kaseya-2021/stress", params={"threshold": 2}).status_code == 422
    assert client.get("/api/scenarios/coop-kaseya-2021/stress", params={"samples": 10**6}).status_code == 422
