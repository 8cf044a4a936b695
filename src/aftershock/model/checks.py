"""Cross-reference checks a schema alone cannot express: dangling ids, empty selectors, cycles.

Each check returns ``(location, message)`` pairs; the loader maps locations to lines.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from aftershock.model.network import SITE_CAPABILITIES, Capability, SiteSelector
from aftershock.model.scenario import Scenario
from aftershock.model.stores import StoreFrame, attribute_text, derived

if TYPE_CHECKING:
    import networkx as nx

Loc = tuple[str | int, ...]
Finding = tuple[Loc, str]


def _unknown(kind: str, value: str, known: Iterable[str]) -> str:
    known = sorted(set(known))
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.6) if len(value) <= _SHOWN else []
    hint = f"; did you mean '{_short(close[0])}'?" if close else ""
    listing = ", ".join(_short(k) for k in known[:12]) + (", ..." if len(known) > 12 else "")
    return f"unknown {kind} '{_short(value)}'{hint} (known: {listing or 'none'})"


#: Longest name quoted in a message (a store-table cell can be 100,000 characters long).
_SHOWN = 40


def _short(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def site_kinds(scenario: Scenario, stores: StoreFrame) -> dict[str, str]:
    """Map every site id to its kind: store, dc or channel."""
    return _Sites(scenario, stores).as_dict()


def store_rows(stores: StoreFrame) -> dict[str, int]:
    """Row (position) of each store id in the table, built once per table."""

    def build() -> dict[str, int]:
        rows: dict[str, int] = {}
        for i, ident in enumerate(stores.ids.tolist()):
            rows.setdefault(ident, i)  # a repeated id is its first row, as dict.fromkeys keeps it
        return rows

    return derived(stores, "rows", build)


def column_values(stores: StoreFrame, key: str) -> frozenset[str]:
    """The distinct values of the text column ``key`` (which must exist), built once per table."""
    return derived(stores, ("values", key), lambda: frozenset(stores.attributes[key].tolist()))


def _first_rows(stores: StoreFrame) -> np.ndarray:
    """Read-only mask of the rows that are a store id's first row (every row, ids being unique)."""

    def build() -> np.ndarray:
        first = np.zeros(len(stores), dtype=bool)
        first[list(store_rows(stores).values())] = True
        return first

    return derived(stores, "first", build)


def _where_mask(stores: StoreFrame, where: dict[str, object]) -> np.ndarray:
    """:meth:`StoreFrame.select` of ``where``, from one mask per key and values kept on the table
    (a scenario's selectors repeat a few ``where`` entries over every check and variant)."""
    mask: np.ndarray | None = None
    for key, wanted in where.items():
        values = wanted if isinstance(wanted, list) else [wanted]
        texts = [attribute_text(v) for v in values]
        part = derived(stores, ("where", key, tuple(texts)), partial(stores.select, {key: texts}))
        mask = part if mask is None else mask & part
    return mask if mask is not None else stores.select({})


class _Sites:
    """Every site of a scenario by id: the store table stays arrays (with its id -> row map,
    built once per table), DCs and channels are a small dict.

    Ids follow :func:`site_kinds`: a DC's or channel's kind wins over a store of the same id,
    and sites come in site order (stores in table order, then DCs, then channels).
    """

    def __init__(self, scenario: Scenario, stores: StoreFrame) -> None:
        self.stores = stores
        self.rows = store_rows(stores)
        other = {dc.id: "dc" for dc in scenario.sites.dcs}
        other.update({ch.id: "channel" for ch in scenario.sites.channels})
        self.other = other
        #: DCs and channels after the stores, in site order
        self.extras = [s for s in other if s not in self.rows]
        #: table rows whose id is a DC's or a channel's (an error _ids reports), with that kind
        self.shadowed = {self.rows[s]: k for s, k in other.items() if s in self.rows}
        first = _first_rows(stores)
        if self.shadowed:
            first = first.copy()
            first[list(self.shadowed)] = False
        #: table rows that are sites of kind store
        self.store_mask = first

    def kind(self, ident: str) -> str | None:
        """The kind of site ``ident`` (None: no such site)."""
        found = self.other.get(ident)
        if found is None and ident in self.rows:
            return "store"
        return found

    def __contains__(self, ident: str) -> bool:
        return ident in self.other or ident in self.rows

    def known(self) -> list[str]:
        """Every site id (for a message listing the known ones)."""
        return [*self.rows, *self.extras]

    def as_dict(self) -> dict[str, str]:
        kinds = dict.fromkeys(self.rows, "store")
        kinds.update(self.other)
        return kinds


