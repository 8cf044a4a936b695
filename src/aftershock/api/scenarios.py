"""Scenarios: load and validate, the bundled ones, the JSON Schema, CycloneDX import."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from aftershock.api.what_if import Overrides, override_strings
from aftershock.errors import ParameterError, Problem, ScenarioError, UsageError
from aftershock.io import BundledScenario, bundled_scenarios, load_scenario
from aftershock.model import LoadedScenario, Scenario
from aftershock.policies import allocation_policies, unknown_policy_message

ScenarioRef = str | Path | LoadedScenario

#: A store table given in memory: a pandas DataFrame with the columns of the CSV (pandas is
#: imported only when one is given).
if TYPE_CHECKING:
    import pandas as pd

    StoresTable: TypeAlias = pd.DataFrame
else:
    StoresTable = Any

__all__ = [
    "Overrides",
    "ScenarioRef",
    "StoresTable",
    "import_services",
    "load",
    "scenarios",
    "schema",
    "validate",
    "warnings_data",
]


def load(
    ref: ScenarioRef,
    overrides: Overrides = None,
    *,
    confine: bool = False,
    variant: str | None = None,
    stores: pd.DataFrame | None = None,
) -> LoadedScenario:
    """Load and validate a scenario (bundled name, path, or an already loaded one).

    A name or path may end in ``:VARIANT`` (``"ocs-2022:spread"``), or ``variant`` names
    it: one of the named what-ifs the scenario declares under ``variants:``, applied like
    ``overrides`` (before them). The loaded scenario's ``name`` is then ``NAME:VARIANT``.

    ``overrides`` are ``path=value`` strings or a mapping (``{"incident.pause_days": 10}``).

    ``confine=True`` for a scenario someone else sent (the web API): its store table must
    be a plain file name next to the scenario file; see :func:`aftershock.io.load_scenario`.

    ``stores`` is a store table as a pandas DataFrame (the columns of the CSV), used in place
    of the scenario's own: it is read and checked exactly as the CSV file would be, and its
    problems name the row and column as they would for the file.
    """
    strings = override_strings(overrides)
    if isinstance(ref, LoadedScenario):
        if strings or variant:
            raise ScenarioError("overrides and variants need a scenario name or path, not a loaded scenario")
        if stores is not None:
            raise ScenarioError("a store table (stores=) needs a scenario name or path, not a loaded one")
        loaded = ref
    elif stores is not None:
        loaded = _load_with_stores(ref, strings, stores, confine=confine, variant=variant)
    else:
        loaded = load_scenario(ref, strings, confine=confine, variant=variant)
    _check_policy_names(loaded)
    return loaded


def _load_with_stores(
    ref: str | Path, overrides: list[str], stores: pd.DataFrame, *, confine: bool, variant: str | None
) -> LoadedScenario:
    """The scenario with ``stores`` as its store table.

    The table is written as CSV next to a copy of the scenario file, under the name the file
    gives its table, and the copy is loaded: the one reader and its checks apply, and a bad
    cell is reported with the same file name, row and column as in the CSV. The loaded
    scenario keeps the original file's path.
    """
    import dataclasses

    import pandas as pd

    from aftershock.io.bundled import resolve_scenario_path, split_variant
    from aftershock.io.yaml_lines import parse_document

    if not isinstance(stores, pd.DataFrame):
        raise ParameterError("stores", f"expected a pandas DataFrame, got {type(stores).__name__}")
    base, named = split_variant(ref)
    path = resolve_scenario_path(base)
    data, _ = parse_document(
        path.read_text(encoding="utf-8"), path.name, is_json=path.suffix.lower() == ".json"
    )
    table = ((data.get("sites") or {}).get("stores") or {}).get("table") if isinstance(data, dict) else None
    table_name = str(table) if isinstance(table, str) and table else "stores.csv"
    relative = Path(table_name)
    with tempfile.TemporaryDirectory(prefix="aftershock-stores-") as tmp:
        folder = Path(tmp)
        if relative.is_absolute() or ".." in relative.parts:
            # the copy cannot hold the table where the file says: name it beside the copy
            relative = Path(relative.name)
            overrides = [f"sites.stores.table={relative.as_posix()}", *overrides]
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        stores.to_csv(folder / relative.with_suffix(".csv"), index=False)
        if relative.suffix.lower() != ".csv":
            overrides = [f"sites.stores.table={relative.with_suffix('.csv').as_posix()}", *overrides]
        copy = folder / path.name
        copy.write_bytes(path.read_bytes())
        loaded = load_scenario(copy, overrides, confine=confine, variant=variant or named)
    return dataclasses.replace(loaded, path=path)


def _check_policy_names(loaded: LoadedScenario) -> None:
    name = loaded.scenario.plan.allocation
    if name not in allocation_policies():
        source = loaded.path.name if loaded.path else loaded.name
        raise ScenarioError.from_problems(
            [Problem(source, unknown_policy_message(name), field="plan.allocation")]
        )


def warnings_data(loaded: LoadedScenario) -> list[dict[str, Any]]:
    """The scenario's warnings as plain data, ``{source, line, field, message}`` each."""
    return [w.as_dict() for w in loaded.warnings]


