"""What-ifs as scenario overrides: the knobs of a run (horizon, pause, cap, policy, shifts)."""

from __future__ import annotations

import json
from collections.abc import Callable

from aftershock.model import LoadedScenario
from aftershock.recovery.variants import plan_variant


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
