"""The pause decision: expected and 1-in-20 loss of each precautionary pause length."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from aftershock.api.results import PauseStudyResult
from aftershock.api.risk import future_spread
from aftershock.api.runs import check_seed, check_work, executor_for
from aftershock.api.scenarios import Overrides, ScenarioRef, StoresTable, load, warnings_data
from aftershock.errors import ParameterError, ScenarioError
from aftershock.limits import DEFAULT as DEFAULT_LIMITS
from aftershock.limits import Limits
from aftershock.model import LoadedScenario
from aftershock.model.uncertainty import point_values
from aftershock.parallel import Executor
from aftershock.risk.pause_study import pause_study as run_study
from aftershock.risk.pause_study import paused_isolations

#: Most pause lengths in one study.
MAX_LENGTHS = 30


def parse_days(text: str) -> list[int]:
    """``"0,1,2,3"`` → ``[0, 1, 2, 3]``; a :class:`ParameterError` naming ``days`` otherwise."""
    parts = [p.strip() for p in text.split(",")]
    if not text.strip() or any(not p for p in parts):
        raise ParameterError(
            "days", f"expected pause lengths in days separated by commas (0,1,2,3), got '{text}'"
        )
    out = []
    for p in parts:
        try:
            out.append(int(p))
        except ValueError:
            raise ParameterError("days", f"expected a whole number of days, got '{p}'") from None
    return out


def check_days(days: Sequence[Any], loaded: LoadedScenario) -> list[int]:
    """The pause lengths, checked: whole, at least 0, increasing, distinct, inside the horizon."""
    if isinstance(days, str):
        days = parse_days(days)
    if not days:
        raise ParameterError("days", "expected at least one pause length in days (such as 0,1,2,3,5,7,10)")
    if len(days) > MAX_LENGTHS:
        raise ParameterError("days", f"expected at most {MAX_LENGTHS} pause lengths, got {len(days)}")
    out = []
    for d in days:
        if isinstance(d, bool) or not isinstance(d, int):
            raise ParameterError("days", f"expected whole numbers of days, got {d!r}")
        if d < 0:
            raise ParameterError("days", f"expected pause lengths of 0 days or more, got {d}")
        out.append(d)
    dupes = sorted({d for d in out if out.count(d) > 1})
    if dupes:
        raise ParameterError("days", f"each pause length once: {', '.join(map(str, dupes))} repeated")
    if out != sorted(out):
        raise ParameterError(
            "days", f"expected pause lengths in increasing order, got {','.join(map(str, out))}"
        )
    incident = loaded.scenario.incident
    room = loaded.scenario.horizon_days - incident.detection_day
    if out[-1] > room:
        raise ParameterError(
            "days",
            f"a pause of {out[-1]} days runs past the horizon: the incident is detected on day "
            f"{incident.detection_day} of {loaded.scenario.horizon_days}, so at most {room} days",
        )
    return out


def pause_study(
    ref: ScenarioRef,
    *,
    days: Sequence[int] | str = (0, 1, 2, 3, 5, 7, 10),
    replications: int = 40,
    seed: int = 0,
    overrides: Overrides = None,
    executor: str | Executor | None = None,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    stores: StoresTable | None = None,
) -> PauseStudyResult:
    """How long to pause as a precaution: each length's expected and p95 loss, the chance the
    attack reaches the isolated systems, the pause's own cost, and the best length.

    Each length sets ``incident.pause_days`` (the isolations without their own ``until_day``
    end that many days after detection; the plan's surge and cap move with the restart) and
    runs the same ``replications`` on the same seed. The spread is sampled with each control
    edge's own ``p``: ``incident.spread_p_override`` describes the replayed incident (ocs-2022's
    record: it did not spread) and is not used, with a warning. Uncertain inputs take their
    point values. See :mod:`aftershock.risk.pause_study` for every definition.
    """
    limits.check_replications(replications)
    if replications < 2:
        raise ParameterError("replications", f"expected at least 2 replications, got {replications}")
    check_seed(seed)
    loaded = future_spread(point_values(load(ref, overrides, stores=stores), "pause-study"))
    check_scenario(loaded)
    lengths = check_days(days, loaded)
    check_work(loaded, replications * (len(set(lengths) | {0}) + 1), limits)
    with executor_for(executor, workers) as ex:
        out = run_study(
            loaded, lengths, replications=replications, seed=seed, executor=ex, on_progress=on_progress
        )
    out["scenario"] = loaded.name
    out["currency_note"] = (
        "losses in the scenario's currency: lost margin + surge + churn, beyond the same replication "
        "without incident"
    )
    out["warnings"] = warnings_data(loaded)
    return PauseStudyResult(out)


def check_scenario(loaded: LoadedScenario) -> None:
    """Refuse a scenario whose pause changes nothing: no isolation, or each with its own end."""
    incident = loaded.scenario.incident
    if not incident.isolate:
        raise ScenarioError(
            f"{loaded.name} has no precautionary isolation (incident.isolate): a pause-study varies "
            "how long isolations last; add one, such as incident.isolate: [{service: wms}]"
        )
    if not paused_isolations(loaded):
        raise ScenarioError(
            f"{loaded.name}: every isolation in incident.isolate sets its own until_day, so the "
            "pause length changes none of them; leave until_day out of the isolations the pause ends"
        )


def pause_figure(study: dict[str, Any]) -> Any:
    """Plotly figure: expected loss with its 95% interval and p95 loss per pause length, and the
    chance the attack reaches the isolated systems on a second axis."""
    import plotly.graph_objects as go

    rows = study["rows"]
    x = [r["pause_days"] for r in rows]
    mean = [r["expected_loss"] for r in rows]
    lo = [r["expected_loss"] - r["expected_loss_ci95"][0] for r in rows]
    hi = [r["expected_loss_ci95"][1] - r["expected_loss"] for r in rows]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x,
            y=mean,
            mode="lines+markers",
            name="expected loss",
            error_y={"type": "data", "symmetric": False, "array": hi, "arrayminus": lo},
        )
    )
    fig.add_trace(go.Scatter(x=x, y=[r["p95_loss"] for r in rows], mode="lines+markers", name="p95 loss"))
    fig.add_trace(
        go.Bar(
            x=x,
            y=[r["reach_probability"] for r in rows],
            name="chance the attack reaches the isolated systems",
            yaxis="y2",
            opacity=0.3,
        )
    )
    best = study["best_pause_days"]
    fig.add_vline(x=best, line_dash="dot", annotation_text=f"best: {best} days")
    fig.update_layout(
        title=f"{study.get('scenario', '')}: loss by length of the precautionary pause",
        xaxis_title="pause (days)",
        yaxis_title="loss",
        yaxis2={"title": "probability", "overlaying": "y", "side": "right", "range": [0, 1]},
        legend={"orientation": "h"},
    )
    return fig
