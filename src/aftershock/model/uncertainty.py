"""Uncertain scenario parameters (``uncertainty:``): which fields, their checks, their draws.

A scenario may give a numeric field of its incident, plan, behaviour, demand, attack paths
or backup DCs as an :class:`~aftershock.model.threats.Estimate` instead of one number,
keyed by the field's path as ``--set`` writes it (``incident.forensic_clearance_days``,
``control[0].p``). A simulation then draws ``K`` parameter sets and runs each on its own
replications (:func:`draw_sets`); the result separates the spread the parameters cause
from the spread of demand (``sim/draws.py``).

Draws come from streams of their own, one per path (a child of ``SeedSequence(seed)`` with
a two-part spawn key, never one of the replications' demand streams), so adding a parameter
leaves the draws of the others as they were, and the same seed gives the same draws on
every executor.
"""

from __future__ import annotations

import difflib
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from pydantic import ValidationError

from aftershock.errors import ScenarioWarning
from aftershock.model.scenario import Scenario
from aftershock.model.stores import LoadedScenario, StoreFrame
from aftershock.model.threats import Estimate

Loc = tuple[str | int, ...]
Finding = tuple[Loc, str]

#: First word of the spawn key of parameter streams ("unc"): the replications' demand streams
#: have one-word keys (their index), so no parameter stream is ever a demand stream.
PARAMETER_STREAM = 0x756E63

#: A lognormal's draws are cut at these quantiles, so that every draw lies in the range
#: checked when the scenario is loaded.
LOGNORMAL_TAIL = 0.001
#: z of the 99.9th percentile of a standard normal.
_Z_TAIL = 3.090232306167813

#: Where an uncertain field may live: the top-level sections whose numbers describe the
#: incident, the response and demand; the attack paths' probability and delay; the backup
#: DCs' share, extra lead time and switch-over; the capacity factor of an alternative in a
#: requires rule (a fallback's throughput, such as a payment app in place of the tills).
SECTIONS = ("incident", "plan", "behaviour", "demand")
CONTROL_FIELDS = ("p", "delay_days")
BACKUP_FIELDS = ("share_of_spare", "extra_lead_time_days", "switch_over_days")

#: What a message lists as allowed.
ALLOWED = (
    "incident.*, plan.*, behaviour.*, demand.*, control[i].p, control[i].delay_days, "
    "sites.dcs[i].backups[j].share_of_spare / extra_lead_time_days / switch_over_days and "
    "requires[i].groups[j][k].factor"
)