@dataclass(frozen=True)
class _Selection:
    """The sites a selector picks, without a Python object per store: ``rows`` (a mask over the
    store table, picked in table order; None for none) and then ``listed`` (ids, in order)."""

    rows: np.ndarray | None
    listed: list[str]

    def ids(self, sites: _Sites) -> list[str]:
        head = sites.stores.ids[self.rows].tolist() if self.rows is not None else []
        return head + self.listed

    def __bool__(self) -> bool:
        return bool(self.listed) or (self.rows is not None and bool(self.rows.any()))

    def _shadowed(self, sites: _Sites) -> list[int]:
        """Picked table rows whose site is not a store, in table order."""
        rows = self.rows
        return [] if rows is None else sorted(r for r in sites.shadowed if rows[r])

    def kinds(self, sites: _Sites) -> set[str]:
        """The kinds of the picked sites."""
        found = {sites.kind(s) or "" for s in self.listed}
        found.update(sites.shadowed[r] for r in self._shadowed(sites))
        if self.rows is not None and (self.rows & sites.store_mask).any():
            found.add("store")
        return found

    def not_stores(self, sites: _Sites) -> list[str]:
        """Picked sites that are not stores, in pick order."""
        ids = sites.stores.ids
        return [str(ids[r]) for r in self._shadowed(sites)] + [
            s for s in self.listed if sites.kind(s) != "store"
        ]

    def store_positions(self, sites: _Sites) -> np.ndarray:
        """Table rows of the picked sites, in pick order (all picked sites being stores)."""
        head = np.flatnonzero(self.rows) if self.rows is not None else np.zeros(0, dtype=np.int64)
        tail = np.array([sites.rows[s] for s in self.listed], dtype=np.int64)
        return np.concatenate([head, tail])

    def nodes(self, sites: _Sites, capability: str) -> list[str]:
        """:func:`requires_digraph` nodes of the picked sites: stores collapse into one."""
        ids = sites.stores.ids
        others = [str(ids[r]) for r in self._shadowed(sites)] + self.listed
        found = {_node(s, sites, capability) for s in others}
        if self.rows is not None and (self.rows & sites.store_mask).any():
            found.add(f"store/{capability}")
        return sorted(found)


def _pick(selector: SiteSelector, sites: _Sites) -> _Selection:
    """:func:`select_sites` as a :class:`_Selection`."""
    if selector.id is not None or selector.ids is not None:
        listed = [selector.id] if selector.id is not None else list(selector.ids or [])
        picked = [s for s in dict.fromkeys(listed) if s in sites]
        if selector.kind is not None:
            picked = [s for s in picked if sites.kind(s) == selector.kind]
        if selector.where is not None:
            matched = _where_mask(sites.stores, selector.where)
            picked = [s for s in picked if s in sites.rows and matched[sites.rows[s]]]
        return _Selection(None, picked)
    kind = selector.kind
    if kind is None:
        rows, listed = _first_rows(sites.stores), list(sites.extras)
    elif kind == "store":
        rows, listed = sites.store_mask, []
    else:
        rows = np.zeros(len(sites.stores), dtype=bool)
        rows[[r for r, k in sites.shadowed.items() if k == kind]] = True
        listed = [s for s in sites.extras if sites.other[s] == kind]
    if selector.where is not None:
        rows = rows & _where_mask(sites.stores, selector.where)
        listed = []  # DCs and channels have no row in the store table
    return _Selection(rows, listed)


def check_scenario(scenario: Scenario, stores: StoreFrame) -> list[Finding]:
    """Every cross-reference problem in the scenario, in file order; then, for an otherwise
    sound scenario, the problems of its ``uncertainty:`` (:mod:`aftershock.model.uncertainty`)."""
    from aftershock.model.uncertainty import uncertainty_findings

    sites = _Sites(scenario, stores)
    found = [
        *_ids(scenario, sites),
        *_references(scenario, sites),
        *_dc_references(scenario, stores),
        *_channel_references(scenario, sites),
        *_cycles(scenario, sites),
    ]
    # each uncertain field is checked by loading the scenario with its lowest and highest value
    # in place: only meaningful once the scenario itself has no problem
    return found or uncertainty_findings(scenario, stores)


