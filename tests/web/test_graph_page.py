"""The graph page: labels in words, and a legend drawn from the very style table Cytoscape uses."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from aftershock import api
from aftershock.model.network import SiteSelector
from aftershock.testing import scenario_dict, write_scenario
from aftershock.web.graph_json import STYLE, scenario_graph, selector_words, words_or

STATIC = Path(__file__).parents[2] / "src" / "aftershock" / "web" / "static"
TEMPLATES = STATIC.parent / "templates"
# style properties that change how an element looks (not just its label's text or size)
VISUAL = {"background-color", "shape", "line-color", "line-style", "border-width", "border-color"}


def _labels(graph: dict) -> list[str]:
    return [e["data"].get("label", "") for e in graph["nodes"] + graph["edges"]]


def test_a_list_of_values_reads_as_words_not_as_a_python_list(tmp_path: Path) -> None:
    data = scenario_dict()
    data["requires"].append(
        {
            "site": {"where": {"pos_system": ["a", "b"]}},
            "capability": "store.order",
            "groups": [[{"service": "wms"}]],
        }
    )
    graph = scenario_graph(api.load(write_scenario(tmp_path, data)))
    labels = _labels(graph)
    assert not [x for x in labels if "['" in x or "']" in x or "[" in x], labels
    # the reference stores: three on till system a, one on b
    assert "4 stores where pos_system is a or b\nstore.order" in labels


def test_selectors_in_words() -> None:
    assert words_or(["east", "south", "west"]) == "east, south or west"
    assert words_or(["east"]) == "east" and words_or(["s1", "s2"], "and") == "s1 and s2"
    regions = SiteSelector(where={"region": ["east", "south", "west"]})
    assert selector_words(regions) == "where region is east, south or west"
    both = SiteSelector(ids=["s1", "s3"], where={"tier": "A", "region": ["north", "east"]})
    assert selector_words(both) == "of s1 and s3 where tier is A and region is north or east"
    assert selector_words(SiteSelector(kind="store")) == "(every store)"


def test_bundled_graphs_have_no_python_text_and_no_empty_store_groups() -> None:
    for name in ("ocs-2022", "coop-kaseya-2021", "grocer-3dc"):
        graph = scenario_graph(api.load(name))
        labels = _labels(graph)
        assert not [x for x in labels if re.search(r"\['|'\]|=\[|\{'", x)], (name, labels)
        # DCs named by a rule are DC nodes, not a "0 stores (dc-central,dc-west)" group
        groups = [n["data"] for n in graph["nodes"] if n["data"]["type"] == "stores"]
        assert all(g["stores"] > 0 for g in groups), (name, groups)
        ids = [e["data"]["id"] for e in graph["edges"]]
        assert len(ids) == len(set(ids)), name


def test_every_node_type_and_edge_type_drawn_has_a_style_rule_and_a_legend_row() -> None:
    rules = {r["selector"]: r for r in STYLE}
    for name in ("ocs-2022", "coop-kaseya-2021", "grocer-3dc"):
        graph = scenario_graph(api.load(name))
        assert graph["style"] == STYLE
        for node in graph["nodes"]:
            rule = rules.get(f'node[type = "{node["data"]["type"]}"]')
            assert rule and rule["legend"] and rule["legend"]["text"], node
        for edge in graph["edges"]:
            kind = edge["data"]["type"]
            rule = rules["edge"] if kind == "requires" else rules.get(f'edge[type = "{kind}"]')
            assert rule and rule["legend"], edge
    # a rule that changes how something looks must explain itself in the legend
    for rule in STYLE:
        looks = VISUAL & set(rule["style"])
        assert not looks or rule["legend"], rule["selector"]


def test_labels_are_at_least_12_px_and_hide_rather_than_overlap() -> None:
    node = next(r for r in STYLE if r["selector"] == "node")["style"]
    edge = next(r for r in STYLE if r["selector"] == "edge")["style"]
    for style in (node, edge):
        assert style["font-size"] >= 12 and style["min-zoomed-font-size"] >= 8
        assert style["text-wrap"] in ("wrap", "ellipsis") and style["text-max-width"] > 0
    js = (STATIC / "graph.js").read_text()
    assert "MIN_FONT = 12" in js and "NARROW = 600" in js


def test_graph_js_draws_only_from_the_table_and_every_class_it_sets_is_in_the_legend() -> None:
    js = (STATIC / "graph.js").read_text()
    # no colour or selector of its own: Cytoscape and the legend both get the JSON's table
    assert not re.findall(r"#[0-9a-fA-F]{3,6}\b", js)
    assert "table.map(({ selector, style })" in js and "rule.legend" in js
    classes = set()
    for call in re.findall(r"\.(?:addClass|removeClass)\(\"([^\"]+)\"\)", js):
        classes.update(call.split())
    assert {"dependent", "blast", "nolabel", "short"} <= classes
    selectors = " ".join(r["selector"] for r in STYLE)
    for name in classes:
        assert re.search(rf"\.{name}\b", selectors), name
        rule = next(r for r in STYLE if re.search(rf"\.{name}\b", r["selector"]))
        # "short" only swaps the label for its short form; every other class has a legend row
        assert rule["legend"] or set(rule["style"]) <= {"label", "font-size", "text-max-width"}, name


def test_the_page_has_a_legend_and_a_keyboard_path(client: TestClient) -> None:
    html = client.get("/scenarios/coop-kaseya-2021/graph").text
    assert 'id="legend-list"' in html and ">Legend</h2>" in html
    assert '<label for="node-list">Select a node</label>' in html and '<select id="node-list">' in html
    # the page says Enter works on the graph: graph.js must handle it
    assert "press Enter" in html
    assert 'addEventListener("keydown"' in (STATIC / "graph.js").read_text()
    graph = client.get("/api/scenarios/coop-kaseya-2021/graph").json()
    assert [r["selector"] for r in graph["style"]] == [r["selector"] for r in STYLE]
