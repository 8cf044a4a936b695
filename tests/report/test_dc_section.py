"""The report has a section per DC: the DC table, backlog per DC and stock per DC with supply."""

from __future__ import annotations

import re
from pathlib import Path

from aftershock import api
from aftershock.report import render_report
from aftershock.testing import two_dc_scenario


def test_report_has_the_dc_table_and_charts(tmp_path: Path) -> None:
    path = two_dc_scenario(
        tmp_path,
        stores={"dc-a": [10, 20], "dc-b": [30]},
        capacity={"dc-a": 100, "dc-b": 100},
        pause={"dc-a": (2, 6)},
        supply={"dc-b": {"suppliers": [{"id": "farm"}]}},
    )
    result = api.simulate(str(path), replications=2, seed=0, overrides=["start_date=2025-01-06"])
    text = render_report("two DCs", result)
    section = text.split('<section id="dcs">', 1)[1].split("</section>", 1)[0]
    table = section.split("</table>", 1)[0]
    # headers are the summary's labels
    for metric in result.summary["dcs"][0]["metrics"].values():
        assert metric["label"] in table
    rows = {
        cells[0]: cells[1:]
        for cells in (
            re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", tr) for tr in re.findall(r"<tr>(.*?)</tr>", table)
        )
    }
    # stores, lost sales mean and 90% interval, peak backlog, cleared (with its date), shipped, lent
    # units whole by the shared rules (aftershock.formatting), days with one decimal
    assert rows["dc-a"] == ["2", "60", "60 – 60", "90", "6.0 (Sun 12 Jan 2025)", "540", "0"]
    assert rows["dc-b"][:2] == ["1", "0"]
    # backlog per DC (two DCs), and stock for dc-b only (dc-a has no supply: unlimited stock)
    assert "Backlog per DC over time" in section and "Stock per DC over time" in section
    assert section.count("plotly-graph-div") == 2
    assert result.summary["dcs"][0]["daily"].keys() == {"backlog_units"}
    assert result.summary["dcs"][1]["daily"].keys() == {"backlog_units", "stock_units"}
    # the library is still inlined once, with the first chart of the page
    assert text.count("plotly.js v") == 1 and text.index("plotly.js v") < text.index('<section id="dcs">')


def test_one_dc_has_a_table_but_no_backlog_per_dc_chart() -> None:
    result = api.simulate("coop-kaseya-2021", replications=2, seed=1, overrides=["horizon_days=10"])
    text = render_report("coop", result)
    section = text.split('<section id="dcs">', 1)[1].split("</section>", 1)[0]
    assert section.count("<th scope='row'>") == 1 and "Backlog per DC" not in section
