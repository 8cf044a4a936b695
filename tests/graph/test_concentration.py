"""Vendor concentration: demand at risk per party, fourth parties, the HHI and ranked SPOFs."""

from __future__ import annotations

from pathlib import Path

import pytest

from aftershock import api
from aftershock.graph import compile_network
from aftershock.graph.concentration import concentration
from aftershock.testing import scenario_dict, stores_csv, two_dc_scenario, write_scenario


def _of(path: Path):
    loaded = api.load(path)
    return concentration(loaded, compile_network(loaded))


def _party(found, name: str):
    return next(p for p in found.parties if p.party == name)


def test_hhi_known_answer_two_vendors_three_to_one(tmp_path: Path) -> None:
    """Four stores of equal demand; vendor A's tills serve three, vendor B's one.

    Revenue at risk 3:1, shares 0.75 and 0.25: HHI = 10,000 × (0.75² + 0.25²) = 6,250 and
    the effective number of vendors 1 / 0.625 = 1.6.
    """
    data = scenario_dict(
        parties=[{"id": "vendor-a"}, {"id": "vendor-b"}, {"id": "chain", "kind": "retailer"}],
        services=[{"id": "pos-a", "party": "vendor-a"}, {"id": "pos-b", "party": "vendor-b"}],
        control=[],
        requires=[
            {
                "site": {"where": {"pos_system": "a"}},
                "capability": "store.sell",
                "groups": [[{"service": "pos-a"}]],
            },
            {
                "site": {"where": {"pos_system": "b"}},
                "capability": "store.sell",
                "groups": [[{"service": "pos-b"}]],
            },
        ],
        incident={"compromise": {"service": "pos-a", "day": 1}},
    )
    rows = [("s1", "r", "a", 25), ("s2", "r", "a", 25), ("s3", "r", "a", 25), ("s4", "r", "b", 25)]
    found = _of(write_scenario(tmp_path, data, stores_csv(rows)))
    assert found.hhi == pytest.approx(6250.0)
    assert found.effective_vendors == pytest.approx(1.6)
    a, b = _party(found, "vendor-a"), _party(found, "vendor-b")
    assert (a.rank, b.rank) == (1, 2)
    assert a.demand_share == pytest.approx(0.75) and b.demand_share == pytest.approx(0.25)
    assert a.hhi_share == pytest.approx(0.75) and b.hhi_share == pytest.approx(0.25)
    assert a.role == b.role == "third party"
    # revenue a day: 75 units at risk × 10 a unit
    assert a.revenue_per_day == pytest.approx(750.0)
    assert found.revenue_per_day == pytest.approx(1000.0)
    # the chain runs no service: not listed
    assert [p.party for p in found.parties] == ["vendor-a", "vendor-b"]


def test_fourth_party_reached_only_through_control_and_weighted_by_fallback(tmp_path: Path) -> None:
    """Reference network: the RMM vendor's tool pushes code to the MSP's tills (pos-a).

    Stores on pos-a (demand 10 + 20 + 40 of 100) fall to the payment app's 0.3: the vendor
    puts 0.7 × 70 = 49% of demand at risk, only through its attack path (a fourth party,
    through the MSP). The MSP's WMS stops the DC shipping: every store's deliveries, 100%.
    HHI over the two: 10,000 × (0.49² + 1²) / 1.49² = 5,585.8.
    """
    found = _of(write_scenario(tmp_path))
    vendor, msp, chain = (_party(found, n) for n in ("vendor", "msp", "chain"))
    assert vendor.role == "fourth party"
    assert vendor.direct_demand_share == 0.0
    assert vendor.demand_share == pytest.approx(0.49)
    assert vendor.through == ["msp"] and vendor.reaches == ["pos-a"]
    assert vendor.by_measure["store.sell"] == pytest.approx(0.49)
    assert vendor.stores == 3
    assert msp.role == "third party" and msp.demand_share == pytest.approx(1.0)
    assert msp.by_measure["deliveries"] == pytest.approx(1.0)
    assert chain.role == "own" and chain.rank is None and chain.hhi_share is None
    assert chain.demand_share == pytest.approx(0.3)  # pos-b's store s3
    assert [p.party for p in found.parties[:2]] == ["msp", "vendor"]
    assert found.hhi == pytest.approx(10_000 * (0.49**2 + 1) / 1.49**2)