def check_numbers(scenario: Scenario, stores: StoreFrame) -> list[Finding]:
    """The checks of :func:`check_scenario` that can see a change of a number, in its order.

    For a scenario :func:`check_scenario` found sound with one uncertain field (always a
    number) set to another value: ids, selectors, channels and requires edges hold no number,
    so their checks would find nothing new, and each range end skips them.
    """
    sites = _Sites(scenario, stores)
    return [*_references(scenario, sites), *_dc_references(scenario, stores)]


def _ids(scenario: Scenario, sites: _Sites) -> Iterator[Finding]:
    owner: dict[str, str] = {}
    groups = [
        ("parties", [p.id for p in scenario.parties]),
        ("services", [s.id for s in scenario.services]),
        ("sites.dcs", [d.id for d in scenario.sites.dcs]),
        ("sites.channels", [c.id for c in scenario.sites.channels]),
        ("items", [i.id for i in scenario.items]),
    ]
    for where, ids in groups:
        for i, ident in enumerate(ids):
            if ident in owner:
                yield (where, i, "id"), f"id '{ident}' is already used in {owner[ident]}"
            owner.setdefault(ident, where)
    for where, ids in groups[:4]:
        for i, ident in enumerate(ids):
            if ident in sites.rows:
                yield (where, i, "id"), f"id '{ident}' is also a store id in the store table"


def select_sites(selector: SiteSelector, scenario: Scenario, stores: StoreFrame) -> list[str]:
    """Ids of the sites ``selector`` picks: those that meet every key it gives (AND).

    ``id``/``ids`` keep their listed order (without repeats); otherwise sites come in site
    order (stores in table order, then DCs, then channels). ``kind`` and ``where`` then
    filter. Ids that name no site are skipped here; :func:`check_scenario` reports them.
    This is the one place selectors are resolved (the checks and ``graph.compile`` use it).
    """
    sites = _Sites(scenario, stores)
    return _pick(selector, sites).ids(sites)


def _given_keys(selector: SiteSelector) -> list[str]:
    return [k for k in ("id", "ids", "kind", "where") if getattr(selector, k) is not None]


_NOTHING = _Selection(None, [])


def _select(selector: SiteSelector, sites: _Sites) -> tuple[_Selection, str | None]:
    """Sites a selector picks, or an error message."""
    stores = sites.stores
    listed = ([selector.id] if selector.id is not None else []) + list(selector.ids or [])
    for ident in listed:
        if ident not in sites:
            return _NOTHING, _unknown("site", ident, sites.known())
    for key, value in (selector.where or {}).items():
        if key not in stores.attributes:
            return _NOTHING, _unknown("store attribute", key, stores.attributes)
        present = column_values(stores, key)
        for v in value if isinstance(value, list) else [value]:
            text = attribute_text(v)
            if text not in present:
                return _NOTHING, _unknown(f"value of '{key}'", text, present)
    picked = _pick(selector, sites)
    given = _given_keys(selector)
    if not picked and len(given) > 1:
        return (
            _NOTHING,
            f"the selector picks no site: no site meets all of {', '.join(given)} (they combine as AND)",
        )
    return picked, None


def _capability_fits(kind: str, capability: Capability) -> bool:
    return capability in SITE_CAPABILITIES[kind]


