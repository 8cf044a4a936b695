"""The store table in columnar form, validated: one NumPy array per column."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from aftershock.errors import ScenarioWarning
from aftershock.model.plan import Plan
from aftershock.model.scenario import Scenario

#: Numeric columns of the store table, with their dtype.
NUMERIC_COLUMNS: dict[str, type] = {
    "demand_units_per_day": float,
    "on_hand_units": float,
    "order_up_to_units": float,
    "reorder_point_units": float,
    "lead_time_days": int,
    "review_period_days": int,
    "order_weekday": int,
    "latitude": float,
    "longitude": float,
}
REQUIRED_COLUMNS: tuple[str, ...] = ("id", "region", "demand_units_per_day")

_T = TypeVar("_T")

#: Instance attribute holding :func:`derived` values (not a dataclass field: not compared,
#: not copied by ``dataclasses.replace``, not pickled).
_DERIVED = "_derived"


@dataclass(frozen=True)
class StoreFrame:
    """Validated stores. Arrays share one order: position ``i`` is store ``ids[i]``.

    ``attributes`` holds every text column (region, pos_system, tier, ...) for selectors.
    """

    ids: np.ndarray
    demand_units_per_day: np.ndarray
    on_hand_units: np.ndarray  # NaN: start in the steady state (see sim.inputs.steady_state)
    order_up_to_units: np.ndarray
    reorder_point_units: np.ndarray  # +inf: order up to S at every review
    lead_time_days: np.ndarray
    review_period_days: np.ndarray
    order_weekday: np.ndarray
    attributes: dict[str, np.ndarray] = field(default_factory=dict)
    # where the store is, for maps (NaN where a cell is empty); None when the table has no such
    # column. The engine never reads them; stored copies of the scenario keep them.
    latitude: np.ndarray | None = None
    longitude: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @property
    def regions(self) -> np.ndarray:
        """The region of each store."""
        return self.attributes["region"]

    def select(self, where: dict[str, object]) -> np.ndarray:
        """Boolean mask of stores whose attributes match every ``where`` entry."""
        mask = np.ones(len(self), dtype=bool)
        for key, wanted in where.items():
            column = self.attributes.get(key)
            if column is None:
                return np.zeros(len(self), dtype=bool)
            values = wanted if isinstance(wanted, list) else [wanted]
            mask &= np.isin(column, [attribute_text(v) for v in values])
        return mask

    def __getstate__(self) -> dict[str, Any]:
        # derived values are rebuilt on demand: a frame sent to a worker process stays small
        state = dict(self.__dict__)
        state.pop(_DERIVED, None)
        return state


def derived(stores: StoreFrame, key: Hashable, build: Callable[[], _T]) -> _T:
    """``build()``, computed once per frame and ``key`` and kept on the frame.

    For values every check of a scenario would otherwise rebuild from the 100,000 rows of a
    large table (an id -> row map, a selector's mask). A frame is never changed once read
    (its arrays are shared by every variant of a scenario), so a kept value stays right;
    what is kept must not be changed by the caller either (arrays are made read-only).
    """
    cache: dict[Hashable, Any] | None = stores.__dict__.get(_DERIVED)
    if cache is None:
        cache = {}
        object.__setattr__(stores, _DERIVED, cache)  # frozen: bypass the dataclass guard
    if key not in cache:
        value = build()
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
        cache[key] = value
    return cache[key]


def normal_order_lines(scenario: Scenario, stores: StoreFrame) -> np.ndarray:
    """Normal order line of every store × item: the store's demand for the item over its review period.

    The engine's per-line demand (``sim.inputs``), the share a cap's ``fraction_of_normal``
    refers to, and what compare and the warnings compare a cap in units with.
    """
    shares = np.array([i.demand_share for i in scenario.items], dtype=float)
    shares = shares / shares.sum()
    base = stores.demand_units_per_day[:, None] * shares[None, :]
    return base * stores.review_period_days[:, None]


def attribute_text(value: object) -> str:
    """A ``where`` value as the text it must equal in the store table (``true``, ``3``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with its store table, and where it came from.

    ``warnings`` are the suspicious inputs found when it was loaded (``model/warnings.py``);
    every output shows them. ``variant`` is the named what-if of the file that was applied
    (``scenario.variants``), None for the scenario as written.
    """

    scenario: Scenario
    stores: StoreFrame
    path: Path | None = None
    warnings: tuple[ScenarioWarning, ...] = ()
    variant: str | None = None

    @property
    def name(self) -> str:
        """The scenario's name, with the variant when one was applied (``ocs-2022:spread``):
        the name results, the run store and reports show."""
        return self.scenario.name if self.variant is None else f"{self.scenario.name}:{self.variant}"

    def with_plan(self, plan: Plan) -> LoadedScenario:
        """The same scenario and stores with another recovery plan (for what-ifs)."""
        return replace(self, scenario=self.scenario.model_copy(update={"plan": plan}))


def dc_ids(scenario: Scenario) -> tuple[str, ...]:
    """The scenario's DC ids in the order the engine and every output use: sorted by id.

    Sorting makes results independent of the order DCs are listed in the file.
    """
    return tuple(sorted(dc.id for dc in scenario.sites.dcs))


def store_dc_names(scenario: Scenario, stores: StoreFrame) -> np.ndarray:
    """Id of the DC that serves each store ('' where none does): the dc cell, else
    ``sites.stores.defaults.dc``, else the only DC."""
    dcs = scenario.sites.dcs
    default = scenario.sites.stores.defaults.dc
    if default is None and len(dcs) == 1:
        default = dcs[0].id
    column = stores.attributes.get("dc")
    names = np.full(len(stores), default or "", dtype=object)
    if column is not None:
        given = column.astype(str) != ""
        names[given] = column[given]
    return names


def store_dc_index(scenario: Scenario, stores: StoreFrame) -> np.ndarray:
    """Index into :func:`dc_ids` of the DC serving each store, (S,); -1 where none does."""
    ids = dc_ids(scenario)
    position = {d: i for i, d in enumerate(ids)}
    return np.array([position.get(n, -1) for n in store_dc_names(scenario, stores).tolist()], dtype=np.int64)
