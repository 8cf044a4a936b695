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
    assert re.search(r"Fill rate over the horizon, %</th><td>\d{2,3}\.\d%</td>", text)


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


def test_report_template_escapes_text_and_reads_labels_from_the_summary() -> None:
    from aftershock import api
    from aftershock.recovery.compare import CompareRow
    from aftershock.report import render_report
    from aftershock.sim.metrics import LABELS

    result = api.simulate("coop-kaseya-2021", replications=2, seed=1, overrides=["horizon_days=10"])
    assert {m["label"] for m in result.summary["metrics"].values()} == set(LABELS.values())
    row = CompareRow(
        policy="<script>alert(1)</script>",
        cap=None,
        extra_shifts=1,
        metrics={"lost_sales_units": 12.5, "surge_cost": None},
        is_pareto=True,
    )
    text = render_report("Kaseya & <co>", result, [row])
    head, charts_and_plans = text.split("<section>", 1)
    assert "<title>Kaseya &amp; &lt;co&gt;</title>" in head and "<h1>Kaseya &amp; &lt;co&gt;</h1>" in head
    # every headline row is labelled by the shared labels (words with units), with its description
    from aftershock.formatting import label

    for name in result.summary["metrics"]:
        assert f"<th scope='row'>{label(name)}</th>" in head
    plans = charts_and_plans.split("<h2>Recovery plans compared</h2>", 1)[1]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in plans and "<script>" not in plans
    assert f"<th>{LABELS['lost_sales_units']}</th>" in plans
    assert "<td>13</td>" in plans and "<td>—</td>" in plans and "<td>yes</td>" in plans


def test_report_shows_the_scenarios_warnings() -> None:
    from aftershock import api
    from aftershock.report import render_report

    result = api.simulate("coop-kaseya-2021", replications=2, seed=1, overrides=["horizon_days=10"])
    assert 'class="warning"' not in render_report("coop", result)
    result.summary["warnings"] = [
        {"source": "scenario.yaml", "line": 3, "field": "plan.order_cap.units", "message": "<b>below</b>"}
    ]
    text = render_report("coop", result)
    assert 'class="warning" role="alert"' in text
    assert "scenario.yaml:3: plan.order_cap.units</code>: &lt;b&gt;below&lt;/b&gt;" in text
