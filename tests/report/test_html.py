"""The HTML report is one self-contained file with the four charts."""

from __future__ import annotations

import re
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
    # the optimiser's plan is compared with the policies
    assert "optimised plan (LP" in text
    # headline in words, and a fill rate of 0.99x is not rounded to 1.0
    assert "Fill rate over the horizon" in text and "fill_rate" not in text.split("<h2")[1]
    assert re.search(r"Fill rate over the horizon</th><td>\d{2,3}\.\d\d%</td>", text)


def test_report_and_chart_paths_are_checked_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for args, message in (
        (["report", "ocs-2022", "--out", str(tmp_path / "r.pdf")], "--out"),
        (["report", "ocs-2022", "--out", str(tmp_path / "no" / "r.html")], "does not exist"),
        (["compare", "ocs-2022", "--chart", str(tmp_path / "no" / "c.html")], "--chart"),
        (["compare", "ocs-2022", "--chart", str(tmp_path / "c.png")], "ending in .html"),
    ):
        with pytest.raises(SystemExit) as exc:
            main(args)
        assert exc.value.code == 1
        assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
