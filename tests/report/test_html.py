"""The HTML report is one self-contained file with the four charts."""

from __future__ import annotations

from pathlib import Path

import pytest

from aftershock.cli.app import main


@pytest.mark.slow
def test_report_is_self_contained(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "report",
                "coop-kaseya-2021",
                "--out",
                str(out),
                "-n",
                "2",
                "-q",
                "--set",
                "horizon_days=14",
                "--risk-years",
                "200",
            ]
        )
    assert exc.value.code == 0
    text = out.read_text()
    # opens with no network: the library is inline, no script is fetched
    assert "<script src=" not in text.replace('<script src="data:', "")
    assert "plotly.js v" in text
    assert text.count("plotly-graph-div") >= 5
    for title in (
        "DC backlog over time",
        "Stores out of stock",
        "Lost sales revenue by region",
        "Loss exceedance",
        "Recovery plans compared",
    ):
        assert title in text
