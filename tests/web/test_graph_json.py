"""The dashboard's dependency graph counts the stores a selector really picks."""

from __future__ import annotations

from pathlib import Path

from aftershock import api
from aftershock.testing import scenario_dict, write_scenario
from aftershock.web.graph_json import scenario_graph


def test_store_groups_count_the_stores_every_key_of_the_selector_picks(tmp_path: Path) -> None:
    # reference stores: s1, s2, s4 on till system a (s1, s2 in the north), s3 on b
    data = scenario_dict()
    data["requires"].append(
        {
            "site": {"ids": ["s1", "s3", "s4"], "where": {"pos_system": "a"}},
            "capability": "store.order",
            "groups": [[{"service": "wms"}]],
        }
    )
    graph = scenario_graph(api.load(write_scenario(tmp_path, data)))
    groups = {n["data"]["id"]: n["data"] for n in graph["nodes"] if n["data"]["type"] == "stores"}
    # ids and where together: s1 and s4 (s3 is on till system b)
    combined = groups["stores[s1,s3,s4 & pos_system=a]/store.order"]
    assert combined["stores"] == 2 and combined["label"].startswith("2 stores")
    assert groups["stores[pos_system=a]/store.sell"]["stores"] == 3
    assert groups["stores[every store]/store.receive"]["stores"] == 4