@dataclass(frozen=True)
class Parameter:
    """An uncertain field: its path as written, where it is, its estimate and its point value."""

    path: str
    loc: Loc
    estimate: Estimate
    integer: bool  # a whole-number field: draws are rounded
    point: float  # the value the scenario writes

    def support(self) -> tuple[float, float]:
        """Lowest and highest value a draw can take (rounded for a whole-number field)."""
        est = self.estimate
        if est.dist == "point":
            lo = hi = float(est.value or 0.0)
        elif est.dist in ("uniform", "pert"):
            lo, hi = float(est.low or 0.0), float(est.high or 0.0)
        else:
            mu = np.log(float(est.median or 1.0))
            sigma = est._sigma()
            lo, hi = float(np.exp(mu - _Z_TAIL * sigma)), float(np.exp(mu + _Z_TAIL * sigma))
        return (float(np.rint(lo)), float(np.rint(hi))) if self.integer else (lo, hi)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` draws: a lognormal's cut to :meth:`support`, a whole-number field's rounded."""
        draws = self.estimate.sample(rng, size)
        if self.estimate.dist == "lognormal":
            lo, hi = self.support()
            draws = np.clip(draws, lo, hi)
        return np.rint(draws) if self.integer else draws

    def describe(self) -> str:
        """The estimate in a few characters: ``pert 4–5–8``, ``lognormal median 5, p90 9``."""
        e = self.estimate
        if e.dist == "point":
            return f"point {e.value:g}"
        if e.dist == "uniform":
            return f"uniform {e.low:g}–{e.high:g}"
        if e.dist == "pert":
            return f"pert {e.low:g}–{e.mode:g}–{e.high:g}"
        return f"lognormal median {e.median:g}, p90 {e.p90:g}"


def scenario_data(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain data, keys as a file writes them, without its uncertainty."""
    data = scenario.model_dump(by_alias=True)
    data["uncertainty"] = {}
    return data


def _tokens(path: str) -> list[str]:
    # `control[0].p` and `control.0.p` are the same path, as for --set
    return re.sub(r"\[(\d+)\]", r".\1", path.strip()).split(".")


def _written(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def resolve(data: dict[str, Any], path: str) -> tuple[Loc, Any]:
    """Where ``path`` points in the scenario's ``data``, and the value there.

    A mapping key may hold dots (ids such as ``pos.main``): the shortest run of parts that
    is a key is taken. Raises ``ValueError`` with a message for a path that does not exist.
    """
    parts = _tokens(path)
    node: Any = data
    loc: list[str | int] = []
    i = 0
    while i < len(parts):
        here = _written(tuple(loc)) or "the scenario"
        if isinstance(node, list):
            part = parts[i]
            if not part.isdigit() or int(part) >= len(node):
                raise ValueError(
                    f"no such field: {here} is a list of {len(node)}, indexed [0] to "
                    f"[{len(node) - 1}], not '{part}'"
                    if node
                    else f"no such field: {here} is an empty list"
                )
            loc.append(int(part))
            node = node[int(part)]
            i += 1
        elif isinstance(node, dict):
            for j in range(i + 1, len(parts) + 1):
                key = ".".join(parts[i:j])
                if key in node:
                    loc.append(key)
                    node = node[key]
                    i = j
                    break
            else:
                known = sorted(str(k) for k in node)
                close = difflib.get_close_matches(parts[i], known, n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                listing = ", ".join(known[:15]) + (", ..." if len(known) > 15 else "")
                raise ValueError(
                    f"no such field: {here} has no '{parts[i]}'{hint} (it has: {listing or 'nothing'})"
                )
        else:
            raise ValueError(f"no such field: {_written(tuple(loc))} is a value, not a section")
    return tuple(loc), node


def _allowed(loc: Loc) -> bool:
    if not loc:
        return False
    if loc[0] in SECTIONS:
        return len(loc) > 1
    if loc[0] == "control":
        return len(loc) == 3 and loc[2] in CONTROL_FIELDS
    if loc[0] == "requires":
        return len(loc) == 6 and loc[2] == "groups" and loc[5] == "factor"
    return len(loc) == 6 and loc[:2] == ("sites", "dcs") and loc[3] == "backups" and loc[5] in BACKUP_FIELDS


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parameter(data: dict[str, Any], path: str, estimate: Estimate) -> Parameter:
    """The uncertain field ``path`` of the scenario ``data``; ``ValueError`` when it cannot be one."""
    loc, value = resolve(data, path)
    if not _allowed(loc):
        raise ValueError(
            "this field cannot be uncertain: only numbers of the incident, plan, behaviour and "
            f"demand, of attack paths and backup DCs, and fallbacks' factors can ({ALLOWED})"
        )
    if value is None:
        raise ValueError(
            f"{path} has no value in the scenario (it is left out); write its value in the "
            "scenario first, then give its uncertainty"
        )
    if not _is_number(value):
        kind = {bool: "true/false", str: "text", list: "a list", dict: "a section"}.get(
            type(value), type(value).__name__
        )
        raise ValueError(f"{path} is {kind}, not a number: only numbers can be uncertain")
    return Parameter(
        path=path,
        loc=loc,
        estimate=estimate,
        integer=isinstance(value, int),
        point=float(value),
    )


def parameters(scenario: Scenario) -> list[Parameter]:
    """The scenario's uncertain fields, in the order written (``ValueError`` on a bad path)."""
    if not scenario.uncertainty:
        return []
    data = scenario_data(scenario)
    return [parameter(data, path, est) for path, est in scenario.uncertainty.items()]


def _set(data: dict[str, Any], loc: Loc, value: float) -> None:
    node: Any = data
    for part in loc[:-1]:
        node = node[part]
    node[loc[-1]] = value


def _number(value: float, integer: bool) -> int | float:
    return int(value) if integer else float(value)


def substituted(
    scenario: Scenario, values: dict[str, float], params: Sequence[Parameter] | None = None
) -> Scenario:
    """The scenario with the fields of ``values`` (by path) set, validated, without uncertainty.

    Raises ``ValueError`` with the first reason when the result is not a valid scenario.
    """
    params = parameters(scenario) if params is None else params
    data = scenario_data(scenario)
    by_path = {p.path: p for p in params}
    for path, value in values.items():
        p = by_path[path]
        _set(data, p.loc, _number(value, p.integer))
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = _written(tuple(err["loc"]))
        message = str(err["msg"]).removeprefix("Value error, ")
        raise ValueError(f"{where}: {message}" if where else message) from None


def _range_findings(
    scenario: Scenario, stores: StoreFrame, p: Parameter, params: Sequence[Parameter]
) -> list[Finding]:
    from aftershock.model.checks import check_numbers

    est = p.estimate
    keys = {"point": ("value", "value"), "uniform": ("low", "high"), "pert": ("low", "high")}
    low_key, high_key = keys.get(est.dist, ("median", "p90"))
    lo, hi = p.support()
    findings: list[Finding] = []
    for value, key, what in ((lo, low_key, "lowest"), (hi, high_key, "highest")):
        if est.dist == "lognormal":
            quantile = "0.1th" if what == "lowest" else "99.9th"
            named = (
                f"{key} {getattr(est, key):g} puts the {what} draw (the {quantile} percentile, where "
                f"draws are cut) at {value:g}, which"
            )
        else:
            moved = p.integer and value != getattr(est, key)
            rounded = " (rounded: the field is a whole number)" if moved else ""
            named = f"{key} {value:g}{rounded}"
        try:
            changed = substituted(scenario, {p.path: value}, params)
        except ValueError as exc:
            reason = str(exc).removeprefix(f"{p.path}: ")
            findings.append((("uncertainty", p.path, key), f"{named} is not a valid {p.path}: {reason}"))
            continue
        # `changed` differs from a sound scenario by one number only: its other checks pass
        problems = check_numbers(changed, stores)
        if problems:
            loc, message = problems[0]
            findings.append(
                (("uncertainty", p.path, key), f"{named} is not a valid {p.path}: {_written(loc)}: {message}")
            )
            continue
        _, kept = resolve(scenario_data(changed), p.path)
        if kept != value:
            # another field sets this one (incident.pause_days sets forensic_clearance_days): a
            # draw would be overwritten, so the spread reported would be an invention
            findings.append(
                (
                    ("uncertainty", p.path),
                    f"{p.path} is set by another field of the scenario ({value:g} becomes {kept:g}), "
                    "so its draws would change nothing; make that field uncertain instead",
                )
            )
            break
        if lo == hi:
            break
    return findings


def uncertainty_findings(scenario: Scenario, stores: StoreFrame) -> list[Finding]:
    """Every problem of the scenario's ``uncertainty:``: a path that does not exist, is not a
    number or may not be uncertain; an estimate whose lowest or highest draw is not a valid
    value of its field (checked by loading the scenario with that value in place)."""
    if not scenario.uncertainty:
        return []
    data = scenario_data(scenario)
    params: list[Parameter] = []
    findings: list[Finding] = []
    for path, est in scenario.uncertainty.items():
        try:
            params.append(parameter(data, path, est))
        except ValueError as exc:
            findings.append((("uncertainty", path), str(exc)))
    if findings:
        return findings
    for p in params:
        findings.extend(_range_findings(scenario, stores, p, params))
    return findings


# --- draws ---------------------------------------------------------------------------------


def parameter_rng(seed: int, path: str) -> np.random.Generator:
    """The stream of ``path``'s draws: child ``(PARAMETER_STREAM, crc32(path))`` of ``seed``."""
    root = np.random.SeedSequence(seed)
    key = (PARAMETER_STREAM, zlib.crc32(path.encode("utf-8")))
    return np.random.default_rng(
        np.random.SeedSequence(root.entropy, spawn_key=key, pool_size=root.pool_size)
    )


def draw_values(params: Sequence[Parameter], seed: int, draws: int) -> dict[str, np.ndarray]:
    """``draws`` values of each parameter, by path, each from its own stream."""
    return {p.path: p.sample(parameter_rng(seed, p.path), draws) for p in params}


def split_replications(replications: int, draws: int) -> list[int]:
    """Replications of each draw: as even as possible, the larger shares first."""
    base, extra = divmod(replications, draws)
    return [base + (1 if k < extra else 0) for k in range(draws)]


def default_draws(replications: int) -> int:
    """Parameter sets drawn by default: one per two replications (at least one).

    Two replications a set is what lets the spread of demand be told from the spread of the
    parameters (the law of total variance needs replications that share a set).
    """
    return max(1, replications // 2)


@dataclass(frozen=True)
class DrawnSets:
    """The parameter sets of one simulation: the scenario of each, its replications, the values."""

    params: tuple[Parameter, ...]
    scenarios: tuple[LoadedScenario, ...]  # one per draw
    sizes: tuple[int, ...]  # replications of each draw, in order
    values: dict[str, np.ndarray]  # path -> (K,) drawn values

    @property
    def draw_of_replication(self) -> np.ndarray:
        """(R,) the draw each replication belongs to."""
        return np.repeat(np.arange(len(self.sizes)), self.sizes)


def draw_sets(loaded: LoadedScenario, replications: int, seed: int, draws: int | None = None) -> DrawnSets:
    """``draws`` parameter sets of ``loaded`` (default :func:`default_draws`), each a valid
    scenario, and how the replications are split over them.

    Raises ``ValueError`` naming the draw and its values when a combination of draws is not a
    valid scenario. Each field alone was checked at load over its whole range, with every
    check of a scenario; a combination is checked by the schema, which holds every rule that
    ties one number to another (an isolation's end after its start, a surge's end after its
    start): the cross-reference checks look at one number at a time, so the ends of each
    range stand for every draw.
    """
    k = default_draws(replications) if draws is None else draws
    params = tuple(parameters(loaded.scenario))
    values = draw_values(params, seed, k)
    scenarios = []
    for d in range(k):
        chosen = {p.path: float(values[p.path][d]) for p in params}
        try:
            scenario = substituted(loaded.scenario, chosen, params)
        except ValueError as exc:
            shown = ", ".join(
                f"{path}={_number(v, _param(params, path).integer)}" for path, v in chosen.items()
            )
            raise ValueError(f"parameter draw {d} ({shown}) is not a valid scenario: {exc}") from None
        scenarios.append(replace(loaded, scenario=scenario))
    return DrawnSets(params, tuple(scenarios), tuple(split_replications(replications, k)), values)


def _param(params: Sequence[Parameter], path: str) -> Parameter:
    return next(p for p in params if p.path == path)


# --- commands that do not draw --------------------------------------------------------------


def uncertainty_line(loaded: LoadedScenario) -> int | None:
    """Line of the ``uncertainty:`` key in the scenario file, when it is there."""
    if loaded.path is None:
        return None
    try:
        text = loaded.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(r"""^["']?uncertainty["']?\s*:""", line):
            return number
    return None


def _source(loaded: LoadedScenario) -> str:
    return loaded.path.name if loaded.path is not None else loaded.name


def point_values(loaded: LoadedScenario, command: str) -> LoadedScenario:
    """``loaded`` for a command that runs on the point values: its uncertainty dropped, and a
    warning that says so (nothing changes without ``uncertainty:``)."""
    if not loaded.scenario.uncertainty:
        return loaded
    paths = ", ".join(loaded.scenario.uncertainty)
    warning = ScenarioWarning(
        _source(loaded),
        f"uncertainty ignored: {command} uses the point values of {paths} (only simulate and "
        "compare draw them)",
        line=uncertainty_line(loaded),
        field="uncertainty",
    )
    scenario = loaded.scenario.model_copy(update={"uncertainty": {}})
    return replace(loaded, scenario=scenario, warnings=(*loaded.warnings, warning))


def _under(path: str, prefix: str) -> bool:
    a, b = ".".join(_tokens(path)), ".".join(_tokens(prefix))
    return a == b or a.startswith(b + ".")


def pin(loaded: LoadedScenario, prefixes: Iterable[str], why: str) -> LoadedScenario:
    """``loaded`` without the uncertain fields at or under ``prefixes`` (their point values are
    used), and a warning naming them and ``why``; unchanged when none is uncertain."""
    prefixes = list(prefixes)
    pinned = [p for p in loaded.scenario.uncertainty if any(_under(p, x) for x in prefixes)]
    if not pinned:
        return loaded
    kept = {p: e for p, e in loaded.scenario.uncertainty.items() if p not in pinned}
    warning = ScenarioWarning(
        _source(loaded),
        f"not drawn: {why}; the point value{'s' if len(pinned) > 1 else ''} of "
        f"{', '.join(pinned)} {'are' if len(pinned) > 1 else 'is'} used",
        line=uncertainty_line(loaded),
        field="uncertainty",
    )
    scenario = loaded.scenario.model_copy(update={"uncertainty": kept})
    return replace(loaded, scenario=scenario, warnings=(*loaded.warnings, warning))


def pin_overridden(data: dict[str, Any], override_paths: Iterable[str]) -> list[str]:
    """Drop from a scenario's raw ``data`` the uncertain fields an override sets (a ``--set``
    or a variant's value is a what-if on a known value: it is used, not drawn). Returns the
    paths dropped; call before validation."""
    block = data.get("uncertainty")
    if not isinstance(block, dict):
        return []
    dropped = [p for p in list(block) if isinstance(p, str) and any(_under(p, o) for o in override_paths)]
    for p in dropped:
        del block[p]
    return dropped


def pinned_warnings(paths: Sequence[str]) -> tuple[ScenarioWarning, ...]:
    """The warning that the uncertain fields ``paths`` are not drawn because an override sets them."""
    if not paths:
        return ()
    return (
        ScenarioWarning(
            "--set",
            f"not drawn: an override gives {'them values' if len(paths) > 1 else 'it a value'}, "
            f"which {'are' if len(paths) > 1 else 'is'} used in every replication: {', '.join(paths)}",
            field="uncertainty",
        ),
    )


__all__ = [
    "DrawnSets",
    "Parameter",
    "default_draws",
    "draw_sets",
    "draw_values",
    "parameter_rng",
    "parameters",
    "pin",
    "pin_overridden",
    "pinned_warnings",
    "point_values",
    "resolve",
    "split_replications",
    "substituted",
    "uncertainty_findings",
]
