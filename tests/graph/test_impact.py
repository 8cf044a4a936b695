"""Blast radius: a hand-built network, then the facts of both bundled incidents."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from aftershock import api
from aftershock.errors import ParameterError
from aftershock.graph import blast_radius, build_timeline, compile_network
from aftershock.io import load_scenario
from aftershock.testing import scenario_dict, write_scenario

OTHER_POS = {"Värmland", "Norrbotten", "Tabergsdalen", "Varberg", "Gotland", "Oskarshamn"}


@cache
def report(name: str) -> dict[str, Any]:
    return api.impact(name)


def groups(view: dict, capability: str) -> list[dict]:
    return [g for g in view["store_groups"] if g["capability"] == capability]


# --- a hand-built network ---------------------------------------------------------------


@pytest.fixture
def reference(tmp_path: Path):
    data = scenario_dict(
        control=[
            {"from": "rmm", "to": "pos-a", "p": 0.5},
            {"from": "pos-a", "to": "wms", "p": 0.4, "delay_days": 2},
            {"from": "rmm", "to": "app", "p": 0.0},  # never taken
        ],
        incident={
            "compromise": {"service": "rmm", "day": 5},
            "isolate": [{"service": "pos-b"}],
            "fallbacks": {"app": {"from_day": 6, "sites_per_day": 1, "max_sites": 2}},
        },
    )
    loaded = load_scenario(write_scenario(tmp_path, data))
    net = compile_network(loaded)
    return net, build_timeline(loaded, net), loaded.stores.regions


def test_compromised_services_with_their_most_likely_path(reference) -> None:
    net, tl, regions = reference
    impact = blast_radius(net, tl, regions)
    assert impact.compromised == [
        {"service": "rmm", "path": ["rmm"], "path_probability": 1.0, "delay_days": 0},
        {"service": "pos-a", "path": ["rmm", "pos-a"], "path_probability": 0.5, "delay_days": 0},
        {
            "service": "wms",
            "path": ["rmm", "pos-a", "wms"],
            "path_probability": 0.2,
            "delay_days": 2,
        },
    ]
    assert impact.isolated == ["pos-b"]


def test_first_day_and_fallback_views(reference) -> None:
    net, tl, regions = reference
    first, rolled = blast_radius(net, tl, regions).views
    assert (first.label, rolled.label) == ("first day", "fallbacks rolled out")
    # pos-a compromised, app not rolled out, pos-b isolated: nothing sells on the first day
    assert first.sell_capacity_share == 0
    assert {s.node: s.reason for s in first.services}["pos-b"] == "isolated (precaution)"
    # two of the three pos-a stores get the app (by demand: s4 40, s2 20): (40 + 20) × 0.3 / 100
    assert rolled.sell_capacity_share == pytest.approx(0.18)
    sell = [g for g in rolled.store_groups if g.capability == "store.sell"]
    assert [(g.status, g.capacity, g.stores, g.reason) for g in sell] == [
        ("partial", 0.3, 2, "needs pos-a (compromised) or app x0.3"),
        ("none", 0.0, 1, "needs pos-a (compromised) or app (not rolled out here)"),
        ("none", 0.0, 1, "needs pos-b (isolated (precaution))"),
    ]
    receive = [g for g in first.store_groups if g.capability == "store.receive"]
    assert [(g.status, g.stores, g.reason) for g in receive] == [
        ("none", 4, "needs dc/dc.ship (none)"),
    ]
    north = next(r for r in rolled.regions if r["region"] == "north")
    assert (north["selling_partial"], north["closed"]) == (1, 1)  # s2 has the app, s1 not


def test_another_start_service(reference) -> None:
    net, tl, regions = reference
    impact = blast_radius(net, tl, regions, start_service=net.node("pos-b"))
    assert [c["service"] for c in impact.compromised] == ["pos-b"]


def test_api_impact_checks_its_arguments() -> None:
    with pytest.raises(ParameterError, match=r"^threshold: expected a share in \(0, 1\], got 0"):
        api.impact("ocs-2022", threshold=0)
    with pytest.raises(ParameterError, match=r"^max_order: expected 1 to 4, got 5"):
        api.impact("ocs-2022", max_order=5)
    with pytest.raises(ParameterError, match=r"^service: unknown service 'dc-wsm'"):
        api.impact("ocs-2022", service="dc-wsm")


# --- Coop, July 2021 ------------------------------------------------------------------


def test_coop_first_day_only_the_other_till_regions_sell() -> None:
    loaded = api.load("coop-kaseya-2021")
    first = report("coop-kaseya-2021")["views"][0]
    assert first["label"] == "first day"
    full = {r["region"] for r in first["regions"] if r["selling_full"] == r["stores"]}
    assert full == OTHER_POS
    for r in first["regions"]:
        if r["region"] in OTHER_POS:
            assert r["sell_capacity_share"] == 1.0 and r["closed"] == 0
        else:  # every store there is closed: capacity 0
            assert (r["closed"], r["selling_full"], r["selling_partial"]) == (r["stores"], 0, 0)
            assert r["sell_capacity_share"] == 0.0
    sell = {g["status"]: g for g in groups(first, "store.sell")}
    assert set(sell) == {"full", "none"}
    in_other = int(np.isin(loaded.stores.regions, sorted(OTHER_POS)).sum())
    assert sell["full"]["stores"] == in_other == 100
    assert set(sell["full"]["regions"]) == OTHER_POS
    assert sell["none"]["stores"] == len(loaded.stores) - in_other == 700
    assert not OTHER_POS & set(sell["none"]["regions"])


def test_coop_with_the_app_rolled_out() -> None:
    max_sites = api.load("coop-kaseya-2021").scenario.incident.fallbacks["scan-and-pay"].max_sites
    rolled = report("coop-kaseya-2021")["views"][1]
    assert rolled["label"] == "fallbacks rolled out"
    partial = [g for g in groups(rolled, "store.sell") if g["status"] == "partial"]
    assert [g["capacity"] for g in partial] == [pytest.approx(0.3)]
    assert 0 < partial[0]["stores"] <= max_sites
    assert not OTHER_POS & set(partial[0]["regions"])
    for r in rolled["regions"]:
        if r["region"] in OTHER_POS:
            assert r["selling_full"] == r["stores"]
        else:
            assert r["selling_full"] == 0 and r["sell_capacity_share"] < 1
    assert sum(r["selling_partial"] for r in rolled["regions"]) == partial[0]["stores"]


def test_coop_attack_path_and_cuts() -> None:
    coop = report("coop-kaseya-2021")
    assert [c["path"] for c in coop["compromised"]] == [
        ["vsa-vendor"],
        ["vsa-vendor", "msp-vsa"],
        ["vsa-vendor", "msp-vsa", "pos-main"],
    ]
    sell = coop["cuts"]["store.sell"]
    assert sell["single_points_of_failure"] == []
    assert [c["nodes"] for c in sell["minimal_cut_sets"]] == [("pos-main", "scan-and-pay")]
    receive = coop["cuts"]["store.receive"]["single_points_of_failure"]
    assert [c["nodes"] for c in receive] == [("dc-national/dc.ship",)]


# --- OCS, August 2022 -------------------------------------------------------------------


def test_ocs_no_store_can_receive_but_every_store_sells() -> None:
    stores = len(api.load("ocs-2022").stores)
    for view in report("ocs-2022")["views"]:
        receive = groups(view, "store.receive")
        assert [(g["status"], g["capacity"], g["stores"]) for g in receive] == [
            ("none", 0.0, stores),
        ]
        sell = groups(view, "store.sell")
        assert [(g["status"], g["capacity"], g["stores"]) for g in sell] == [("full", 1.0, stores)]
        assert all(r["selling_full"] == r["stores"] for r in view["regions"])
        assert view["sell_capacity_share"] == 1.0


def test_ocs_outbound_is_isolated_and_the_online_channel_is_down() -> None:
    ocs = report("ocs-2022")
    assert ocs["isolated"] == [
        "link dc-wms -> dc-guelph/dc.ship",
        "link dc-wms -> dc-guelph/dc.pick",
        "link dc-tms -> dc-guelph/dc.ship",
    ]
    sites = {s["node"]: s for s in ocs["views"][0]["sites"]}
    assert sites["dc-guelph/dc.ship"]["capacity"] == 0
    assert sites["dc-guelph/dc.pick"]["capacity"] == 0
    assert sites["ocs-online/channel.online"]["capacity"] == 0
    assert sites["ocs-online/channel.online"]["reason"] == "needs dc-guelph/dc.ship (none)"
    assert sites["dc-guelph/dc.receive"]["capacity"] == 0.5  # received on paper
    assert sites["dc-guelph/wholesale.ordering"]["capacity"] == 1.0  # stores can still order


def test_ocs_isolation_alone_stops_deliveries() -> None:
    # even if the attack never leaves the parent's IT, the precautionary cut stops shipping
    ocs = api.impact("ocs-2022", overrides=["control=[]"])
    assert [c["service"] for c in ocs["compromised"]] == ["parent-corporate-it"]
    [receive] = groups(ocs["views"][0], "store.receive")
    assert receive["status"] == "none" and receive["stores"] == 1333
