"""The LP's lost-units estimate beside the replay's, with what each means and why they may differ.

The LP is a planning estimate: store lines pooled into groups, expected demand, fluid units.
The replay runs the plan as operations get it through the full engine with random demand:
the number to trust for the outcome. Between the two sits the plan followed store by store
with expected demand (the engine, deterministic, on the worst-case path): the LP's estimate
to it is what pooling (and the engine's day order) adds, from it to the replay what random
demand adds. When LP and replay differ by more than :data:`WARN_SHARE` of the LP's, the
warning says so and by how much each part contributes.
"""

from __future__ import annotations

from typing import Any

#: Planned and replayed lost units differing by more than this share of the planned draw a warning.
WARN_SHARE = 0.25

LP_MEANS = (
    "a planning estimate: the LP's own model of the plan, pooled (store lines in groups), "
    "deterministic (expected demand) and fluid (fractional units), on the worst-case incident "
    "path. Use it to choose between plans, not to promise an outcome."
)


def replay_means(whole_shifts: bool, whole_units: bool) -> str:
    """What the replay's number is, for the plan as it was made."""
    shifts = "whole" if whole_shifts else "fractional"
    lines = "whole-unit" if whole_units else "fractional"
    return (
        f"the number to trust for the outcome: the plan ({shifts} extra shifts, {lines} dispatch "
        "lines) run through the full simulation store by store with random demand, the mean of the "
        "replications on the path the LP planned for."
    )


def lost_units_estimates(
    *,
    planned: float,
    replayed: float,
    followed: float,
    replications: int,
    stores: int,
    groups: int,
    distribution: str,
    whole_shifts: bool,
    whole_units: bool,
) -> dict[str, Any]:
    """Both estimates of the lost units after the restart, what each means, and a warning when far apart.

    ``followed`` is the plan followed store by store with expected demand. ``ratio`` is
    replayed / planned (None when the LP expects no loss).
    """
    ratio = replayed / planned if planned > 1e-9 else None
    gap = replayed - planned
    warning = None
    if abs(gap) > WARN_SHARE * max(planned, 1.0) and abs(gap) >= 1.0:
        pooled = followed - planned
        random = replayed - followed
        reasons = []
        if pooled > 0.01 * max(planned, 1.0):
            why = (
                f"the LP pools {stores:,} stores into {groups} groups per item, as if a group's stock "
                "were shared: a store that runs out while another in its group has stock loses sales "
                "the LP does not see"
                if groups < stores
                else "the engine's day order, which the LP simplifies"
            )
            reasons.append(f"{pooled:+,.0f} units come with following the plan store by store ({why})")
        else:
            reasons.append(
                f"following the plan store by store with expected demand changes it by {pooled:+,.0f} units "
                "(pooling is not the reason here)"
            )
        if distribution != "deterministic":
            why = (
                ": a store selling more than expected runs out while another holds stock, and such "
                "losses do not average out"
                if random > 0
                else ""
            )
            reasons.append(f"{random:+,.0f} come with random demand ({distribution.replace('_', ' ')}){why}")
        times = f"{ratio:.1f}×" if ratio is not None else "more than"
        warning = (
            f"The replay loses {times} the LP's estimate ({replayed:,.0f} against {planned:,.0f} units): "
            + "; ".join(reasons)
            + "."
        )
        if whole_shifts:
            warning += " Whole shifts are no reason: the LP's estimate is already that of the plan with them."
    return {
        "lp_lost_units": planned,
        "lp_means": LP_MEANS,
        "replay_lost_units": replayed,
        "replay_means": replay_means(whole_shifts, whole_units),
        "replay_replications": replications,
        "followed_lost_units": followed,
        "followed_means": (
            "the plan followed store by store with expected demand (the engine, deterministic, on the "
            "worst-case path): between the two, it shows what pooling and what random demand add."
        ),
        "ratio": ratio,
        "warning": warning,
    }