def _references(scenario: Scenario, sites: _Sites) -> Iterator[Finding]:
    stores = sites.stores
    parties = {p.id for p in scenario.parties}
    services = {s.id for s in scenario.services}
    for i, svc in enumerate(scenario.services):
        if svc.party not in parties:
            yield ("services", i, "party"), _unknown("party", svc.party, parties)
    for i, edge in enumerate(scenario.control):
        for key, ident in (("from", edge.from_), ("to", edge.to)):
            if ident not in services:
                yield ("control", i, key), _unknown("service", ident, services)
    for i, rule in enumerate(scenario.requires):
        if rule.service is not None and rule.service not in services:
            yield ("requires", i, "service"), _unknown("service", rule.service, services)
        if rule.site is not None and rule.capability is not None:
            picked, error = _select(rule.site, sites)
            if error:
                yield ("requires", i, "site"), error
            elif not picked:
                yield ("requires", i, "site"), "the selector picks no site"
            else:
                bad = sorted(k for k in picked.kinds(sites) if not _capability_fits(k, rule.capability))
                if bad:
                    yield (
                        ("requires", i, "capability"),
                        f"'{rule.capability}' is not a capability of a {bad[0]} "
                        f"(a {bad[0]} has: {', '.join(SITE_CAPABILITIES[bad[0]])})",
                    )
        for g, group in enumerate(rule.groups):
            for a, alt in enumerate(group):
                loc = ("requires", i, "groups", g, a)
                if alt.service is not None and alt.service not in services:
                    yield (*loc, "service"), _unknown("service", alt.service, services)
                if alt.site is not None:
                    kind = sites.kind(alt.site)
                    if kind is None:
                        yield (*loc, "site"), _unknown("site", alt.site, sites.known())
                    elif alt.capability is not None and not _capability_fits(kind, alt.capability):
                        yield (
                            (*loc, "capability"),
                            f"'{alt.capability}' is not a capability of {kind} '{alt.site}' "
                            f"(a {kind} has: {', '.join(SITE_CAPABILITIES[kind])})",
                        )
    incident = scenario.incident
    if incident.compromise.day >= scenario.horizon_days:
        # checked here rather than in the model, so the problem points at the day's own line
        yield (
            ("incident", "compromise", "day"),
            (
                f"expected a day inside the horizon (0..{scenario.horizon_days - 1}), "
                f"got {incident.compromise.day}"
            ),
        )
    if incident.compromise.service not in services:
        yield (
            ("incident", "compromise", "service"),
            _unknown("service", incident.compromise.service, services),
        )
    for i, iso in enumerate(incident.isolate):
        if iso.service is not None and iso.service not in services:
            yield ("incident", "isolate", i, "service"), _unknown("service", iso.service, services)
        if iso.link is not None:
            if iso.link.from_ not in services:
                yield (
                    ("incident", "isolate", i, "link", "from"),
                    _unknown("service", iso.link.from_, services),
                )
            message = _consumer_problem(iso.link.to, services, sites)
            if message:
                yield ("incident", "isolate", i, "link", "to"), message
    for key in ("restore", "fallbacks"):
        for ident in getattr(incident, key):
            if ident not in services:
                yield ("incident", key, ident), _unknown("service", ident, services)
    for i, threat in enumerate(scenario.threats):
        if threat.service not in services:
            yield ("threats", i, "service"), _unknown("service", threat.service, services)
    yield from _common_causes(scenario, parties, services)
    plan = scenario.plan
    if plan.priority_attribute is not None and plan.priority_attribute not in stores.attributes:
        yield (
            ("plan", "priority_attribute"),
            _unknown("store attribute", plan.priority_attribute, stores.attributes),
        )
    elif plan.allocation == "priority" and plan.priority_attribute is None:
        yield (
            ("plan", "allocation"),
            ("the 'priority' policy needs plan.priority_attribute (a store-table column such as tier)"),
        )
    if plan.allocation == "planned":
        # the plan lives in the engine inputs `aftershock optimize` builds, never in a file
        yield (
            ("plan", "allocation"),
            "the 'planned' policy follows a dispatch plan from `aftershock optimize`, which a scenario "
            "file cannot carry; use fifo (or another policy) here and run `aftershock optimize`",
        )
    if plan.priority_order is not None and plan.priority_attribute in stores.attributes:
        present = column_values(stores, plan.priority_attribute)
        for j, value in enumerate(plan.priority_order):
            if value not in present:
                yield (
                    ("plan", "priority_order", j),
                    _unknown(f"value of '{plan.priority_attribute}'", value, present),
                )
    for i, surge in enumerate(scenario.plan.surge):
        if surge.from_day >= scenario.horizon_days:
            yield (
                ("plan", "surge", i, "from_day"),
                (f"expected a day inside the horizon (0..{scenario.horizon_days - 1}), got {surge.from_day}"),
            )


