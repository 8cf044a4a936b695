"""Load a scenario file (YAML or JSON) and its store table, validated, with line numbers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from aftershock.errors import DataError, Problem, ScenarioError, ScenarioWarning
from aftershock.io.bundled import resolve_scenario_path
from aftershock.io.tables import read_store_table
from aftershock.io.validation_errors import problems_from_validation
from aftershock.io.yaml_lines import dotted, line_of, parse_document, parse_value
from aftershock.model.checks import check_scenario
from aftershock.model.scenario import Scenario
from aftershock.model.stores import LoadedScenario, StoreFrame
from aftershock.model.warnings import scenario_warnings


def load_scenario(
    ref: str | Path, overrides: list[str] | None = None, *, confine: bool = False
) -> LoadedScenario:
    """Load, validate and cross-check a scenario by bundled name or path.

    ``overrides`` are ``dotted.path=value`` strings (the value is parsed as YAML), applied
    before validation, so a what-if is checked exactly like the file itself.

    ``confine`` is for scenarios that arrive from someone else (the web API): the store
    table must then be a plain file name in the scenario's own folder (no absolute path, no
    folder, no ``..``, no link), and no message names a folder of this machine.
    """
    path = resolve_scenario_path(ref)
    source = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError.from_problems([Problem(source, f"not UTF-8 text: {exc.reason}")]) from None
    except OSError as exc:
        raise ScenarioError.from_problems([Problem(source, f"cannot read: {exc.strerror}")]) from None
    data, lines = parse_document(text, source, is_json=path.suffix.lower() == ".json")
    if not isinstance(data, dict):
        raise ScenarioError.from_problems(
            [
                Problem(
                    source,
                    f"expected a mapping of keys at the top, got {type(data).__name__}",
                    line=1,
                )
            ]
        )
    override_paths = apply_overrides(data, overrides or [])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation(exc, source, lines, Scenario)
        raise ScenarioError.from_problems(_blame_overrides(problems, override_paths)) from None
    table_path, table_problem = _table_path(path, scenario.sites.stores.table, confine)
    if table_problem is not None:
        loc = ("sites", "stores", "table")
        problem = Problem(source, table_problem, line=line_of(lines, loc), field=dotted(loc))
        raise ScenarioError.from_problems(_blame_overrides([problem], override_paths))
    try:
        stores = read_store_table(table_path, scenario.sites.stores.table, scenario.sites.stores.defaults)
        _check_dc_column(stores, scenario, scenario.sites.stores.table)
    except DataError as exc:
        raise DataError(f"in the store table of {source}:\n" + "\n".join(exc.lines), exc.problems) from None
    findings = check_scenario(scenario, stores) + _policy_findings(scenario)
    if findings:
        problems = [
            Problem(source, message, line=line_of(lines, loc), field=dotted(loc)) for loc, message in findings
        ]
        raise ScenarioError.from_problems(_blame_overrides(problems, override_paths))
    warnings = tuple(
        _blame_override(
            ScenarioWarning(source, message, line=line_of(lines, loc), field=dotted(loc)), override_paths
        )
        for loc, message in scenario_warnings(scenario, stores)
    )
    return LoadedScenario(scenario=scenario, stores=stores, path=path, warnings=warnings)


def _check_dc_column(stores: StoreFrame, scenario: Scenario, table: str) -> None:
    """Every cell of a ``dc`` column names a DC of the scenario (one problem per bad row)."""
    column = stores.attributes.get("dc")
    if column is None:
        return
    known = [dc.id for dc in scenario.sites.dcs]
    allowed = ", ".join(known) if known else "none: the scenario lists no DC"
    problems = [
        Problem(
            table,
            f"expected the id of a DC of the scenario ({allowed}), got '{value[:40]}'",
            row=i + 1,
            field="dc",
        )
        for i, value in enumerate(column.tolist())
        if value and value not in known
    ]
    if problems:
        raise DataError.from_problems(problems[:50])


def is_plain_file_name(name: str) -> bool:
    """A name that stays in its folder: no folder part, no ``..``, no absolute path, no NUL,
    not longer than a file system allows (255 bytes)."""
    path = Path(name)
    return (
        "\0" not in name
        and "\\" not in name
        and len(name.encode("utf-8", "replace")) <= 255
        and not path.is_absolute()
        and len(path.parts) == 1
        and path.name not in ("", ".", "..")
    )


def _table_path(scenario_path: Path, table: str, confine: bool) -> tuple[Path, str | None]:
    """Where the store table is, or why it cannot be read (a message naming no server folder)."""
    folder = scenario_path.parent
    if confine:
        name = Path(table)
        if not is_plain_file_name(table):
            return folder, (
                f"expected the plain file name of a table sent with the scenario (such as stores.csv), "
                f"got '{table}': folders, absolute paths and '..' are refused"
            )
        candidate = folder / name
        try:
            candidate.lstat()
        except FileNotFoundError:
            return folder, f"the store table '{table}' was not sent with the scenario; send it with it"
        except OSError as exc:  # e.g. a name too long for the file system
            return folder, f"cannot use '{table[:80]}' as a file name: {exc.strerror}"
        if candidate.is_symlink() or (candidate.exists() and not candidate.is_file()):
            return folder, f"'{table}' is not a regular file sent with the scenario"
        if not candidate.is_file():
            return folder, f"the store table '{table}' was not sent with the scenario; send it with it"
        return candidate, None
    try:
        table_path = (folder / table).resolve()
        found = table_path.is_file()
    except OSError as exc:  # e.g. a name too long for the file system
        return folder, f"cannot use '{table[:80]}' as a file name: {exc.strerror}"
    if not found:
        return table_path, f"store table not found: {table_path}"
    return table_path, None


def _policy_findings(scenario: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """An unknown allocation policy name, found here so the problem gets its line."""
    from aftershock.policies import allocation_policies, unknown_policy_message

    known = allocation_policies()
    plan = scenario.plan
    findings: list[tuple[tuple[str | int, ...], str]] = []
    if plan.allocation not in known:
        findings.append((("plan", "allocation"), unknown_policy_message(plan.allocation)))
    for dc, name in (plan.allocation_by_dc or {}).items():
        if name not in known:
            findings.append((("plan", "allocation_by_dc", dc), unknown_policy_message(name)))
    return findings


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, str]:
    """Set ``a.b.c=value`` entries in ``data``; return {dotted path: original text}."""
    applied: dict[str, str] = {}
    for text in overrides:
        key, sep, raw = text.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ScenarioError.from_problems(
                [Problem("--set", f"expected path=value (e.g. plan.allocation=fifo), got '{text}'")]
            )
        value = parse_value(raw, "--set")
        node: Any = data
        # `sites.dcs[1].id`, the form problems are printed in, means the same as `sites.dcs.1.id`
        parts = re.sub(r"\[(\d+)\]", r".\1", key).split(".")
        for depth, part in enumerate(parts[:-1]):
            index: str | int = int(part) if part.isdigit() and isinstance(node, list) else part
            try:
                child = node[index]
            except (KeyError, IndexError, TypeError):
                if isinstance(node, dict):
                    child = node[index] = {}
                else:
                    where = ".".join(parts[: depth + 1])
                    raise ScenarioError.from_problems(
                        [Problem("--set", f"'{where}' does not exist in the scenario", field=key)]
                    ) from None
            node = child
        last = parts[-1]
        if isinstance(node, list) and last.isdigit() and int(last) < len(node):
            node[int(last)] = value
        elif isinstance(node, dict):
            node[last] = value
        else:
            raise ScenarioError.from_problems(
                [Problem("--set", f"'{key}' does not point into a mapping or list", field=key)]
            )
        applied[key] = text
    return applied


def _blame_overrides(problems: list[Problem], overrides: dict[str, str]) -> list[Problem]:
    """A problem on a path that an override set is reported against the override."""
    out = []
    for p in problems:
        hit = next(
            (o for o in overrides if p.field and (p.field == o or p.field.startswith(o + "."))),
            None,
        )
        out.append(Problem("--set", p.message, field=p.field) if hit else p)
    return out


def _blame_override(warning: ScenarioWarning, overrides: dict[str, str]) -> ScenarioWarning:
    """A warning on a path that an override set is reported against the override."""
    f = warning.field
    written = [dotted(tuple(int(p) if p.isdigit() else p for p in o.split("."))) for o in overrides]
    if f and any(f == o or f.startswith((o + ".", o + "[")) for o in written):
        return ScenarioWarning("--set", warning.message, field=f)
    return warning
