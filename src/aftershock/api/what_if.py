"""What-ifs as scenario overrides: the knobs of a run (horizon, pause, cap, policy, shifts)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from aftershock.errors import ParameterError
from aftershock.model import LoadedScenario
from aftershock.recovery.variants import plan_variant

#: What-ifs: ``path=value`` strings (as ``--set`` takes them) or a mapping of path to value
#: (``{"incident.pause_days": 10}``), the same what-ifs either way.
Overrides = list[str] | Mapping[str, Any] | None


def override_strings(overrides: Overrides) -> list[str]:
    """``overrides`` as ``path=value`` strings: a mapping's values written as YAML that reads
    back to the very same value, so a dict and the strings load the same scenario (and their
    problems name ``--set`` and the path alike)."""
    if overrides is None:
        return []
    if isinstance(overrides, str):
        raise ParameterError(
            "overrides", f"expected a list of path=value strings or a dict, got the string '{overrides}'"
        )
    if not isinstance(overrides, Mapping):
        return list(overrides)
    from aftershock.io.yaml_lines import parse_value

    out = []
    for path, value in overrides.items():
        if not isinstance(path, str) or not path.strip() or "=" in path:
            raise ParameterError(
                "overrides", f"expected a key path such as incident.pause_days, got {path!r}"
            )
        text = _yaml_value(value)
        if parse_value(text, "--set") != value:
            raise ParameterError("overrides", f"{path}: cannot write {value!r} as a scenario value")
        out.append(f"{path}={text}")
    return out


def _yaml_value(value: Any) -> str:
    """One value as YAML flow text on one line (strings quoted only where YAML needs it)."""
    import yaml

    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, float) and math.isfinite(value):
        return _yaml_number(value)
    text: str = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=2**31 - 1)
    return text.removesuffix("\n...\n").strip()


def run_overrides(
    load_with: Callable[[list[str]], LoadedScenario],
    *,
    horizon_days: int | None = None,
    pause_days: int | None = None,
    order_cap: float | str | None = None,
    policy: str | None = None,
    surge_shifts: int | None = None,
) -> list[str]:
    """``path=value`` overrides that set the given knobs (``None`` keeps the scenario's value).

    ``surge_shifts`` sets the extra shifts a day of the scenario's surge window the way
    ``compare --surge`` does, so it needs the scenario with the other knobs applied:
    ``load_with(overrides)`` loads it (the web server passes its cache).
    """
    overrides: list[str] = []
    if horizon_days is not None:
        overrides.append(f"horizon_days={horizon_days}")
    if pause_days is not None:
        overrides.append(f"incident.pause_days={pause_days}")
    if order_cap is not None:
        overrides.append(f"plan.order_cap={_yaml_number(order_cap)}")
    if policy is not None:
        overrides.append(f"plan.allocation={json.dumps(policy, ensure_ascii=False)}")
    if surge_shifts is not None:
        loaded = load_with(overrides)
        variant = plan_variant(loaded, loaded.scenario.plan.allocation, None, surge_shifts)
        surge = [s.model_dump(mode="json") for s in variant.scenario.plan.surge]
        overrides.append(f"plan.surge={json.dumps(surge)}")
    return overrides


def _yaml_number(value: float | str) -> str:
    """A number as YAML reads it back: YAML 1.1 wants a dot before an exponent (1.0e-05)."""
    if isinstance(value, str):
        return value
    text = repr(float(value))
    mantissa, e, exponent = text.partition("e")
    if e and "." not in mantissa:
        text = f"{mantissa}.0e{exponent}"
    return text
