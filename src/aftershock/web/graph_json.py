"""The dependency and attack-path graph of a scenario as nodes and edges for Cytoscape.js.

Stores are grouped by the rule that selects them ("700 stores where pos_system is main"), so a
chain of thousands of stores stays a readable graph; a DC's nodes say how many stores it serves.

The drawing style travels with the graph (``STYLE``): graph.js hands the same table to
Cytoscape and builds the page's legend from it, so the legend cannot disagree with the drawing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from aftershock.model.checks import select_sites, site_kinds
from aftershock.model.network import SiteSelector
from aftershock.model.stores import LoadedScenario, store_dc_names

# Colours: the palette of the dashboard; every node type also differs by shape, so the graph
# reads without colour vision.
_GREY = "#6e7781"
_RED = "#d62728"
_ORANGE = "#f5a524"

# Label sizes are in graph units; graph.js keeps the default zoom at or above 12/13, so a
# label is at least 12 px on screen, and min-zoomed-font-size hides labels (rather than
# letting them overlap in a smudge) once zooming out makes them smaller than 10 px.
_LABEL: dict[str, Any] = {
    "font-size": 13,
    "min-zoomed-font-size": 10,
    "text-wrap": "wrap",
    "text-overflow-wrap": "whitespace",
    "text-max-width": 170,
    "text-valign": "bottom",
    "text-margin-y": 4,
    "color": "#1f2328",
    "text-background-color": "#ffffff",
    "text-background-opacity": 0.85,
    "text-background-padding": 2,
}

# One row per Cytoscape rule: its selector, its style, and either a legend entry (the words
# and a sample element the legend draws through the same rules) or None for rules that only
# place labels. ``always`` legend rows describe highlights no element has until one is chosen.
STYLE: list[dict[str, Any]] = [
    {"selector": "node", "style": {"label": "data(label)", **_LABEL}, "legend": None},
    {
        "selector": 'node[type = "service"]',
        "style": {"shape": "ellipse", "background-color": "#0b5cad", "width": 30, "height": 30},
        "legend": {
            "text": "Service (an IT system, with the party that runs it)",
            "sample": {"type": "service"},
        },
    },
    {
        "selector": 'node[type = "stores"]',
        "style": {"shape": "round-rectangle", "background-color": "#2e7d32", "width": 40, "height": 26},
        "legend": {
            "text": "Group of stores a rule selects, with the capability it needs",
            "sample": {"type": "stores"},
        },
    },
    {
        "selector": 'node[type = "store"]',
        "style": {"shape": "rectangle", "background-color": "#2e7d32", "width": 22, "height": 22},
        "legend": {"text": "One store's capability", "sample": {"type": "store"}},
    },
    {
        "selector": 'node[type = "dc"]',
        "style": {"shape": "diamond", "background-color": "#6a1b9a", "width": 34, "height": 34},
        "legend": {
            "text": "Distribution centre capability (and the stores it serves)",
            "sample": {"type": "dc"},
        },
    },
    {
        "selector": 'node[type = "channel"]',
        "style": {"shape": "hexagon", "background-color": "#8a4b08", "width": 32, "height": 30},
        "legend": {"text": "Sales channel (e.g. online)", "sample": {"type": "channel"}},
    },
    {
        "selector": "edge",
        "style": {
            "width": 2,
            "curve-style": "bezier",
            "target-arrow-shape": "triangle",
            "line-color": _GREY,
            "target-arrow-color": _GREY,
            "label": "data(label)",
            **{k: v for k, v in _LABEL.items() if k not in ("text-valign", "text-margin-y")},
        },
        "legend": {
            "text": "Requires: the target needs the source (“or”: any one will do; ×0.5: half capacity)",
            "sample": {"type": "requires"},
        },
    },
    {
        "selector": 'edge[type = "control"]',
        "style": {"line-style": "dashed", "line-color": _RED, "target-arrow-color": _RED},
        "legend": {
            "text": "Control: a compromise can spread along it (p = chance)",
            "sample": {"type": "control"},
        },
    },
    {
        "selector": ".dependent",
        "style": {"line-color": _ORANGE, "target-arrow-color": _ORANGE, "background-color": _ORANGE},
        "legend": {
            "text": "Depends on the chosen node (orange)",
            "sample": {"type": "service", "classes": "dependent"},
            "always": True,
        },
    },
    {
        "selector": ".blast",
        "style": {"background-color": _RED, "border-width": 3, "border-color": "#000000"},
        "legend": {
            "text": "Compromised in the blast radius of the chosen service (red, black ring)",
            "sample": {"type": "service", "classes": "blast"},
            "always": True,
        },
    },
    {
        "selector": "node:selected",
        "style": {"border-width": 4, "border-color": _ORANGE},
        "legend": {
            "text": "The chosen node (orange ring)",
            "sample": {"type": "service", "selected": True},
            "always": True,
        },
    },
    # narrow screens: a label's short form (the id), sized by graph.js to stay 12 px on screen
    {
        "selector": "node.short",
        "style": {"label": "data(short)", "font-size": "data(fontSize)", "text-max-width": "data(textWidth)"},
        "legend": None,
    },
    {
        # labels that would overlap another, and on narrow screens all but services' and DCs'
        # (graph.js adds the class)
        "selector": "node.nolabel",
        "style": {"label": ""},
        "legend": {
            "text": "No label (it would overlap another): choose the node in the list to read it",
            "sample": {"type": "stores", "classes": "nolabel"},
        },
    },
]


def words_or(values: Iterable[object], last: str = "or") -> str:
    """``["east", "south", "west"]`` as ``east, south or west`` (a single value as itself)."""
    items = [str(v) for v in values]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def _value_words(value: object) -> str:
    """A ``where`` value in words: a list means any of its values."""
    return words_or(value) if isinstance(value, list | tuple) else str(value)


def selector_words(sel: SiteSelector) -> str:
    """What a selector picks, after the store count: ``where region is east, south or west``,
    ``of s1, s3 and s4 where tier is A``, or ``(every store)``. Keys combine as AND."""
    parts = []
    if sel.id:
        parts.append(f"({sel.id})")
    if sel.ids:
        parts.append(f"of {words_or(sel.ids, 'and')}")
    if sel.where:
        parts.append("where " + " and ".join(f"{k} is {_value_words(v)}" for k, v in sel.where.items()))
    if not parts:
        parts.append(f"(every {sel.kind or 'store'})")
    return " ".join(parts)


def _selector_key(sel: SiteSelector) -> str:
    """A short stable key for the node id (ids are not shown; labels use selector_words)."""
    parts = []
    if sel.id:
        parts.append(sel.id)
    if sel.ids:
        parts.append(",".join(sel.ids))
    if sel.where:
        parts.append(
            " & ".join(
                f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in sel.where.items()
            )
        )
    if sel.kind and not parts:
        parts.append(f"every {sel.kind}")
    elif sel.kind:
        parts.append(f"{sel.kind}s only")
    return " & ".join(parts)


def scenario_graph(loaded: LoadedScenario) -> dict[str, Any]:
    """``{"nodes", "edges", "compromise", "style"}``: elements in Cytoscape's format, the
    incident's first compromised service, and the style table (``STYLE``) with its legend."""
    scenario, stores = loaded.scenario, loaded.stores
    kinds = site_kinds(scenario, stores)
    nodes: dict[str, dict[str, Any]] = {}
    edges: list[dict[str, Any]] = []
    party_name = {p.id: p.name or p.id for p in scenario.parties}
    # the stores each DC serves (the engine's store → DC assignment)
    served = Counter(store_dc_names(scenario, stores).tolist())
    for svc in scenario.services:
        nodes[svc.id] = {
            "data": {
                "id": svc.id,
                "label": f"{svc.id}\n({party_name.get(svc.party, svc.party)})",
                "short": svc.id,
                "type": "service",
                "kind": svc.kind,
                "party": svc.party,
            }
        }

    def site_node(site: str, capability: str) -> str:
        ident = f"{site}/{capability}"
        if ident not in nodes:
            kind = kinds.get(site, "store")
            data: dict[str, Any] = {
                "id": ident,
                "label": f"{site}\n{capability}",
                "short": site,
                "type": kind,
            }
            if kind == "dc":
                count = served.get(site, 0)
                data["stores"] = count
                data["label"] = f"{site} ({count} store{'' if count == 1 else 's'})\n{capability}"
            nodes[ident] = {"data": data}
        return ident

    for i, rule in enumerate(scenario.requires):
        if rule.service is not None:
            targets = [rule.service]
        else:
            assert rule.site is not None and rule.capability is not None
            sel = rule.site
            capability = rule.capability.value
            named = [sel.id] if sel.id else list(sel.ids or [])
            if named and not sel.where and all(kinds.get(s) not in (None, "store") for s in named):
                # DCs or channels named one by one: each is its own node, not a "0 stores" group
                targets = [site_node(s, capability) for s in named]
            else:
                # the stores the engine and the checks select (model.checks.select_sites)
                count = sum(1 for site in select_sites(sel, scenario, stores) if kinds.get(site) == "store")
                target = f"stores[{_selector_key(sel)}]/{capability}"
                noun = "store" if count == 1 else "stores"
                nodes.setdefault(
                    target,
                    {
                        "data": {
                            "id": target,
                            "label": f"{count} {noun} {selector_words(sel)}\n{capability}",
                            "short": f"{count} {noun}",
                            "type": "stores",
                            "stores": count,
                        }
                    },
                )
                targets = [target]
        for g, group in enumerate(rule.groups):
            for alt in group:
                if alt.service is not None:
                    source = alt.service
                else:
                    assert alt.site is not None and alt.capability is not None
                    source = site_node(alt.site, alt.capability.value)
                label = "" if alt.factor >= 1 else f"×{alt.factor:g}"
                if len(group) > 1:
                    label = (label + " or").strip()
                for target in targets:
                    suffix = "" if len(targets) == 1 else f">{target}"
                    edges.append(
                        {
                            "data": {
                                "id": f"r{i}.{g}.{source}{suffix}",
                                "source": source,
                                "target": target,
                                "type": "requires",
                                "label": label,
                                "group": g,
                            }
                        }
                    )
    for i, edge in enumerate(scenario.control):
        edges.append(
            {
                "data": {
                    "id": f"c{i}",
                    "source": edge.from_,
                    "target": edge.to,
                    "type": "control",
                    "label": f"p={edge.p:g}",
                }
            }
        )
    return {
        "nodes": list(nodes.values()),
        "edges": edges,
        "compromise": scenario.incident.compromise.service,
        "style": STYLE,
    }