def test_incident_fallback_counts_as_not_rolled_out(tmp_path: Path) -> None:
    """With the app a fallback the incident rolls out over time, the first day has none of it."""
    data = scenario_dict()
    data["incident"]["fallbacks"] = {"app": {"from_day": 6, "sites_per_day": 1}}
    vendor = _party(_of(write_scenario(tmp_path, data)), "vendor")
    assert vendor.demand_share == pytest.approx(0.70)


def test_no_isolation_applies(tmp_path: Path) -> None:
    """An isolation is the response to one incident, not a dependency on a vendor."""
    data = scenario_dict()
    data["incident"]["isolate"] = [{"service": "pos-b"}]
    chain = _party(_of(write_scenario(tmp_path, data)), "chain")
    assert chain.demand_share == pytest.approx(0.3)
    vendor = _party(_of(write_scenario(tmp_path, data)), "vendor")
    assert vendor.demand_share == pytest.approx(0.49)


def test_dc_capabilities_count_at_the_dc_stores_with_backup(tmp_path: Path) -> None:
    """Two DCs, each on its own WMS (msp's); dc-b's stores are covered by dc-a at half its spare.

    msp runs both WMSs: every store loses its deliveries. A party running only dc-b's WMS
    would put dc-b's stores at risk for the half the backup does not lend.
    """
    path = two_dc_scenario(
        tmp_path,
        stores={"dc-a": [10, 20], "dc-b": [30]},
        capacity={"dc-a": 100, "dc-b": 100},
        backups={"dc-b": [{"dc": "dc-a", "share_of_spare": 0.5}]},
    )
    text = path.read_text().replace("- id: wms-dc-b\n  party: msp", "- id: wms-dc-b\n  party: north-3pl")
    text = text.replace("parties:\n", "parties:\n- id: north-3pl\n  kind: logistics_provider\n", 1)
    path.write_text(text)
    found = _of(path)
    north = _party(found, "north-3pl")
    assert north.by_dc == {"dc-a": 0.0, "dc-b": pytest.approx(0.5)}
    assert north.demand_share == pytest.approx(0.5 * 30 / 60)
    assert north.by_measure["deliveries"] == pytest.approx(0.25)
    assert found.dcs == ["dc-a", "dc-b"]


def test_single_points_ranked_by_revenue(tmp_path: Path) -> None:
    """Reference: the WMS (and the DC's dc.pick or dc.ship) stop deliveries everywhere; pos-b
    zeroes s3's selling (30%); pos-a none (the app is an alternative)."""
    found = _of(write_scenario(tmp_path))
    ranked = [(s.node, round(s.demand_share, 6)) for s in found.single_points]
    assert ranked == [("dc/dc.pick", 1.0), ("dc/dc.ship", 1.0), ("wms", 1.0), ("pos-b", 0.3)]
    assert [s.rank for s in found.single_points] == [1, 2, 3, 4]
    assert found.single_points[2].party == "msp" and found.single_points[0].party is None
    assert found.single_points[3].revenue_per_day == pytest.approx(300.0)
    assert found.single_points[3].measures == {"store.sell": 0.3}


def test_impact_and_risk_carry_the_block(tmp_path: Path) -> None:
    path = write_scenario(tmp_path)
    report = api.impact(path)
    block = report["concentration"]
    assert block["hhi"] == pytest.approx(10_000 * (0.49**2 + 1) / 1.49**2)
    assert block["parties"][0]["party"] == "msp"
    assert api.concentration(path)["hhi"] == block["hhi"]
    threat = {
        "service": "rmm",
        "frequency_per_year": {"dist": "point", "value": 0.1},
        "outage_days": {"dist": "point", "value": 2},
    }
    risky = write_scenario(tmp_path / "risk", scenario_dict(threats=[threat]))
    assert api.risk(risky, years=20, reps_per_shape=1)["concentration"]["hhi"] == block["hhi"]


def test_bundled_coop_ranks_the_msp_and_the_rmm_vendor_first() -> None:
    found = api.concentration("coop-kaseya-2021")
    top = [(p["party"], p["role"]) for p in found["parties"][:2]]
    assert top == [("visma-esscom", "third party"), ("kaseya", "fourth party")]
    assert found["parties"][1]["through"] == ["visma-esscom"]
    assert found["hhi"] == pytest.approx(4431.4, abs=0.5)
