"""The report's vendor concentration section: parties, HHI and single points of failure."""

from __future__ import annotations

from pathlib import Path

from aftershock import api
from aftershock.report import render_report
from aftershock.testing import write_scenario


def test_report_has_the_concentration_section(tmp_path: Path) -> None:
    path = write_scenario(tmp_path)
    result = api.simulate(path, replications=2, seed=1)
    text = render_report("t", result, concentration=api.concentration(path))
    section = text.split('<section id="concentration">', 1)[1].split("</section>", 1)[0]
    assert "Concentration index over vendors" in section and "<strong>5,586</strong>" in section
    assert "<th scope='row'>vendor</th><td>fourth party</td><td>msp</td>" in section
    assert "<th scope='row'>wms</th><td>msp</td><td>store.receive 100.0%, deliveries 100.0%" in section
    assert '<section id="concentration">' not in render_report("t", result)
