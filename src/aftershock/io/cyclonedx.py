"""Import services and their providers from a CycloneDX JSON BOM into a scenario.

Read: ``services[]`` (name, bom-ref, provider.name, endpoints, data flows, nested
services), ``components[]`` of a deployable type with a ``supplier.name``, and
``dependencies[]`` between mapped refs. Providers and suppliers become parties; services and
components become services; ``dependsOn`` between two mapped refs becomes a requires rule.
Everything else is reported as not mapped, with the reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aftershock.errors import DataError, Problem

#: Component types that run as a service someone operates (libraries do not).
DEPLOYABLE = {"application", "platform", "operating-system", "firmware", "container", "device", "framework"}


@dataclass
class ImportedServices:
    """What the BOM gave: parties, services, requires rules between them, and what was left out."""

    parties: list[dict[str, Any]] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)
    requires: list[dict[str, Any]] = field(default_factory=list)
    ref_to_id: dict[str, str] = field(default_factory=dict)
    not_mapped: list[str] = field(default_factory=list)


def slug(text: str) -> str:
    """An aftershock id from free text: lower case, letters, digits and '-'."""
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return out[:64] or "unnamed"


def read_bom(path: Path) -> dict[str, Any]:
    """Parse and check the top of a CycloneDX JSON BOM."""
    source = path.name
    if not path.is_file():
        raise DataError.from_problems([Problem(source, f"file not found: {path}")])
    try:
        bom = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError.from_problems(
            [Problem(source, f"JSON syntax error: {exc.msg}", line=exc.lineno)]
        ) from None
    except UnicodeDecodeError as exc:
        raise DataError.from_problems([Problem(source, f"not UTF-8 text: {exc.reason}")]) from None
    problems = []
    if not isinstance(bom, dict):
        raise DataError.from_problems([Problem(source, "expected a JSON object at the top")])
    if bom.get("bomFormat") != "CycloneDX":
        problems.append(
            Problem(source, f'expected "CycloneDX", got {bom.get("bomFormat")!r}', field="bomFormat")
        )
    if not isinstance(bom.get("specVersion"), str):
        problems.append(Problem(source, 'expected a version string such as "1.5"', field="specVersion"))
    for key in ("services", "components", "dependencies"):
        if key in bom and not isinstance(bom[key], list):
            problems.append(Problem(source, f"expected a list, got {type(bom[key]).__name__}", field=key))
    if problems:
        raise DataError.from_problems(problems)
    return bom


def map_bom(bom: dict[str, Any], source: str, taken_ids: set[str]) -> ImportedServices:
    """Map a checked BOM to scenario entries; ids already in ``taken_ids`` are reused, not duplicated."""
    out = ImportedServices()
    party_ids: set[str] = set()

    def party(name: str, kind: str) -> str:
        pid = slug(name)
        if pid not in party_ids and pid not in taken_ids:
            out.parties.append({"id": pid, "kind": kind, "name": name})
        party_ids.add(pid)
        return pid

    def add_service(entry: dict[str, Any], where: str, provider: str | None, kind_hint: str) -> None:
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            out.not_mapped.append(f"{where}: no name")
            return
        if not provider:
            out.not_mapped.append(f"{where} '{name}': no provider/supplier name, so no party to hold it")
            return
        sid = slug(name)
        ref = entry.get("bom-ref")
        if isinstance(ref, str):
            out.ref_to_id[ref] = sid
        if sid in taken_ids or any(s["id"] == sid for s in out.services):
            out.not_mapped.append(f"{where} '{name}': id '{sid}' already exists (kept the existing one)")
            return
        description = []
        endpoints = entry.get("endpoints")
        if isinstance(endpoints, list) and endpoints:
            description.append("endpoints: " + ", ".join(str(e) for e in endpoints[:3]))
        flows = entry.get("data")
        if isinstance(flows, list) and flows:
            parts = [
                f"{f.get('flow', '?')} {f.get('classification', '')}".strip()
                for f in flows
                if isinstance(f, dict)
            ]
            description.append("data: " + "; ".join(parts))
        out.services.append(
            {
                "id": sid,
                "party": party(provider, kind_hint),
                "kind": "other",
                "name": name,
                **({"description": " | ".join(description)} if description else {}),
            }
        )

    def walk_services(items: list[Any], where: str) -> None:
        for i, entry in enumerate(items):
            here = f"{where}[{i}]"
            if not isinstance(entry, dict):
                out.not_mapped.append(f"{here}: not an object")
                continue
            provider = entry.get("provider")
            provider_name = provider.get("name") if isinstance(provider, dict) else None
            add_service(entry, here, provider_name, "it_supplier")
            nested = entry.get("services")
            if isinstance(nested, list):
                walk_services(nested, f"{here}.services")

    walk_services(bom.get("services", []), "services")
    for i, comp in enumerate(bom.get("components", [])):
        here = f"components[{i}]"
        if not isinstance(comp, dict):
            out.not_mapped.append(f"{here}: not an object")
            continue
        if comp.get("type") not in DEPLOYABLE:
            out.not_mapped.append(
                f"{here} '{comp.get('name')}': type {comp.get('type')!r} is not run as a service"
            )
            continue
        supplier = comp.get("supplier")
        supplier_name = supplier.get("name") if isinstance(supplier, dict) else comp.get("publisher")
        add_service(comp, here, supplier_name if isinstance(supplier_name, str) else None, "software_vendor")
    for i, dep in enumerate(bom.get("dependencies", [])):
        if not isinstance(dep, dict) or not isinstance(dep.get("ref"), str):
            out.not_mapped.append(f"dependencies[{i}]: no ref")
            continue
        target = out.ref_to_id.get(dep["ref"])
        needs = [out.ref_to_id.get(r) for r in dep.get("dependsOn", []) if isinstance(r, str)]
        if target is None or not needs:
            continue
        missing = [r for r, n in zip(dep.get("dependsOn", []), needs, strict=False) if n is None]
        if missing:
            out.not_mapped.append(f"dependencies[{i}]: refs not mapped: {', '.join(map(str, missing))}")
        groups = [[{"service": n}] for n in needs if n is not None and n != target]
        if groups:
            out.requires.append({"service": target, "groups": groups, "note": f"from {source} dependencies"})
    return out
