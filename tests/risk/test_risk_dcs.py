"""Risk and stress on several DCs: time-to-survive and expected loss at each DC's stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from aftershock import api
from aftershock.cli.app import main
from aftershock.testing import two_dc_scenario

A, B = "dc-a", "dc-b"


def two_dcs(folder: Path, extra: dict[str, Any] | None = None, **kwargs: Any) -> Path:
    """dc-a serves two stores and dc-b one, 5 units a day each, 4 days of cover, lead 1 day;
    each DC's dc.ship needs its own WMS (wms-dc-a, wms-dc-b). ``extra`` adds top-level keys."""
    kwargs.setdefault("capacity", {A: 100, B: 100})
    path = two_dc_scenario(folder, stores={A: [5, 5], B: [5]}, cover=4, **kwargs)
    if extra:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key, value in extra.items():
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key].update(value)
            else:
                data[key] = value
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def by_dc(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["dc"]: d for d in row["by_dc"]}


def test_stress_reports_time_to_survive_of_each_dcs_stores(tmp_path: Path) -> None:
    # restoring wms-dc-a on day 6 gives it a TTR of 6 days (the incident starts on day 0)
    restore = {"incident": {"restore": {"corp-it": {"day": 1}, "wms-dc-a": {"day": 6}}}}
    report = api.stress(two_dcs(tmp_path / "alone", restore))
    assert report["scenario"] == "reference"
    assert report["dcs"] == [{"dc": A, "stores": 2}, {"dc": B, "stores": 1}]
    rows = {r["service"]: r for r in report["services"]}
    wms_a = rows["wms-dc-a"]
    # 4 days of stock and no deliveries: dc-a's stores are empty on day 4; dc-b's never notice
    assert wms_a["tts_days"]["store"] == 4 and wms_a["ttr_days"] == 6
    assert (by_dc(wms_a)[A]["tts_days"], by_dc(wms_a)[A]["tts_capped_by_horizon"]) == (4, False)
    assert by_dc(wms_a)[A]["gap_days"] == 2
    assert by_dc(wms_a)[B]["tts_capped_by_horizon"] and by_dc(wms_a)[B]["impact"] == 0
    # the loss is all at dc-a's stores
    assert by_dc(wms_a)[A]["impact"] == pytest.approx(wms_a["impact"])
    assert wms_a["impact"] > 0
    wms_b = rows["wms-dc-b"]
    assert by_dc(wms_b)[A]["tts_capped_by_horizon"] and by_dc(wms_b)[B]["tts_days"] == 4

    # dc-b covers for dc-a the same day, with no extra lead time and capacity to spare
    backup = {A: [{"dc": B, "extra_lead_time_days": 0, "switch_over_days": 0}]}
    covered = api.stress(two_dcs(tmp_path / "backed", restore, backups=backup))
    wms_a = next(r for r in covered["services"] if r["service"] == "wms-dc-a")
    assert by_dc(wms_a)[A]["tts_capped_by_horizon"] and wms_a["impact"] == 0


def test_stress_carries_the_scenario_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = two_dcs(tmp_path, capacity={A: 100, B: 4})  # dc-b picks 4 a day for a store selling 5
    report = api.stress(path, services=["wms-dc-a"])
    assert [w["field"] for w in report["warnings"]] == ["sites.dcs[1].pick_capacity_units_per_day"]
    assert [r["service"] for r in report["services"]] == ["wms-dc-a"]
    with pytest.raises(SystemExit) as exc:
        main(["stress", str(path)])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "Time-to-survive of each DC's stores" in out and "dc-a" in out and "dc-b" in out


def threat_on(service: str, rate: float = 1.0, cost: float = 100.0) -> dict[str, Any]:
    return {
        "threats": [
            {
                "service": service,
                "frequency_per_year": {"dist": "point", "value": rate},
                "outage_days": {"dist": "point", "value": 6},
                "pause_days": {"dist": "point", "value": 0},
                "response_cost": {"dist": "point", "value": cost},
            }
        ]
    }


def test_risk_attributes_expected_loss_to_the_dc_whose_stores_lose(tmp_path: Path) -> None:
    summary = api.risk(two_dcs(tmp_path, threat_on("wms-dc-a")), years=200, seed=1, reps_per_shape=1)
    rows = {r["dc"]: r for r in summary["by_dc"]}
    assert [r["dc"] for r in summary["by_dc"]] == [A, B]
    assert (rows[A]["stores"], rows[B]["stores"]) == (2, 1)
    assert rows[A]["expected_annual_loss"] > 0 and rows[B]["expected_annual_loss"] == 0
    # the response cost (100 per incident, one incident a year) belongs to no DC
    incidents = summary["incidents_per_year_mean"]
    assert summary["not_attributed_to_a_dc"] == pytest.approx(100 * incidents)
    total = sum(r["expected_annual_loss"] for r in summary["by_dc"]) + summary["not_attributed_to_a_dc"]
    assert total == pytest.approx(summary["expected_annual_loss"])
    assert rows[A]["share"] == pytest.approx(
        rows[A]["expected_annual_loss"] / summary["expected_annual_loss"]
    )


def test_risk_on_a_shared_service_splits_the_loss_over_both_dcs(tmp_path: Path) -> None:
    # corp-it is where a WMS outage would start; here both WMSs need it
    extra = threat_on("corp-it", cost=0.0)
    path = two_dcs(tmp_path, extra)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["requires"] += [{"service": f"wms-{dc}", "groups": [[{"service": "corp-it"}]]} for dc in (A, B)]
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    summary = api.risk(path, years=100, seed=2, reps_per_shape=1)
    rows = {r["dc"]: r for r in summary["by_dc"]}
    # the same outage at both: dc-a's two stores lose twice what dc-b's one does
    assert rows[A]["expected_annual_loss"] == pytest.approx(2 * rows[B]["expected_annual_loss"], rel=1e-6)
    assert summary["not_attributed_to_a_dc"] == pytest.approx(0.0, abs=1e-6)
