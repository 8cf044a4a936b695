"""Isolations in force stop the spread along the control edges they cut (issue 14, part 2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aftershock.graph import compile_network
from aftershock.graph.spread import NEVER, SpreadGuard, compromise_days, guard_of
from aftershock.graph.timeline import RowIncident, build_timeline
from aftershock.io import load_scenario
from aftershock.sim import build_inputs
from aftershock.sim.engine import sample_compromise
from aftershock.testing import scenario_dict, write_scenario


def edge(a: str, b: str, delay: int = 0, p: float = 1.0) -> dict:
    return {"from": a, "to": b, "p": p, "delay_days": delay}


def spread(tmp_path: Path, control: list[dict], isolate: list[dict], hour: float = 0.0) -> dict[str, int]:
    """Compromise day of every service, every edge live, with the incident's isolations."""
    incident = {"compromise": {"service": "rmm", "day": 5, "hour": hour}, "isolate": isolate}
    loaded = load_scenario(write_scenario(tmp_path, scenario_dict(control=control, incident=incident)))
    net = compile_network(loaded)
    tl = build_timeline(loaded, net)
    live = np.ones((1, net.control_p.size), dtype=bool)
    days = compromise_days(net, tl.start_service, tl.start_day, live, guard_of(tl, net), tl.start_share)[0]
    return {s: int(d) for s, d in zip(net.service_ids, days, strict=True)}


def test_an_isolation_that_starts_before_the_delay_runs_out_stops_the_spread(tmp_path: Path) -> None:
    # compromise on day 5, the edge takes 2 days: pos-a would fall on day 7
    control = [edge("rmm", "pos-a", delay=2)]
    early = spread(tmp_path, control, [{"service": "pos-a", "from_day": 6, "until_day": 12}])
    assert early["pos-a"] == NEVER  # isolated from day 1 after the compromise: never compromised
    late = spread(tmp_path, control, [{"service": "pos-a", "from_day": 8, "until_day": 12}])
    assert late["pos-a"] == 7  # isolated from day 3: compromised on day 2 after it


def test_no_isolation_no_change(tmp_path: Path) -> None:
    assert spread(tmp_path, [edge("rmm", "pos-a", delay=2)], [])["pos-a"] == 7


def test_the_end_and_start_instants(tmp_path: Path) -> None:
    control = [edge("rmm", "pos-a", delay=2)]
    # the isolation ended at the instant the compromise lands: not stopped
    assert spread(tmp_path, control, [{"service": "pos-a", "from_day": 6, "until_day": 7}])["pos-a"] == 7
    # it starts at that very instant: not stopped either (no precaution beats a simultaneous spread)
    assert spread(tmp_path, control, [{"service": "pos-a", "from_day": 7, "until_day": 9}])["pos-a"] == 7
    # with hours: the compromise lands at 18:00 on day 7; an isolation from 12:00 that day stops it
    iso = {"service": "pos-a", "from_day": 7, "from_hour": 12, "until_day": 9}
    assert spread(tmp_path, control, [iso], hour=18)["pos-a"] == NEVER
    iso = {"service": "pos-a", "from_day": 7, "from_hour": 20, "until_day": 9}
    assert spread(tmp_path, control, [iso], hour=18)["pos-a"] == 7


def test_an_isolated_source_sends_nothing(tmp_path: Path) -> None:
    # pos-a falls with rmm (no delay) before its isolation; its push to wms (3 days) lands inside it
    control = [edge("rmm", "pos-a"), edge("pos-a", "wms", delay=3)]
    days = spread(tmp_path, control, [{"service": "pos-a", "from_day": 6, "until_day": 12}])
    assert days["pos-a"] == 5 and days["wms"] == NEVER


def test_a_link_isolation_guards_the_service_at_its_providing_end(tmp_path: Path) -> None:
    control = [edge("rmm", "wms", delay=2)]
    iso = {"link": {"from": "wms", "to": "dc/dc.ship"}, "from_day": 6, "until_day": 12}
    assert spread(tmp_path, control, [iso])["wms"] == NEVER


def test_stopped_not_deferred_but_another_path_may_land_later(tmp_path: Path) -> None:
    # rmm → wms directly (2 days) lands inside the isolation and is stopped for good;
    # rmm → pos-a → wms (1 + 7 days) lands after the isolation ended on day 10
    control = [edge("rmm", "wms", delay=2), edge("rmm", "pos-a", delay=1), edge("pos-a", "wms", delay=7)]
    days = spread(tmp_path, control, [{"service": "wms", "from_day": 6, "until_day": 10}])
    assert days["pos-a"] == 6 and days["wms"] == 13
    # without the long path wms never falls (the stopped attempt does not wait for day 10)
    assert spread(tmp_path, control[:1], [{"service": "wms", "from_day": 6, "until_day": 10}])["wms"] == NEVER


def test_a_guard_never_in_force_changes_nothing(tmp_path: Path) -> None:
    control = [edge("rmm", "pos-a", 2), edge("pos-a", "wms", 1), edge("rmm", "wms", 5), edge("wms", "app", 0)]
    loaded = load_scenario(write_scenario(tmp_path, scenario_dict(control=control)))
    net = compile_network(loaded)
    live = np.random.default_rng(3).random((200, len(control))) < 0.6
    far = SpreadGuard(
        service=np.arange(net.n_services), window=np.full((net.n_services, 2), 1000), share=np.zeros((5, 2))
    )
    free = compromise_days(net, net.node("rmm"), 5, live)
    np.testing.assert_array_equal(compromise_days(net, net.node("rmm"), 5, live, far), free)


@pytest.mark.parametrize(("shift", "expected"), [(0, NEVER), (-4, 7)])
def test_the_engine_applies_the_rule_with_each_rows_pause(tmp_path: Path, shift: int, expected: int) -> None:
    # the isolation of pos-a runs from the detection (day 5) for 5 days; a row shift of -4 ends it on day 6
    incident = {
        "compromise": {"service": "rmm", "day": 5},
        "forensic_clearance_days": 5,
        "isolate": [{"service": "pos-a"}],
    }
    data = scenario_dict(control=[edge("rmm", "pos-a", delay=2)], incident=incident)
    inp = build_inputs(load_scenario(write_scenario(tmp_path, data)))
    rows = RowIncident(
        restore_day=np.full((2, inp.net.n_services), NEVER, dtype=np.int64),
        crew_shift=np.zeros(2, dtype=np.int64),
        isolation_shift=np.full(2, shift, dtype=np.int64),
    )
    from dataclasses import replace

    rngs = [np.random.default_rng(k) for k in range(2)]
    days = sample_compromise(replace(inp, rows=rows), rngs)
    assert (days[:, inp.net.node("pos-a")] == expected).all()
