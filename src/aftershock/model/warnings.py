"""Suspicious inputs: what a valid scenario holds that probably does not mean what it says.

Each check returns ``(location, message)`` pairs, like ``checks.py``; the loader maps
locations to lines and keeps the warnings on :class:`~aftershock.model.stores.LoadedScenario`,
and every output (CLI, ``--json``, Python API, web API, dashboard) shows them. A warning
never stops a run.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from aftershock.model.checks import Finding
from aftershock.model.scenario import Scenario
from aftershock.model.stores import StoreFrame, normal_order_lines, store_dc_names

#: Store-table column that names the DC serving a store (several-DC networks, issue 12).
DC_COLUMN = "dc"


def scenario_warnings(scenario: Scenario, stores: StoreFrame) -> list[Finding]:
    """Every suspicious input of a validated scenario, in file order."""
    return [
        *_dc_warnings(scenario, stores),
        *_restore_warnings(scenario),
        *_order_cap_warnings(scenario, stores),
        *_dc_rule_warnings(scenario, stores),
    ]


def stores_of_dcs(scenario: Scenario, stores: StoreFrame) -> dict[str, np.ndarray]:
    """Boolean mask of the stores each DC serves normally, by DC id in listing order.

    A store is served by the DC its ``dc`` cell names, else by ``sites.stores.defaults.dc``,
    else by the only DC (:func:`~aftershock.model.stores.store_dc_names`, as the engine).
    """
    names = store_dc_names(scenario, stores)
    return {dc.id: names == dc.id for dc in scenario.sites.dcs}


def _dc_warnings(scenario: Scenario, stores: StoreFrame) -> Iterator[Finding]:
    """Per DC, on its own stores: a DC that serves none, and a DC slower than their demand."""
    dcs = scenario.sites.dcs
    served = stores_of_dcs(scenario, stores)
    week = float(np.mean(scenario.demand.weekday_factors))
    backup_of = {b.dc for dc in dcs for b in dc.backups}
    for i, dc in enumerate(dcs):
        mask = served[dc.id]
        n = int(mask.sum())
        if n == 0:
            if dc.id in backup_of:
                continue  # a standby DC: it ships only for the DCs it backs up
            yield (
                ("sites", "dcs", i),
                (
                    f"DC '{dc.id}' serves no store: {_why_no_store(scenario, stores, dc.id)}; its "
                    "capacity, shifts and surge change no result, and an incident at this DC loses no "
                    "sales (as a standby DC, list it as a backup of another DC)"
                ),
            )
            continue
        demand = float(stores.demand_units_per_day[mask].sum()) * week
        capacity = dc.pick_capacity_units_per_day
        if capacity < demand:
            yield (
                ("sites", "dcs", i, "pick_capacity_units_per_day"),
                f"normal pick capacity {_units(capacity)} units a day is below the normal demand of "
                f"the {n:,} store(s) it serves, {_units(demand)} units a day: the DC falls behind "
                f"by about {_units(demand - capacity)} units a day before any incident, so backlog "
                "and lost sales grow even without the attack and are not all the incident's",
            )


def _why_no_store(scenario: Scenario, stores: StoreFrame, dc: str) -> str:
    """Why no store is assigned to ``dc``, in the terms of the file."""
    if len(stores) == 0:
        return "the store table has no stores"
    default = scenario.sites.stores.defaults.dc
    if DC_COLUMN not in stores.attributes:
        if default is not None:
            return (
                f"the store table has no `{DC_COLUMN}` column and sites.stores.defaults.dc sends "
                f"every store to '{default}'"
            )
        return f"the store table has no `{DC_COLUMN}` column to assign stores to it"
    why = f"no store in the store table names '{dc}' in its `{DC_COLUMN}` column"
    if default is not None:
        why += f", and stores without one go to '{default}' (sites.stores.defaults.dc)"
    return why


def reachable_services(scenario: Scenario, starts: list[str]) -> set[str]:
    """Services a compromise of ``starts`` can reach along control edges with ``p > 0``."""
    edges: dict[str, list[str]] = {}
    for edge in scenario.control:
        if edge.p > 0:
            edges.setdefault(edge.from_, []).append(edge.to)
    seen = set(starts)
    todo = list(starts)
    while todo:
        for nxt in edges.get(todo.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _restore_warnings(scenario: Scenario) -> Iterator[Finding]:
    entry = scenario.incident.compromise.service
    # every place an attack can start: the threats' services and the common causes' entries
    starts = {t.service for t in scenario.threats}
    starts |= {e.service for cause in scenario.common_causes for e in cause.entries}
    threats = sorted(starts - {entry})
    reached = reachable_services(scenario, [entry, *threats])
    for service in scenario.incident.restore:
        if service in reached:
            continue
        starts = f"'{entry}', where the incident starts"
        if threats:
            starts += ", or from the services where the threats start (" + ", ".join(threats) + ")"
        yield (
            ("incident", "restore", service),
            f"'{service}' can never be compromised: no attack path (control edges with p > 0) leads "
            f"to it from {starts}; this restore entry changes no result (check the service id "
            "and the control edges)",
        )


def _order_cap_warnings(scenario: Scenario, stores: StoreFrame) -> Iterator[Finding]:
    """A cap below a normal order line, judged on the stores of the DCs the cap covers."""
    cap = scenario.plan.order_cap
    if cap is None or len(stores) == 0:
        return
    capped = np.ones(len(stores), dtype=bool)
    where = ""
    if cap.dcs is not None:
        capped = np.isin(store_dc_names(scenario, stores), list(cap.dcs))
        where = f" at the stores of {', '.join(repr(d) for d in cap.dcs)}"
        if not capped.any():
            return
    until = "" if cap.until_day is None else f" until day {cap.until_day}"
    effect = (
        "stores that order only their normal demand are cut too, so while the cap applies (from "
        f"day {cap.from_day}{until}) the results include a shortage the cap itself makes"
    )
    if cap.fraction_of_normal is not None and cap.fraction_of_normal < 1:
        yield (
            ("plan", "order_cap", "fraction_of_normal"),
            f"the order cap allows {100 * cap.fraction_of_normal:.0f}% of a normal order line (a "
            f"store's demand for the item over its review period){where}, below a normal order: {effect}",
        )
    if cap.units is not None:
        lines = normal_order_lines(scenario, stores)[capped].ravel()
        median = float(np.median(lines))
        if cap.units < median:
            above = float((lines > cap.units).mean())
            yield (
                ("plan", "order_cap", "units"),
                f"the order cap of {_units(cap.units)} units per order line is below a typical "
                f"store's normal order line{where} (median {_units(median)} units: demand over the "
                f"review period); {100 * above:.0f}% of normal order lines are larger: {effect}",
            )


def _dc_rule_warnings(scenario: Scenario, stores: StoreFrame) -> Iterator[Finding]:
    """Rules on DC capabilities that change nothing, or that block a backup.

    * ``dc.receive`` matters only at a DC with ``supply`` (its inbound); elsewhere the DC's
      stock is unlimited and the rule changes no result.
    * a store's ``store.receive`` that needs its own DC's ``dc.ship`` (with no other way in)
      also stops every delivery from that DC's backups while the DC is down: the engine
      already stops a DC that cannot ship, so such a rule only switches the backup off.
    """
    from aftershock.model.checks import select_sites

    with_supply = {dc.id for dc in scenario.sites.dcs if dc.supply is not None}
    all_dcs = {dc.id for dc in scenario.sites.dcs}
    backed_up = {dc.id: {b.dc for b in dc.backups} for dc in scenario.sites.dcs if dc.backups}
    dc_of = dict(zip(stores.ids.tolist(), store_dc_names(scenario, stores).tolist(), strict=True))
    for i, rule in enumerate(scenario.requires):
        if rule.site is None:
            continue
        picked = select_sites(rule.site, scenario, stores)
        if rule.capability == "dc.receive":
            idle = sorted(d for d in picked if d in all_dcs and d not in with_supply)
            if idle:
                yield (
                    ("requires", i, "capability"),
                    f"dc.receive of {', '.join(repr(d) for d in idle)} changes no result: a DC without "
                    "a supply section has unlimited stock, so its inbound is not simulated (add "
                    "`supply` to the DC to make receiving matter)",
                )
        elif rule.capability == "store.receive" and backed_up:
            for primary, backups in sorted(backed_up.items()):
                if not any(dc_of.get(s) == primary for s in picked):
                    continue
                blocks = any(
                    all(alt.site == primary and alt.capability in ("dc.ship", "dc.pick") for alt in group)
                    for group in rule.groups
                )
                if blocks:
                    yield (
                        ("requires", i, "groups"),
                        f"the stores of '{primary}' can receive only while '{primary}' ships, so its "
                        f"backup ({', '.join(sorted(backups))}) can never deliver to them while it is "
                        "down; the engine already stops a DC that cannot ship, so leave store.receive "
                        "to the stores' own receiving (or drop the rule)",
                    )
                    break


def _units(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:,.3g}"