def _common_causes(scenario: Scenario, parties: set[str], services: set[str]) -> Iterator[Finding]:
    """A common cause's root is a party or a service, its entries are services, its id is its own."""
    names = {t.name for t in scenario.threats}
    seen: set[str] = set()
    for i, cause in enumerate(scenario.common_causes):
        if cause.id in names or cause.id in seen:
            yield ("common_causes", i, "id"), f"name '{cause.id}' is already used by a threat or common cause"
        seen.add(cause.id)
        if cause.root not in parties and cause.root not in services:
            yield ("common_causes", i, "root"), _unknown("party or service", cause.root, parties | services)
        for j, entry in enumerate(cause.entries):
            if entry.service not in services:
                yield (
                    ("common_causes", i, "entries", j, "service"),
                    _unknown("service", entry.service, services),
                )


def _dc_references(scenario: Scenario, stores: StoreFrame) -> Iterator[Finding]:
    """Store assignment, backups, supply and the plan's per-DC entries name real DCs and items."""
    dcs = [dc.id for dc in scenario.sites.dcs]
    items = [i.id for i in scenario.items]
    default = scenario.sites.stores.defaults.dc
    if default is not None and default not in dcs:
        yield ("sites", "stores", "defaults", "dc"), _unknown("DC", default, dcs)
    elif len(dcs) > 1:
        unassigned = _unassigned_rows(stores) if not default else np.zeros(0, dtype=np.int64)
        if unassigned.size:
            first = ", ".join(_short(str(stores.ids[i])) for i in unassigned[:3])
            more = f" and {unassigned.size - 3} more" if unassigned.size > 3 else ""
            yield (
                ("sites", "stores", "table"),
                f"{unassigned.size} store(s) have no DC ({first}{more}): with {len(dcs)} DCs every store "
                "needs a dc cell in the store table, or set sites.stores.defaults.dc",
            )
    for d, dc in enumerate(scenario.sites.dcs):
        for b, backup in enumerate(dc.backups):
            loc = ("sites", "dcs", d, "backups", b, "dc")
            if backup.dc not in dcs:
                yield loc, _unknown("DC", backup.dc, dcs)
            elif backup.dc == dc.id:
                yield loc, f"DC '{dc.id}' cannot be its own backup"
        if dc.supply is not None:
            yield from _supply_references(dc.supply.suppliers, ("sites", "dcs", d, "supply"), items)
    import networkx as nx  # imported here: loading the package must not pay for it

    graph = nx.DiGraph(
        (dc.id, b.dc) for dc in scenario.sites.dcs for b in dc.backups if b.dc in dcs and b.dc != dc.id
    )
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        pass
    else:
        path = " -> ".join([str(cycle[0][0])] + [str(v) for _, v in cycle])
        d = dcs.index(cycle[0][0])
        yield (
            ("sites", "dcs", d, "backups"),
            f"backup DCs form a cycle: {path} (a DC that covers for another cannot be covered by it; "
            "keep one direction)",
        )
    plan = scenario.plan
    for i, surge in enumerate(plan.surge):
        if surge.dc is not None and surge.dc not in dcs:
            yield ("plan", "surge", i, "dc"), _unknown("DC", surge.dc, dcs)
    if plan.order_cap is not None:
        for j, ident in enumerate(plan.order_cap.dcs or []):
            if ident not in dcs:
                yield ("plan", "order_cap", "dcs", j), _unknown("DC", ident, dcs)
    for ident, policy in (plan.allocation_by_dc or {}).items():
        if ident not in dcs:
            yield ("plan", "allocation_by_dc", ident), _unknown("DC", ident, dcs)
        elif policy == "planned":
            yield (
                ("plan", "allocation_by_dc", ident),
                "the 'planned' policy follows a plan from `aftershock optimize` and cannot be set in a file",
            )
        elif policy == "priority" and plan.priority_attribute is None:
            yield (
                ("plan", "allocation_by_dc", ident),
                "the 'priority' policy needs plan.priority_attribute (a store-table column such as tier)",
            )


def _supply_references(suppliers: list, loc: Loc, items: list[str]) -> Iterator[Finding]:
    """Each item has exactly one supplier, and suppliers name known items."""
    supplier_of: dict[str, int] = {}
    for k, supplier in enumerate(suppliers):
        for j, item in enumerate(items if supplier.items is None else supplier.items):
            if item not in items:
                yield (*loc, "suppliers", k, "items", j), _unknown("item", item, items)
            elif item in supplier_of:
                yield (
                    (*loc, "suppliers", k, "items"),
                    f"item '{item}' already has a supplier (suppliers[{supplier_of[item]}]); "
                    "each item has one",
                )
            else:
                supplier_of[item] = k
    missing = [i for i in items if i not in supplier_of]
    if missing:
        yield (
            (*loc, "suppliers"),
            f"no supplier for item(s) {', '.join(missing)}: a DC with supply needs one for every item",
        )


