"""The dashboard's scenario page has the vendor concentration table."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_scenario_page_has_the_concentration_table(client: TestClient) -> None:
    page = client.get("/scenarios/coop-kaseya-2021")
    assert page.status_code == 200
    section = page.text.split('<section id="concentration">', 1)[1].split("</section>", 1)[0]
    assert "<strong>4,431</strong>" in section
    rows = [
        [c.strip() for c in re.findall(r"<td>([^<]*)</td>", tr)]
        for tr in re.findall(
            r"<tr><td>.*?</tr>", section.split('class="concentration"', 1)[1].split("</table>")[0]
        )
    ]
    assert rows[0][:4] == ["1", "visma-esscom", "third party", "—"]
    assert rows[1][:4] == ["2", "kaseya", "fourth party", "visma-esscom"]
    assert "Single points of failure by revenue" in section
