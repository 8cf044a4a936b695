"""Small reference scenarios built by code, for tests, doc examples and benchmarks.

``write_scenario(folder, ...)`` writes a scenario YAML and its store table and returns
the YAML path; every argument has a small, hand-checkable default.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

#: A minimal valid network: one DC, stores on two till systems, one RMM attack path.
BASE: dict[str, Any] = {
    "name": "reference",
    "horizon_days": 20,
    "items": [{"id": "all", "price": 10.0, "margin": 2.0}],
    "sites": {
        "stores": {"table": "stores.csv"},
        "dcs": [{"id": "dc", "pick_capacity_units_per_day": 1000}],
        "channels": [{"id": "web", "kind": "online"}],
    },
    "parties": [
        {"id": "vendor", "kind": "software_vendor"},
        {"id": "msp", "kind": "msp"},
        {"id": "chain", "kind": "retailer"},
    ],
    "services": [
        {"id": "rmm", "party": "vendor", "kind": "remote_management"},
        {"id": "pos-a", "party": "msp", "kind": "pos"},
        {"id": "pos-b", "party": "chain", "kind": "pos"},
        {"id": "app", "party": "chain", "kind": "payment"},
        {"id": "wms", "party": "msp", "kind": "wms"},
    ],
    "control": [{"from": "rmm", "to": "pos-a", "p": 1.0}],
    "requires": [
        {
            "site": {"where": {"pos_system": "a"}},
            "capability": "store.sell",
            "groups": [[{"service": "pos-a"}, {"service": "app", "factor": 0.3}]],
        },
        {
            "site": {"where": {"pos_system": "b"}},
            "capability": "store.sell",
            "groups": [[{"service": "pos-b"}]],
        },
        {"site": {"id": "dc"}, "capability": "dc.ship", "groups": [[{"service": "wms"}]]},
        {
            "site": {"kind": "store"},
            "capability": "store.receive",
            "groups": [[{"site": "dc", "capability": "dc.ship"}]],
        },
    ],
    "incident": {"compromise": {"service": "rmm", "day": 5}},
}

#: Stores of the reference network: id, region, pos_system, demand per day.
BASE_STORES: list[tuple[str, str, str, float]] = [
    ("s1", "north", "a", 10.0),
    ("s2", "north", "a", 20.0),
    ("s3", "south", "b", 30.0),
    ("s4", "south", "a", 40.0),
]


#: Columns of a store table that gives each store's stock, order level and ordering.
STOCKED_STORE_COLUMNS: tuple[str, ...] = (
    "id",
    "region",
    "demand_units_per_day",
    "on_hand_units",
    "order_up_to_units",
    "lead_time_days",
    "review_period_days",
    "order_weekday",
)


def scenario_dict(**changes: Any) -> dict[str, Any]:
    """A deep copy of :data:`BASE` with top-level keys replaced."""
    data = copy.deepcopy(BASE)
    data.update(copy.deepcopy(changes))
    return data


def stores_csv(rows: list[tuple[Any, ...]] | None = None, header: list[str] | None = None) -> str:
    """CSV text of a store table (default: :data:`BASE_STORES`)."""
    header = header or ["id", "region", "pos_system", "demand_units_per_day"]
    rows = BASE_STORES if rows is None else rows
    lines = [",".join(header)] + [",".join(str(c) for c in r) for r in rows]
    return "\n".join(lines) + "\n"


def write_scenario(
    folder: Path,
    data: dict[str, Any] | None = None,
    stores: str | None = None,
    *,
    name: str = "scenario.yaml",
) -> Path:
    """Write a scenario (YAML) and its store table into ``folder``; return the YAML path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "stores.csv").write_text(stores_csv() if stores is None else stores, encoding="utf-8")
    path = folder / name
    path.write_text(
        yaml.safe_dump(scenario_dict() if data is None else data, sort_keys=False), encoding="utf-8"
    )
    return path


def pause_scenario(
    folder: Path,
    *,
    stores: int,
    demand: float,
    order_up_to: float,
    on_hand: float,
    pause: tuple[int, int],
    capacity: float,
    horizon: int = 40,
    lead: int = 1,
    review: int = 1,
    cap: dict | None = None,
    distribution: str = "deterministic",
) -> Path:
    """S identical stores served by one DC whose outbound is paused on days [a, b)."""
    a, b = pause
    data = scenario_dict(
        horizon_days=horizon,
        services=[
            {"id": "corp-it", "party": "vendor"},
            {"id": "wms", "party": "msp"},
        ],
        control=[],
        requires=[
            {"site": {"id": "dc"}, "capability": "dc.ship", "groups": [[{"service": "wms"}]]},
            {
                "site": {"kind": "store"},
                "capability": "store.receive",
                "groups": [[{"site": "dc", "capability": "dc.ship"}]],
            },
        ],
        incident={
            "compromise": {"service": "corp-it", "day": a},
            "isolate": [{"service": "wms", "from_day": a, "until_day": b}],
            "restore": {"corp-it": {"day": a + 1}},
        },
        demand={"distribution": distribution},
        sites={
            "stores": {"table": "stores.csv"},
            "dcs": [{"id": "dc", "pick_capacity_units_per_day": capacity}],
            "channels": [],
        },
    )
    if cap is not None:
        data["plan"] = {"allocation": "fifo", "order_cap": cap}
    header = list(STOCKED_STORE_COLUMNS)
    rows = [(f"s{i}", "r", demand, on_hand, order_up_to, lead, review, 0) for i in range(stores)]
    return write_scenario(folder, data, stores_csv(rows, header))


