"""Load a scenario file (YAML or JSON) and its store table, validated, with line numbers."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from aftershock.errors import DataError, Problem, ScenarioError, ScenarioWarning
from aftershock.io.bundled import resolve_scenario_path, split_variant
from aftershock.io.tables import read_rows, read_store_table
from aftershock.io.validation_errors import problems_from_validation
from aftershock.io.yaml_lines import Path_, dotted, line_of, parse_document, parse_value
from aftershock.model.checks import check_scenario, column_values
from aftershock.model.scenario import Scenario, Variant
from aftershock.model.stores import LoadedScenario, StoreFrame
from aftershock.model.uncertainty import pin_overridden, pinned_warnings
from aftershock.model.warnings import scenario_warnings


def load_scenario(
    ref: str | Path,
    overrides: list[str] | None = None,
    *,
    confine: bool = False,
    variant: str | None = None,
) -> LoadedScenario:
    """Load, validate and cross-check a scenario by bundled name or path.

    ``ref`` may end in ``:VARIANT`` (``ocs-2022:spread``), or ``variant`` names it: the
    values of that named what-if of the file (``variants:``) are set as ``--set`` would set
    them, and the loaded scenario is named ``NAME:VARIANT``. A file that declares variants
    must be valid as written, and so must each of its variants: a broken variant is an
    error whichever one is asked for, located at its entry in the file.

    ``overrides`` are ``dotted.path=value`` strings (the value is parsed as YAML), applied
    after the variant and before validation, so a what-if is checked exactly like the file
    itself.

    ``confine`` is for scenarios that arrive from someone else (the web API): the store
    table must then be a plain file name in the scenario's own folder (no absolute path, no
    folder, no ``..``, no link), and no message names a folder of this machine.
    """
    given = str(ref)
    ref, named = split_variant(ref)
    if variant is not None and named is not None and variant != named:
        raise ScenarioError.from_problems(
            [
                Problem(
                    Path(given).name if confine else given,
                    f"names variant '{named}', but variant '{variant}' was asked for as well",
                )
            ]
        )
    variant = variant if variant is not None else named
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
    doc = _Document(path=path, source=source, lines=lines, confine=confine)
    if variant is None and not data.get("variants"):  # no variants involved
        edited = copy.deepcopy(data)
        return _build(doc, edited, _apply_set(edited, overrides or []))
    # variants are what-ifs of the file as written: it must be valid by itself, and so
    # must each variant (validation may rewrite shorthands in place: each build gets a copy)
    base = _build(doc, copy.deepcopy(data), [], warn=variant is None and not overrides)
    built: dict[str, LoadedScenario] = {}
    for name, declared in base.scenario.variants.items():
        edited = copy.deepcopy(data)
        edits = _variant_edits(doc, edited, name, declared)
        built[name] = _build(
            doc, edited, edits, variant=name, check=name, warn=name == variant and not overrides
        )
    if variant is not None and variant not in built:
        # a scenario sent from elsewhere is named by its file alone (no folder of this machine)
        raise _unknown_variant(source if confine else given, base.scenario.name, variant, list(built))
    if not overrides:
        return base if variant is None else built[variant]
    edited = copy.deepcopy(data)
    edits = [] if variant is None else _variant_edits(doc, edited, variant, base.scenario.variants[variant])
    return _build(doc, edited, [*edits, *_apply_set(edited, overrides)], variant=variant)


@dataclass
class _Document:
    """The scenario file being loaded: where it is, the line of each key, the tables read."""

    path: Path
    source: str
    lines: dict[Path_, int]
    confine: bool
    tables: dict[tuple[Path, str], StoreFrame] = field(default_factory=dict)

    def stores(self, table_path: Path, scenario: Scenario, variant: str | None) -> StoreFrame:
        """The store table (read once per file and defaults, however many variants use it)."""
        spec = scenario.sites.stores
        key = (table_path, spec.defaults.model_dump_json())
        try:
            found = self.tables.get(key)
            if found is None:
                found = self.tables[key] = read_store_table(table_path, spec.table, spec.defaults)
            _check_dc_column(found, scenario, spec.table, table_path)
        except DataError as exc:
            which = f"{self.source} (variant {variant})" if variant else self.source
            head = f"in the store table of {which}:\n"
            raise DataError(head + "\n".join(exc.lines), exc.problems) from None
        return found


@dataclass(frozen=True)
class _Edit:
    """One value set on the document, by ``--set`` or by a variant of the file."""

    key: str  # as written: `control[0].p`, `sites.dcs.1.backups`
    path: str  # as problems print fields: `control[0].p`, `sites.dcs[1].backups`
    created: str | None  # the shallowest path the edit added to the document (printed form)
    variant: str | None  # the variant that sets it; None for --set


def _build(
    doc: _Document,
    data: dict[str, Any],
    edits: list[_Edit],
    *,
    variant: str | None = None,
    check: str | None = None,
    warn: bool = True,
) -> LoadedScenario:
    """Validate and cross-check ``data`` (the file with ``edits`` applied).

    ``check`` names the variant being checked: a problem no edit explains is then one the
    variant causes elsewhere in the scenario, reported against the variant's entry.
    """

    def blamed(problems: list[Problem]) -> list[Problem]:
        return [_blame(p, edits, doc, check) for p in problems]

    # a value a variant or --set gives an uncertain field is used in every replication, not
    # drawn (model/uncertainty.py); only --set is told, a variant's author wrote both
    pin_overridden(data, [e.key for e in edits if e.variant is not None])
    pinned = pin_overridden(data, [e.key for e in edits if e.variant is None])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation(exc, doc.source, doc.lines, Scenario)
        raise ScenarioError.from_problems(blamed(problems)) from None
    table_path, table_problem = _table_path(doc.path, scenario.sites.stores.table, doc.confine)
    if table_problem is not None:
        loc = ("sites", "stores", "table")
        problem = Problem(doc.source, table_problem, line=line_of(doc.lines, loc), field=dotted(loc))
        raise ScenarioError.from_problems(blamed([problem]))
    stores = doc.stores(table_path, scenario, variant)
    findings = check_scenario(scenario, stores) + _policy_findings(scenario)
    if findings:
        problems = [
            Problem(doc.source, message, line=line_of(doc.lines, loc), field=dotted(loc))
            for loc, message in findings
        ]
        raise ScenarioError.from_problems(blamed(problems))
    warnings: tuple[ScenarioWarning, ...] = ()
    if warn:
        found = [
            ScenarioWarning(doc.source, message, line=line_of(doc.lines, loc), field=dotted(loc))
            for loc, message in scenario_warnings(scenario, stores)
        ]
        warnings = tuple(_blame_warning(w, edits, doc) for w in found) + pinned_warnings(pinned)
    return LoadedScenario(scenario=scenario, stores=stores, path=doc.path, warnings=warnings, variant=variant)


def _unknown_variant(given: str, scenario: str, name: str, known: list[str]) -> ScenarioError:
    import difflib

    if not known:
        return ScenarioError.from_problems(
            [Problem(given, f"{scenario} has no variants (a scenario declares them under `variants:`)")]
        )
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return ScenarioError.from_problems(
        [Problem(given, f"{scenario} has no variant '{name}'{hint} (variants: {', '.join(known)})")]
    )


def _check_dc_column(stores: StoreFrame, scenario: Scenario, table: str, path: Path) -> None:
    """Every cell of a ``dc`` column names a DC of the scenario (one problem per bad row).

    Problems name the row as the table's reader numbers it (blank lines of a CSV count), so
    the table at ``path`` is read again row by row, for the row numbers, only when a cell is bad.
    """
    column = stores.attributes.get("dc")
    if column is None:
        return
    known = [dc.id for dc in scenario.sites.dcs]
    # the distinct cells are kept with the table: every variant checks the same column
    if column_values(stores, "dc") <= {*known, ""}:
        return
    bad = [(i, value) for i, value in enumerate(column.tolist()) if value and value not in known][:50]
    _, rows = read_rows(path, table)
    numbers = [row for row, _ in rows] if len(rows) == len(stores) else range(1, len(stores) + 1)
    allowed = ", ".join(known) if known else "none: the scenario lists no DC"
    raise DataError.from_problems(
        [
            Problem(
                table,
                f"expected the id of a DC of the scenario ({allowed}), got '{value[:40]}'",
                row=numbers[i],
                field="dc",
            )
            for i, value in bad
        ]
    )


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


#: Keys a variant cannot set: its runs are named after the scenario and the variant, and a
#: variant is a what-if of the file, not a new list of what-ifs.
_NOT_SET_BY_VARIANTS = ("name", "variants")


class _BadPath(Exception):
    """A key path that leads nowhere in the document (the message says where it stops)."""


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, str]:
    """Set ``a.b.c=value`` entries in ``data``; return {path as written: original text}."""
    return {edit.key: text for edit, text in zip(_apply_set(data, overrides), overrides, strict=True)}


def _apply_set(data: dict[str, Any], overrides: list[str]) -> list[_Edit]:
    """Apply ``--set`` overrides, in order; problems name ``--set``."""
    edits = []
    for text in overrides:
        key, sep, raw = text.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ScenarioError.from_problems(
                [Problem("--set", f"expected path=value (e.g. plan.allocation=fifo), got '{text}'")]
            )
        value = parse_value(raw, "--set")
        try:
            path, created = _set_path(data, key, value)
        except _BadPath as exc:
            raise ScenarioError.from_problems([Problem("--set", str(exc), field=key)]) from None
        edits.append(_Edit(key=key, path=path, created=created, variant=None))
    return edits


def _variant_edits(doc: _Document, data: dict[str, Any], name: str, variant: Variant) -> list[_Edit]:
    """Apply a variant's ``set`` entries, in the order written; problems name the entry's line."""
    edits = []
    for key, value in variant.set.items():
        loc = ("variants", name, "set", key)
        first = re.split(r"[.\[]", key.strip(), maxsplit=1)[0]
        message = None
        if first in _NOT_SET_BY_VARIANTS:
            message = (
                f"a variant cannot set '{first}': runs of a variant are named after the scenario "
                f"and the variant ({data.get('name')}:{name}), and variants are declared only at the top"
            )
        else:
            try:
                path, created = _set_path(data, key.strip(), copy.deepcopy(value))
            except _BadPath as exc:
                message = f"variant '{name}' sets a path that does not exist: {exc}"
        if message is not None:
            field_ = f"variants.{name}.set.{key}"
            raise ScenarioError.from_problems(
                [Problem(doc.source, message, line=line_of(doc.lines, loc), field=field_)]
            )
        edits.append(_Edit(key=key, path=path, created=created, variant=name))
    return edits


def _set_path(data: dict[str, Any], key: str, value: Any) -> tuple[str, str | None]:
    """Set ``key`` (``a.b[1].c`` or ``a.b.1.c``) to ``value``; return (the path as problems print
    it, the shallowest path that did not exist before, if any). Missing mapping keys are added
    (validation then names an unknown one); a list index must exist."""
    # `sites.dcs[1].id`, the form problems are printed in, means the same as `sites.dcs.1.id`
    parts = re.sub(r"\[(\d+)\]", r".\1", key).split(".")
    node: Any = data
    walked: list[str | int] = []
    created: tuple[str | int, ...] | None = None
    for depth, part in enumerate(parts[:-1]):
        index: str | int = int(part) if part.isdigit() and isinstance(node, list) else part
        try:
            child = node[index]
        except (KeyError, IndexError, TypeError):
            if not isinstance(node, dict):
                raise _BadPath(f"'{'.'.join(parts[: depth + 1])}' does not exist in the scenario") from None
            child = node[index] = {}
            created = created or (*walked, index)
        walked.append(index)
        node = child
    last = parts[-1]
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        node[int(last)] = value
        walked.append(int(last))
    elif isinstance(node, dict):
        if last not in node:
            created = created or (*walked, last)
        node[last] = value
        walked.append(last)
    else:
        raise _BadPath(f"'{key}' does not point into a mapping or list")
    return dotted(tuple(walked)), None if created is None else dotted(created)


def _edit_of(field_: str | None, edits: list[_Edit]) -> tuple[_Edit | None, str]:
    """The last edit that set ``field_`` (or a path above it, or added it), and the rest of
    ``field_`` below the edit's path."""
    if not field_:
        return None, ""
    for edit in reversed(edits):  # the last value set wins
        if field_ == edit.path or field_.startswith((edit.path + ".", edit.path + "[")):
            return edit, field_[len(edit.path) :]
        added = edit.created
        if added and (field_ == added or field_.startswith((added + ".", added + "["))):
            return edit, ""
    return None, ""


