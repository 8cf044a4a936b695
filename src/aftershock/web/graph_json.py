"""The dependency and attack-path graph of a scenario as nodes and edges for Cytoscape.js.

Stores are grouped by the rule that selects them (``pos_system=main``: 800 stores), so a
chain of thousands of stores stays a readable graph; a DC's nodes say how many stores it serves.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from aftershock.model.checks import select_sites, site_kinds
from aftershock.model.network import SiteSelector
from aftershock.model.stores import LoadedScenario, store_dc_names


def _selector_text(sel: SiteSelector) -> str:
    """The selector in a few words; its keys combine as AND, so every given key is shown."""
    parts = []
    if sel.id:
        parts.append(sel.id)
    if sel.ids:
        parts.append(",".join(sel.ids))
    if sel.where:
        parts.append(" & ".join(f"{k}={v}" for k, v in sel.where.items()))
    if sel.kind and not parts:
        parts.append(f"every {sel.kind}")
    elif sel.kind:
        parts.append(f"{sel.kind}s only")
    return " & ".join(parts)


def scenario_graph(loaded: LoadedScenario) -> dict[str, Any]:
    """``{"nodes": [...], "edges": [...]}`` in Cytoscape's element format."""
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
                "type": "service",
                "kind": svc.kind,
                "party": svc.party,
            }
        }

    def site_node(site: str, capability: str) -> str:
        ident = f"{site}/{capability}"
        if ident not in nodes:
            kind = kinds.get(site, "site")
            data: dict[str, Any] = {"id": ident, "label": ident, "type": kind}
            if kind == "dc":
                count = served.get(site, 0)
                data["stores"] = count
                data["label"] = f"{site} ({count} store{'' if count == 1 else 's'})\n{capability}"
            nodes[ident] = {"data": data}
        return ident

    for i, rule in enumerate(scenario.requires):
        if rule.service is not None:
            target = rule.service
        else:
            assert rule.site is not None and rule.capability is not None
            sel = rule.site
            if sel.id and kinds.get(sel.id) != "store":
                target = site_node(sel.id, rule.capability.value)
            else:
                text = _selector_text(sel)
                # the stores the engine and the checks select (model.checks.select_sites)
                count = sum(1 for site in select_sites(sel, scenario, stores) if kinds.get(site) == "store")
                target = f"stores[{text}]/{rule.capability.value}"
                nodes.setdefault(
                    target,
                    {
                        "data": {
                            "id": target,
                            "label": f"{count} stores ({text})\n{rule.capability.value}",
                            "type": "stores",
                            "stores": count,
                        }
                    },
                )
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
                edges.append(
                    {
                        "data": {
                            "id": f"r{i}.{g}.{source}",
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
    return {"nodes": list(nodes.values()), "edges": edges, "compromise": scenario.incident.compromise.service}