def _unassigned_rows(stores: StoreFrame) -> np.ndarray:
    """Rows with no dc cell (every row without a dc column): the stores
    :func:`~aftershock.model.stores.store_dc_names` leaves without a DC when no default is set."""

    def build() -> np.ndarray:
        column = stores.attributes.get("dc")
        if column is None:
            return np.arange(len(stores))
        return np.flatnonzero(column.astype(str) == "")

    return derived(stores, "no dc", build)


def _channel_references(scenario: Scenario, sites: _Sites) -> Iterator[Finding]:
    """A channel's selector picks stores only, and no store is served by two channels."""
    ids = sites.stores.ids
    channels = scenario.sites.channels
    # the channel serving each store so far (-1: none), by the row of its id
    served_by = np.full(len(sites.stores), -1, dtype=np.int64)
    for c, channel in enumerate(channels):
        loc = ("sites", "channels", c, "serves")
        if channel.serves is None:
            picked = _Selection(_first_rows(sites.stores), [])
        else:
            picked, error = _select(channel.serves, sites)
            if error:
                yield loc, error
                continue
            not_stores = picked.not_stores(sites)
            if not_stores:
                first = not_stores[0]
                yield loc, f"a channel serves stores, and '{_short(first)}' is a {sites.kind(first)}"
                continue
        rows = picked.store_positions(sites)
        taken = served_by[rows] >= 0
        if taken.any():
            twice = int(rows[int(np.argmax(taken))])
            other = channels[served_by[twice]].id
            yield (
                loc,
                f"store '{_short(str(ids[twice]))}' is also served by channel '{other}'; "
                "a store is served by at most one channel (narrow the selectors)",
            )
            continue
        served_by[rows] = c


def _consumer_problem(ref: str, services: set[str], sites: _Sites) -> str | None:
    """Check a link end: a service id, ``site/capability`` or ``store/capability``."""
    if "/" not in ref:
        return None if ref in services else _unknown("service", ref, services)
    site, _, cap = ref.partition("/")
    if cap not in {c.value for c in Capability}:
        return _unknown("capability", cap, [c.value for c in Capability])
    if site == "store":
        return None if _capability_fits("store", Capability(cap)) else f"'{cap}' is not a store capability"
    if site not in sites:
        return _unknown("site", site, list(sites.other))
    return None


def _node(site: str, sites: _Sites, capability: str) -> str:
    # stores are collapsed into one node per capability: enough to find cycles in rules
    return f"store/{capability}" if sites.kind(site) == "store" else f"{site}/{capability}"


def requires_digraph(scenario: Scenario, stores: StoreFrame) -> nx.DiGraph:
    """Requires edges at rule level (provider -> consumer), stores collapsed per capability."""
    return _requires_digraph(scenario, _Sites(scenario, stores))


def _requires_digraph(scenario: Scenario, sites: _Sites) -> nx.DiGraph:
    import networkx as nx

    graph = nx.DiGraph()
    for i, rule in enumerate(scenario.requires):
        if rule.service is not None:
            targets = [rule.service]
        else:
            assert rule.site is not None and rule.capability is not None
            picked, _ = _select(rule.site, sites)
            targets = picked.nodes(sites, rule.capability.value)
        for group in rule.groups:
            for alt in group:
                if alt.service is not None:
                    source = alt.service
                else:
                    assert alt.site is not None and alt.capability is not None
                    source = _node(alt.site, sites, alt.capability.value)
                for target in targets:
                    graph.add_edge(source, target, rule=i)
    return graph


def _cycles(scenario: Scenario, sites: _Sites) -> Iterator[Finding]:
    import networkx as nx

    graph = _requires_digraph(scenario, sites)
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return
    path = " -> ".join([str(cycle[0][0])] + [str(v) for _, v in cycle])
    rule = graph.edges[cycle[0][0], cycle[0][1]]["rule"]
    yield (
        ("requires", rule),
        (
            f"requires edges form a cycle: {path} (a node cannot depend on itself; "
            "remove one edge or model the dependency as a fallback of another node)"
        ),
    )