def _rest_parts(rest: str) -> tuple[str | int, ...]:
    """``.a[2].b`` as ``("a", 2, "b")``."""
    return tuple(int(index) if index else key for key, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", rest))


def _where(edit: _Edit, rest: str, doc: _Document) -> tuple[str, int | None, str]:
    """(source, line, field) of a value set by ``edit`` (and ``rest`` below it)."""
    if edit.variant is None:
        return "--set", None, edit.path + rest
    loc = ("variants", edit.variant, "set", edit.key, *_rest_parts(rest))
    return doc.source, line_of(doc.lines, loc), f"variants.{edit.variant}.set.{edit.key}{rest}"


def _blame(problem: Problem, edits: list[_Edit], doc: _Document, check: str | None) -> Problem:
    """A problem on a path an override or a variant set is reported against that entry."""
    edit, rest = _edit_of(problem.field, edits)
    if edit is not None:
        source, line, field_ = _where(edit, rest, doc)
        if edit.variant is None:  # --set: the field as the user typed it into the scenario
            field_ = problem.field or field_
        return Problem(source, problem.message, line=line, field=field_)
    if check is None:
        return problem
    where = problem.field or "its top level"
    if problem.line is not None:
        where += f" (line {problem.line})"
    return Problem(
        doc.source,
        f"the scenario this variant makes is invalid at {where}: {problem.message}",
        line=line_of(doc.lines, ("variants", check)),
        field=f"variants.{check}",
    )


def _blame_warning(warning: ScenarioWarning, edits: list[_Edit], doc: _Document) -> ScenarioWarning:
    """A warning on a path an override or a variant set is reported against that entry."""
    edit, rest = _edit_of(warning.field, edits)
    if edit is None:
        return warning
    source, line, field_ = _where(edit, rest, doc)
    if edit.variant is None:
        field_ = warning.field or field_
    return ScenarioWarning(source, warning.message, line=line, field=field_)