def two_dc_scenario(
    folder: Path,
    *,
    stores: dict[str, list[float]],
    capacity: dict[str, float],
    pause: dict[str, tuple[int, int]] | None = None,
    backups: dict[str, list[dict[str, Any]]] | None = None,
    supply: dict[str, dict[str, Any]] | None = None,
    cover: float = 3.0,
    horizon: int = 20,
    lead: int = 1,
    plan: dict[str, Any] | None = None,
    listed: list[str] | None = None,
) -> Path:
    """Several DCs, each with its own WMS; ``pause`` isolates a DC's WMS on days [a, b).

    ``stores`` maps a DC id to the daily demand of each of its stores (deterministic, daily
    review, order-up-to ``cover`` days, starting full); ``listed`` is the order the DCs are
    written in (sorted by default).
    """
    pause = pause or {}
    ids = listed or sorted(stores)
    isolate = [
        {"service": f"wms-{dc}", "from_day": a, "until_day": b} for dc, (a, b) in sorted(pause.items())
    ]
    data = scenario_dict(
        horizon_days=horizon,
        services=[{"id": "corp-it", "party": "vendor"}] + [{"id": f"wms-{dc}", "party": "msp"} for dc in ids],
        control=[],
        requires=[
            {"site": {"id": dc}, "capability": "dc.ship", "groups": [[{"service": f"wms-{dc}"}]]}
            for dc in ids
        ],
        incident={
            "compromise": {"service": "corp-it", "day": 0},
            "isolate": isolate,
            "restore": {"corp-it": {"day": 1}},
        },
        demand={"distribution": "deterministic"},
        sites={
            "stores": {"table": "stores.csv"},
            "dcs": [
                {
                    "id": dc,
                    "pick_capacity_units_per_day": capacity[dc],
                    **({"backups": (backups or {})[dc]} if dc in (backups or {}) else {}),
                    **({"supply": (supply or {})[dc]} if dc in (supply or {}) else {}),
                }
                for dc in ids
            ],
            "channels": [],
        },
    )
    if plan is not None:
        data["plan"] = plan
    header = [*STOCKED_STORE_COLUMNS[:2], "dc", *STOCKED_STORE_COLUMNS[2:]]
    rows = [
        (f"{dc}-s{i}", "r", dc, demand, cover * demand, cover * demand, lead, 1, 0)
        for dc in sorted(stores)
        for i, demand in enumerate(stores[dc])
    ]
    return write_scenario(folder, data, stores_csv(rows, header))


def pause_inputs(folder: Path, changes: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """Engine inputs of a :func:`pause_scenario` with top-level keys changed (items, demand,
    behaviour, ...: a mapping is merged into the key's own, anything else replaces it)."""
    from aftershock import api
    from aftershock.sim import build_inputs

    path = pause_scenario(folder, **kwargs)
    if changes:
        data = yaml.safe_load(path.read_text())
        for key, value in changes.items():
            data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    return build_inputs(api.load(path))


def benchmark_module(name: str) -> Any:
    """``benchmarks/<name>.py`` of the source checkout, imported by path (benchmarks/ is not a
    package): the peers the engine is checked against."""
    import importlib.util
    import sys

    if name not in sys.modules:
        path = Path(__file__).parents[2] / "benchmarks" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None, path
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
    return sys.modules[name]


def assert_same_means(
    engine: dict[str, Any],
    other: dict[str, Any],
    replications: int,
    names: tuple[str, ...] = ("lost_units", "sales_units", "shipped_units"),
) -> None:
    """Two models on different random streams agree within sampling error: each series' total
    per replication has the same mean within 4 standard errors, and the streams do differ."""
    import numpy as np

    for name in names:
        a, b = engine[name].sum(axis=1), other[name].sum(axis=1)
        se = np.sqrt(a.var(ddof=1) / replications + b.var(ddof=1) / replications)
        assert se > 0
        assert abs(a.mean() - b.mean()) < 4 * se, (name, a.mean(), b.mean(), se)
    # a statistical comparison, not a replay
    assert not np.array_equal(engine["demand_units"], other["demand_units"])


# -- processes: for tests that start the command line or the server and check what is left --


def console_script() -> str:
    """The installed ``aftershock`` command beside this Python (or on the PATH)."""
    import shutil
    import sys

    beside = Path(sys.executable).parent / "aftershock"
    found = str(beside) if beside.is_file() else shutil.which("aftershock")
    if not found:
        raise RuntimeError("the aftershock console script is not installed")
    return found


def descendants(pid: int) -> set[int]:
    """Every descendant process of ``pid`` (Linux ``/proc``)."""
    import os

    out: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                kids = Path(f"/proc/{parent}/task/{task}/children").read_text().split()
            except OSError:
                continue
            for kid in map(int, kids):
                if kid not in out:
                    out.add(kid)
                    todo.append(kid)
    return out


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not)."""
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
