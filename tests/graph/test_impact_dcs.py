"""Impact and cut sets on several DCs: each store follows its own DC, or that DC's backup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from aftershock import api
from aftershock.cli.app import main
from aftershock.graph import compile_network, minimal_cut_sets
from aftershock.graph.cuts import DELIVERIES, DcRoutes, minimal_cut_sets_by_group
from aftershock.io import load_scenario
from aftershock.testing import two_dc_scenario

A, B = "dc-a", "dc-b"


def two_dcs(folder: Path, **kwargs: Any) -> Path:
    """dc-a serves two stores of 10 a day (40% of demand), dc-b one of 30 (60%); each DC's
    dc.ship needs its own WMS; the store table names no store.receive rule at all."""
    return two_dc_scenario(folder, stores={A: [10, 10], B: [30]}, capacity={A: 100, B: 100}, **kwargs)


def nodes(cuts: list) -> list[tuple[str, ...]]:
    return [c.nodes for c in cuts]


def test_deliveries_follow_each_store_to_its_dc(tmp_path: Path) -> None:
    loaded = load_scenario(two_dcs(tmp_path))
    net = compile_network(loaded)
    routes = DcRoutes.of(loaded, net)
    assert routes.dc_ids == (A, B) and routes.store_dc.tolist() == [0, 0, 1]
    # without a store.receive rule the graph alone sees no DC behind a store ...
    assert minimal_cut_sets(net, "store.receive", threshold=0.3, max_order=2) == []
    # ... the engine's path does: dc-b's 60% hangs on its WMS, pick and ship
    chain = minimal_cut_sets(net, DELIVERIES, threshold=0.5, max_order=2, routes=routes)
    assert nodes(chain) == [("wms-dc-b",), ("dc-b/dc.pick",), ("dc-b/dc.ship",)]
    assert {c.demand_share for c in chain} == {0.6}
    # a cut across both DCs zeroes everything
    every = minimal_cut_sets(net, DELIVERIES, threshold=1.0, max_order=2, routes=routes)
    assert ("wms-dc-a", "wms-dc-b") in nodes(every)
    with pytest.raises(ValueError, match="deliveries need the DC routes"):
        minimal_cut_sets(net, DELIVERIES)


def test_cut_sets_of_each_dcs_stores_and_of_a_backup(tmp_path: Path) -> None:
    loaded = load_scenario(two_dcs(tmp_path / "alone"))
    net = compile_network(loaded)
    routes = DcRoutes.of(loaded, net)
    groups = np.array([[True, True, False], [False, False, True]])
    per_dc = minimal_cut_sets_by_group(net, groups, DELIVERIES, threshold=0.5, max_order=2, routes=routes)
    assert nodes(per_dc[0]) == [("wms-dc-a",), ("dc-a/dc.pick",), ("dc-a/dc.ship",)]
    assert nodes(per_dc[1]) == [("wms-dc-b",), ("dc-b/dc.pick",), ("dc-b/dc.ship",)]
    assert all(c.demand_share == 1.0 for found in per_dc for c in found)
    # one group of every store is the chain-wide search
    whole = minimal_cut_sets_by_group(net, np.ones((1, 3), bool), DELIVERIES, routes=routes)[0]
    assert whole == minimal_cut_sets(net, DELIVERIES, routes=routes)

    # dc-b backs dc-a up: no single node cuts dc-a's stores any more, only pairs across DCs
    backed = load_scenario(two_dcs(tmp_path / "backed", backups={A: [{"dc": B, "share_of_spare": 0.5}]}))
    net = compile_network(backed)
    routes = DcRoutes.of(backed, net)
    per_dc = minimal_cut_sets_by_group(net, groups, DELIVERIES, threshold=0.5, max_order=2, routes=routes)
    assert all(len(c.nodes) == 2 for c in per_dc[0])
    assert ("wms-dc-a", "wms-dc-b") in nodes(per_dc[0])
    assert nodes(per_dc[1]) == [("wms-dc-b",), ("dc-b/dc.pick",), ("dc-b/dc.ship",)]

    # a backup that may lend nothing covers nothing
    idle = load_scenario(two_dcs(tmp_path / "idle", backups={A: [{"dc": B, "share_of_spare": 0.0}]}))
    net = compile_network(idle)
    routes = DcRoutes.of(idle, net)
    per_dc = minimal_cut_sets_by_group(net, groups, DELIVERIES, threshold=0.5, max_order=1, routes=routes)
    assert nodes(per_dc[0]) == [("wms-dc-a",), ("dc-a/dc.pick",), ("dc-a/dc.ship",)]


def test_impact_has_a_row_per_dc_and_counts_stores_by_dc(tmp_path: Path) -> None:
    # listed b before a: every output still goes in id order
    path = two_dcs(
        tmp_path, pause={A: (0, 5)}, backups={A: [{"dc": B, "share_of_spare": 0.5}]}, listed=[B, A]
    )
    report = api.impact(path)
    view = report["views"][0]
    rows = {r["dc"]: r for r in view["dcs"]}
    assert [r["dc"] for r in view["dcs"]] == [A, B]
    a, b = rows[A], rows[B]
    assert (a["status"], a["covered_by"], a["stores"]) == ("none", B, 2)
    assert "wms-dc-a (isolated (precaution))" in a["reason"]
    assert a["deliveries"] == {"full": 0, "partial": 2, "none": 0}
    assert (b["status"], b["covered_by"], b["deliveries"]["full"]) == ("full", None, 1)
    assert a["selling"] == {"full": 2, "partial": 0, "closed": 0}
    deliveries = [g for g in view["store_groups"] if g["capability"] == DELIVERIES]
    assert [(g["status"], g["dcs"]) for g in deliveries] == [("full", {B: 1}), ("partial", {A: 2})]
    assert "backup dc-b covers" in deliveries[1]["reason"]
    sell = [g for g in view["store_groups"] if g["capability"] == "store.sell"]
    assert sell[0]["dcs"] == {A: 2, B: 1}
    # cut sets over the chain and over each DC's own stores
    assert [c["nodes"] for c in report["cuts"][DELIVERIES]["single_points_of_failure"]] == [
        ("wms-dc-b",),
        ("dc-b/dc.pick",),
        ("dc-b/dc.ship",),
    ]
    by_dc = report["cuts_by_dc"]
    assert list(by_dc) == [A, B]
    assert (by_dc[A]["stores"], by_dc[A]["demand_share"]) == (2, pytest.approx(0.4))
    assert by_dc[A]["cuts"][DELIVERIES]["single_points_of_failure"] == []
    pairs = [set(c["nodes"]) for c in by_dc[A]["cuts"][DELIVERIES]["minimal_cut_sets"]]
    assert {"wms-dc-a", "wms-dc-b"} in pairs


def test_a_dc_with_no_backup_that_stops_cuts_its_stores_off(tmp_path: Path) -> None:
    report = api.impact(two_dcs(tmp_path, pause={A: (0, 5)}))
    a = report["views"][0]["dcs"][0]
    assert (a["dc"], a["covered_by"], a["deliveries"]["none"]) == (A, None, 2)
    groups = [g for g in report["views"][0]["store_groups"] if g["capability"] == DELIVERIES]
    assert any(g["status"] == "none" and "it has no backup DC" in g["reason"] for g in groups)


def test_one_dc_and_no_dc_keep_their_report(tmp_path: Path) -> None:
    ocs = api.impact("ocs-2022")
    assert [r["dc"] for r in ocs["views"][0]["dcs"]] == ["dc-guelph"]
    assert list(ocs["cuts_by_dc"]) == ["dc-guelph"]
    # one DC: deliveries and a store.receive rule on its dc.ship find the same cuts
    receive = [c["nodes"] for c in ocs["cuts"]["store.receive"]["minimal_cut_sets"]]
    assert set(receive) <= {tuple(c["nodes"]) for c in ocs["cuts"][DELIVERIES]["minimal_cut_sets"]}


def test_impact_cli_prints_the_dc_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = two_dcs(tmp_path, pause={A: (0, 5)}, backups={A: [{"dc": B}]})
    with pytest.raises(SystemExit) as exc:
        main(["impact", str(path)])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "DCs and their stores" in out and "Cut sets of each DC's stores" in out
    assert "wms-dc-a + wms-dc-b" in out