def validate(ref: ScenarioRef, overrides: Overrides = None) -> dict[str, Any]:
    """Validate a scenario (and every variant it declares); return a short description of
    what it holds, with its variants.

    Raises :class:`ScenarioError` / :class:`DataError` with every problem found.
    """
    loaded = load(ref, overrides)
    s = loaded.scenario
    return {
        "ok": True,
        "name": loaded.name,
        "variant": loaded.variant,
        "variants": [{"name": name, "description": v.description} for name, v in s.variants.items()],
        "path": str(loaded.path) if loaded.path else None,
        "stores": len(loaded.stores),
        "dcs": len(s.sites.dcs),
        "channels": len(s.sites.channels),
        "parties": len(s.parties),
        "services": len(s.services),
        "control_edges": len(s.control),
        "requires_rules": len(s.requires),
        "items": len(s.items),
        "horizon_days": s.horizon_days,
        "warnings": warnings_data(loaded),
    }


def scenarios() -> list[BundledScenario]:
    """The bundled example scenarios."""
    return bundled_scenarios()


def schema() -> dict[str, Any]:
    """JSON Schema of the scenario format."""
    out = Scenario.model_json_schema(by_alias=True)
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["title"] = "aftershock scenario"
    return out


def import_services(
    bom_path: str | Path,
    into: str | Path,
    *,
    capability: str | None = None,
    site_id: str | None = None,
    where: dict[str, str] | None = None,
    out: str | Path | None = None,
) -> dict[str, Any]:
    """Merge a CycloneDX BOM's services and providers into a scenario file.

    With ``capability`` (and ``site_id`` or ``where``), the target capability requires every
    imported top-level service (one group each). The merged scenario is validated before it
    is written (to ``out``, else over ``into``), so a failed import changes nothing.
    """
    import yaml

    from aftershock.io.cyclonedx import map_bom, read_bom
    from aftershock.io.results import write_text_atomic
    from aftershock.io.yaml_lines import parse_document

    into_path = Path(into)
    bom = read_bom(Path(bom_path))
    if not into_path.is_file():
        raise ScenarioError(f"{into_path}: file not found (the scenario to merge into)")
    # the one parser with the input limits (aliases, depth, size), as for every scenario
    text = into_path.read_text(encoding="utf-8")
    data, _ = parse_document(text, into_path.name, is_json=into_path.suffix.lower() == ".json")
    if not isinstance(data, dict):
        raise ScenarioError(f"{into_path}: expected a scenario mapping at the top")
    taken = {p.get("id") for p in data.get("parties", []) or []} | {
        s.get("id") for s in data.get("services", []) or []
    }
    mapped = map_bom(bom, Path(bom_path).name, {t for t in taken if isinstance(t, str)})
    data.setdefault("parties", []).extend(mapped.parties)
    data.setdefault("services", []).extend(mapped.services)
    data.setdefault("requires", []).extend(mapped.requires)
    if capability is not None:
        if site_id is None and not where:
            raise UsageError("--capability needs --site ID or --where key=value to say which sites need it")
        selector: dict[str, Any] = {"id": site_id} if site_id else {"where": where}
        imported = [s["id"] for s in mapped.services]
        if imported:
            data["requires"].append(
                {
                    "site": selector,
                    "capability": capability,
                    "groups": [[{"service": s}] for s in imported],
                    "note": f"imported from {Path(bom_path).name}",
                }
            )
    target = Path(out) if out is not None else into_path
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    # validate the merged scenario next to the original (its store table is relative to it)
    probe = into_path.parent / f".{into_path.stem}.import-check.yaml"
    try:
        try:
            probe.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(
                f"--into {into_path}: cannot write a check file next to it: {exc.strerror}"
            ) from None
        load(probe)
    finally:
        probe.unlink(missing_ok=True)
    write_text_atomic(target, text, flag="--out" if out is not None else "--into")
    return {
        "written": str(target),
        "parties_added": [p["id"] for p in mapped.parties],
        "services_added": [s["id"] for s in mapped.services],
        "requires_added": len(mapped.requires) + (1 if capability and mapped.services else 0),
        "not_mapped": mapped.not_mapped,
    }
