"""Stress test along attack paths: known answers on hand-built scenarios, and the Coop check.

Days count from the compromise day (day 0 of the incident); definitions in
aftershock.risk.stress and docs/risk.md.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from aftershock import api
from aftershock.errors import ParameterError
from aftershock.io.bundled import bundled_root
from aftershock.testing import pause_scenario, scenario_dict, stores_csv, write_scenario

START = 2  # compromise day of the RMM scenario


def rmm_scenario(
    folder: Path, *, p: float = 1.0, stores: int = 10, crews: int = 2, rate: float = 1.0
) -> Path:
    """A software vendor's RMM (``rmm``) pushes code to an MSP's tills (``tills``) with probability ``p``.

    ``stores`` identical stores sell only through the tills (no fallback), 10 units a day,
    deterministic. The compromise hits the RMM on day 2; the tills are rebuilt on site by
    ``crews`` crews of ``rate`` stores a day from day 4. Nothing restores the RMM itself (it
    feeds no store directly), and no threat names it.
    """
    data = scenario_dict(
        horizon_days=20,
        parties=[
            {"id": "rmm-vendor", "kind": "software_vendor"},
            {"id": "msp", "kind": "msp"},
            {"id": "chain", "kind": "retailer"},
        ],
        services=[
            {"id": "rmm", "party": "rmm-vendor", "kind": "remote_management"},
            {"id": "tills", "party": "msp", "kind": "pos"},
            {"id": "erp", "party": "chain", "kind": "erp"},
        ],
        control=[{"from": "rmm", "to": "tills", "p": p}],
        requires=[
            {"site": {"kind": "store"}, "capability": "store.sell", "groups": [[{"service": "tills"}]]},
            {"site": {"kind": "store"}, "capability": "store.order", "groups": [[{"service": "erp"}]]},
        ],
        incident={
            "compromise": {"service": "rmm", "day": START},
            "restore": {
                "tills": {"day": 4, "crews": crews, "sites_per_crew_per_day": rate, "order": "by_id"},
                "erp": {"day": START + 3},
            },
        },
        demand={"distribution": "deterministic"},
    )
    rows = [(f"s{i:02d}", "north" if i % 2 else "south", "a", 10.0) for i in range(stores)]
    return write_scenario(folder, data, stores_csv(rows))


def by(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {r[key]: r for r in rows}


def test_a_vendor_whose_rmm_pushes_to_the_tills_is_as_exposed_as_the_tills(tmp_path: Path) -> None:
    report = api.stress(rmm_scenario(tmp_path))
    entries = by(report["services"], "service")
    rmm, tills = entries["rmm"], entries["tills"]
    assert rmm["compromised"] == ["rmm", "tills"] and tills["compromised"] == ["tills"]
    assert rmm["impact"] == pytest.approx(tills["impact"]) and tills["impact"] > 0
    assert rmm["risk_exposure_index"] == tills["risk_exposure_index"] == pytest.approx(1.0)
    # the RMM is never restored, but no store needs it: its row is still scored
    assert rmm["unrestored"] == ["rmm"] and not rmm["ttr_capped_by_horizon"]
    # the vendor only reaches the stores through the MSP's tills: a fourth party, ranked after
    # the MSP it reaches through, at the same exposure
    vendors = report["vendors"]
    assert [(v["party"], v["role"], v["rank"]) for v in vendors] == [
        ("msp", "third party", 1),
        ("rmm-vendor", "fourth party", 2),
    ]
    assert vendors[0]["risk_exposure_index"] == vendors[1]["risk_exposure_index"] == pytest.approx(1.0)
    # the chain's own ERP: down 3 days, smaller; listed but not ranked among vendors
    chain = by(report["parties"], "party")["chain"]
    assert chain["role"] == "own" and chain["rank"] is None
    assert 0 < chain["risk_exposure_index"] < 1


@pytest.mark.parametrize(("stores", "crews", "rate"), [(10, 2, 1.0), (9, 2, 1.0), (12, 1, 2.5)])
def test_the_tills_time_to_recover_follows_the_crews(
    tmp_path: Path, stores: int, crews: int, rate: float
) -> None:
    # crews start on day 4 (2 days after the compromise) at the opening, crews × rate stores a
    # day; the last store trades again on day 4 + ceil(stores / (crews × rate)) − 1
    report = api.stress(rmm_scenario(tmp_path, stores=stores, crews=crews, rate=rate), samples=0)
    tills = by(report["services"], "service")["tills"]
    expected = (4 - START) + math.ceil(stores / (crews * rate)) - 1
    assert tills["ttr_days"] == expected
    assert tills["levels"]["chain"]["ttr_days"] == expected
    # the tills fall at the compromise: no store serves 90% of its demand that day
    assert tills["tts_days"] == {"store": 0, "region": 0, "dc": 0, "chain": 0}
    # the first store back is repaired on the crews' first day; the last store's gap is the TTR
    assert tills["gap_days"]["store"] == expected


def test_sampled_spread_uses_each_edges_p(tmp_path: Path) -> None:
    report = api.stress(rmm_scenario(tmp_path, p=0.5), samples=200, seed=3)
    rmm = by(report["services"], "service")["rmm"]
    tills = by(report["services"], "service")["tills"]
    # the worst case crosses every edge with p > 0
    assert rmm["impact"] == pytest.approx(tills["impact"])
    sampled = rmm["sampled"]
    assert sampled["replications"] == 200
    assert sampled["reach_probability"]["rmm"] == 1.0
    assert sampled["reach_probability"]["tills"] == pytest.approx(0.5, abs=0.1)
    assert sampled["impact_mean"] == pytest.approx(0.5 * rmm["impact"], rel=0.2)
    assert sampled["risk_exposure_index_mean"] == pytest.approx(sampled["impact_mean"] / tills["impact"])
    # the tills themselves: nothing to sample
    assert tills["sampled"]["replications"] == 0 and tills["sampled"]["impact_mean"] == tills["impact"]


def test_time_to_survive_is_the_stock_cover(tmp_path: Path) -> None:
    # stores hold U = 20 units and sell d = 5 a day, daily orders arriving the next day. The
    # WMS compromised on day 5 and never restored: the morning's delivery tops them up to 20,
    # they sell days 5-8 and are empty on day 9: TTS = U / d = 4 days at every level.
    path = pause_scenario(
        tmp_path, stores=3, demand=5.0, order_up_to=20, on_hand=20, pause=(5, 6), capacity=1e6
    )
    rows = by(api.stress(path)["services"], "service")
    wms = rows["wms"]
    assert wms["tts_days"] == {"store": 4, "region": 4, "dc": 4, "chain": 4}
    # no restore model for the WMS: it stays down, TTR past the horizon, not scored
    assert wms["ttr_capped_by_horizon"] and wms["risk_exposure_index"] is None
    assert wms["unrestored"] == ["wms"]
    # corp-it has no attack path to the WMS: the WMS isolation guards nothing it can reach, so
    # it does not apply, and corp-it costs nothing
    assert rows["corp-it"]["impact"] == 0 and rows["corp-it"]["ttr_days"] == 0
    assert all(rows["corp-it"]["tts_capped_by_horizon"].values())


@pytest.mark.parametrize(("restore", "gap"), [(8, -1), (12, 3)])
def test_gap_is_time_to_recover_less_time_to_survive(tmp_path: Path, restore: int, gap: int) -> None:
    path = pause_scenario(
        tmp_path, stores=3, demand=5.0, order_up_to=20, on_hand=20, pause=(5, 6), capacity=1e6
    )
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["incident"]["restore"]["wms"] = {"day": restore}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    wms = by(api.stress(path, services=["wms"])["services"], "service")["wms"]
    assert wms["ttr_days"] == restore - 5 and wms["tts_days"]["store"] == 4
    assert wms["gap_days"]["store"] == gap
    # recovered before the stock ran out: nothing lost
    assert (wms["impact"] == 0) == (gap < 0)


def test_an_isolation_applies_where_the_attack_can_reach(tmp_path: Path) -> None:
    path = pause_scenario(
        tmp_path, stores=3, demand=5.0, order_up_to=20, on_hand=20, pause=(5, 15), capacity=1e6
    )
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["control"] = [{"from": "corp-it", "to": "wms", "p": 0.5}]
    data["incident"]["restore"]["wms"] = {"day": 6}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    corp = by(api.stress(path, samples=0)["services"], "service")["corp-it"]
    # the WMS is restored on day 6 but isolated until day 15: deliveries stop for 10 days
    assert corp["compromised"] == ["corp-it", "wms"]
    assert corp["ttr_days"] == 10 and corp["impact"] > 0


def test_bad_parameters_name_the_field(tmp_path: Path) -> None:
    path = rmm_scenario(tmp_path)
    for kwargs, field in (
        ({"threshold": 0.0}, "threshold"),
        ({"threshold": 1.5}, "threshold"),
        ({"weight": "profit"}, "weight"),
        ({"samples": -1}, "samples"),
        ({"services": ["nope"]}, "services"),
    ):
        with pytest.raises(ParameterError) as exc:
            api.stress(path, **kwargs)
        assert exc.value.parameter == field


def test_margin_weight_scales_the_impact(tmp_path: Path) -> None:
    path = rmm_scenario(tmp_path)
    revenue = by(api.stress(path, samples=0)["services"], "service")["tills"]["impact"]
    margin = by(api.stress(path, samples=0, weight="margin")["services"], "service")["tills"]["impact"]
    assert margin == pytest.approx(revenue * 2.0 / 10.0)  # one item: price 10, margin 2


def test_coop_vendor_and_msp_rank_highest_and_the_tills_follow_the_crews() -> None:
    report = api.stress("coop-kaseya-2021")
    ranked = [(v["party"], v["role"]) for v in report["vendors"]]
    assert ranked[:2] == [("visma-esscom", "third party"), ("kaseya", "fourth party")]
    assert report["vendors"][0]["risk_exposure_index"] == pytest.approx(1.0)
    assert report["vendors"][1]["risk_exposure_index"] == pytest.approx(1.0)
    rows = by(report["services"], "service")
    assert rows["vsa-vendor"]["risk_exposure_index"] == pytest.approx(1.0)
    assert rows["msp-vsa"]["risk_exposure_index"] == pytest.approx(1.0)
    assert report["services"][0]["service"] == "pos-main"
    scored = [r for r in report["services"] if r["risk_exposure_index"] is not None]
    assert all(0 <= r["risk_exposure_index"] <= 1 for r in scored)
    # 100 crews × 1.2 stores a day from day 9 (2 days after the compromise) over the stores on
    # the main till system
    with open(bundled_root() / "coop-kaseya-2021" / "stores.csv", encoding="utf-8") as f:
        main = sum(1 for r in csv.DictReader(f) if r["pos_system"] == "main")
    assert rows["pos-main"]["ttr_days"] == 2 + math.ceil(main / 120) - 1 == 7


def test_cli_table_json_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from typer.testing import CliRunner

    from aftershock.cli.app import app, main
    from aftershock.report import render_report

    path = rmm_scenario(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["stress", str(path), "--samples", "0"])
    assert result.exit_code == 0, result.output
    assert "Vendors ranked by risk exposure" in result.stdout and "fourth party" in result.stdout
    as_json = runner.invoke(app, ["stress", str(path), "--json", "--weight", "margin", "--threshold", "0.5"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert (data["weight"], data["threshold"]) == ("margin", 0.5)
    assert [v["party"] for v in data["vendors"]] == ["msp", "rmm-vendor"]
    with pytest.raises(SystemExit) as exc:
        main(["stress", str(path), "--threshold", "2"])
    assert exc.value.code == 1 and "threshold" in capsys.readouterr().err
    text = render_report("reference", api.simulate(path, replications=1), stress=api.stress(path, samples=0))
    assert "Stress test along attack paths" in text and "rmm-vendor" in text and "fourth party" in text
