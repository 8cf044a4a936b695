"""Part-day incidents: an hour on the compromise, detection, isolation or restoration pro-rates its day."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from aftershock import api
from aftershock.cli.app import main
from aftershock.errors import ScenarioError
from aftershock.graph import build_timeline, compile_network
from aftershock.graph.spread import worst_case
from aftershock.graph.timeline import change_days
from aftershock.io import load_scenario
from aftershock.risk.shapes import shape_inputs
from aftershock.sim import build_inputs
from aftershock.sim.engine import capacities, sample_compromise
from aftershock.sim.runner import run
from aftershock.testing import scenario_dict, stores_csv, write_scenario

DEMAND = 240.0  # units a day: 10 an hour over 24 hours
QUIET = {"divert_online_fraction": 0.0, "divert_nearby_fraction": 0.0, "churn_fraction": 0.0}
STOCKED = ["id", "region", "pos_system", "demand_units_per_day", "on_hand_units", "order_up_to_units"]


#: The store sells through its tills (pos); the DC ships through the WMS.
REQUIRES = [
    {"site": {"kind": "store"}, "capability": "store.sell", "groups": [[{"service": "pos"}]]},
    {"site": {"id": "dc"}, "capability": "dc.ship", "groups": [[{"service": "wms"}]]},
    {
        "site": {"kind": "store"},
        "capability": "store.receive",
        "groups": [[{"site": "dc", "capability": "dc.ship"}]],
    },
]


def one_store(folder: Path, incident: dict, **changes) -> Path:
    """One store, deterministic demand, plenty of stock, no diversion or churn: lost = closed demand."""
    data = scenario_dict(
        horizon_days=10,
        services=[
            {"id": "vendor-it", "party": "vendor"},
            {"id": "pos", "party": "msp", "kind": "pos"},
            {"id": "wms", "party": "msp", "kind": "wms"},
        ],
        control=[{"from": "vendor-it", "to": "pos", "p": 1.0}],
        requires=REQUIRES,
        incident=incident,
        demand={"distribution": "deterministic"},
        behaviour=QUIET,
    )
    data.update(changes)
    rows = [("s1", "r", "a", DEMAND, 10 * DEMAND, 10 * DEMAND)]
    return write_scenario(folder, data, stores_csv(rows, STOCKED))


def lost_by_day(path: Path) -> np.ndarray:
    result = api.simulate(path, replications=1, seed=0)
    return result.dataset["lost_units"].values[0]


def test_known_answer_compromise_at_18_and_restore_at_06(tmp_path: Path) -> None:
    incident = {
        "compromise": {"service": "vendor-it", "day": 3, "hour": 18},
        "restore": {"pos": {"day": 5, "hour": "06:00"}},
    }
    lost = lost_by_day(one_store(tmp_path, incident))
    # up until 18:00 on day 3 (6 of 24 hours lost), down on day 4, back at 06:00 on day 5
    want = np.zeros(10)
    want[3], want[4], want[5] = 6 / 24 * DEMAND, DEMAND, 6 / 24 * DEMAND
    assert lost == pytest.approx(want)


def test_known_answer_with_operating_hours(tmp_path: Path) -> None:
    incident = {
        "compromise": {"service": "vendor-it", "day": 3, "hour": "19:00"},
        "restore": {"pos": {"day": 5, "hour": 10}},
        "operating_hours": {"open": "08:00", "close": "22:00"},
    }
    path = one_store(tmp_path, incident)
    lost = lost_by_day(path)
    # demand spread over 08:00-22:00: 19:00 leaves 3 of 14 hours; back at 10:00 after 2 of 14
    want = np.zeros(10)
    want[3], want[4], want[5] = 3 / 14 * DEMAND, DEMAND, 2 / 14 * DEMAND
    assert lost == pytest.approx(want)
    # a store that sells part of the day is degraded, not closed
    result = api.simulate(path, replications=1, seed=0)
    closed = result.dataset["stores_closed"].values[0]
    degraded = result.dataset["stores_degraded"].values[0]
    assert closed.tolist() == [0, 0, 0, 0, 1, 0, 0, 0, 0, 0]
    assert degraded.tolist() == [0, 0, 0, 1, 0, 1, 0, 0, 0, 0]
    # hours outside the operating hours take nothing from their day
    incident.update(
        compromise={"service": "vendor-it", "day": 3, "hour": 23}, restore={"pos": {"day": 5, "hour": 7}}
    )
    lost = lost_by_day(one_store(tmp_path / "outside", incident))
    want = np.zeros(10)
    want[4] = DEMAND
    assert lost == pytest.approx(want)


def test_without_hours_the_whole_day_is_lost_as_before(tmp_path: Path) -> None:
    incident = {"compromise": {"service": "vendor-it", "day": 3}, "restore": {"pos": {"day": 5}}}
    lost = lost_by_day(one_store(tmp_path, incident))
    assert lost == pytest.approx([0, 0, 0, DEMAND, DEMAND, 0, 0, 0, 0, 0])


def test_restoration_ramp_starts_at_the_hour(tmp_path: Path) -> None:
    incident = {
        "compromise": {"service": "vendor-it", "day": 2},
        "restore": {"pos": {"day": 4, "hour": 12, "ramp_days": 1}},
    }
    path = one_store(tmp_path, incident)
    loaded = load_scenario(path)
    net = compile_network(loaded)
    tl = build_timeline(loaded, net)
    hit = worst_case(net, tl.start_service, tl.start_day)[None, :]
    sell = net.store_nodes("store.sell")[0]
    got = {d: float(tl.capacity(net, d, hit)[0, sell]) for d in range(1, 7)}
    # ramp of 1: half capacity from 12:00 on day 4 (a quarter of the day), full from day 5
    assert got == pytest.approx({1: 1, 2: 0, 3: 0, 4: 0.25, 5: 1, 6: 1})
    assert lost_by_day(path)[4] == pytest.approx(0.75 * DEMAND)


def test_spread_inherits_the_hour(tmp_path: Path) -> None:
    # vendor-it -> pos with no delay: pos falls at the compromise's hour, 18:00 on day 3;
    # pos -> wms with a delay of 1 day: wms falls at 18:00 on day 4
    incident = {"compromise": {"service": "vendor-it", "day": 3, "hour": 18}}
    control = [
        {"from": "vendor-it", "to": "pos", "p": 1.0},
        {"from": "pos", "to": "wms", "p": 1.0, "delay_days": 1},
    ]
    loaded = load_scenario(one_store(tmp_path, incident, control=control))
    net = compile_network(loaded)
    tl = build_timeline(loaded, net)
    hit = worst_case(net, tl.start_service, tl.start_day)[None, :]
    assert hit[0, net.node("pos")] == 3 and hit[0, net.node("wms")] == 4
    sell, ship = net.store_nodes("store.sell")[0], net.node("dc/dc.ship")
    on = {d: tl.capacity(net, d, hit)[0] for d in (2, 3, 4, 5)}
    assert [float(on[d][sell]) for d in (2, 3, 4, 5)] == pytest.approx([1, 0.75, 0, 0])
    assert [float(on[d][ship]) for d in (2, 3, 4, 5)] == pytest.approx([1, 1, 0.75, 0])
    # own_state without an instant is the day's average state
    assert tl.own_state(net, 3, hit)[0, net.node("pos")] == pytest.approx(0.75)


def test_failures_in_series_average_the_network_not_the_states(tmp_path: Path) -> None:
    # pos falls at 18:00 and the store's sell link to it is cut from 18:00 as well: the store
    # sells until 18:00 (0.75 of the day), not 0.75 × 0.75
    incident = {
        "compromise": {"service": "vendor-it", "day": 3, "hour": 18},
        "isolate": [
            {
                "link": {"from": "pos", "to": "store/store.sell"},
                "from_day": 3,
                "from_hour": 18,
                "until_day": 6,
            }
        ],
    }
    loaded = load_scenario(one_store(tmp_path, incident))
    net = compile_network(loaded)
    tl = build_timeline(loaded, net)
    hit = worst_case(net, tl.start_service, tl.start_day)[None, :]
    sell = net.store_nodes("store.sell")[0]
    assert float(tl.capacity(net, 3, hit)[0, sell]) == pytest.approx(0.75)
    # the day averages of the two states, propagated, would give 0.5625
    assert tl.own_state(net, 3, hit)[0, net.node("pos")] == pytest.approx(0.75)
    assert tl.alt_state(3).min() == pytest.approx(0.75)


def test_overlapping_isolations_cut_the_union_of_their_hours(tmp_path: Path) -> None:
    # the WMS link is cut 18:00 (day 3) to 12:00 (day 4); the WMS itself is switched off
    # 20:00 (day 3) to 06:00 (day 4): dc.ship runs 0-18 on day 3 and 12-24 on day 4
    link = {"link": {"from": "wms", "to": "dc/dc.ship"}, "from_day": 3, "from_hour": 18}
    link.update(until_day=4, until_hour=12)
    service = {"service": "wms", "from_day": 3, "from_hour": 20, "until_day": 4, "until_hour": 6}
    incident = {"compromise": {"service": "vendor-it", "day": 3}, "isolate": [link, service]}
    loaded = load_scenario(one_store(tmp_path, incident))
    net = compile_network(loaded)
    tl = build_timeline(loaded, net)
    hit = worst_case(net, tl.start_service, tl.start_day)[None, :]
    ship = net.node("dc/dc.ship")
    got = [float(tl.capacity(net, d, hit)[0, ship]) for d in (2, 3, 4, 5)]
    assert got == pytest.approx([1, 0.75, 0.5, 1])
    assert tl.own_state(net, 4, hit)[0, net.node("wms")] == pytest.approx(18 / 24)


def test_isolation_within_one_day(tmp_path: Path) -> None:
    incident = {
        "compromise": {"service": "vendor-it", "day": 1},
        "restore": {"pos": {"day": 2}},
        "isolate": [
            {"service": "pos", "from_day": 6, "from_hour": "09:00", "until_day": 6, "until_hour": "15:00"}
        ],
    }
    lost = lost_by_day(one_store(tmp_path, incident))
    assert lost[6] == pytest.approx(6 / 24 * DEMAND)
    assert lost[5] == lost[7] == 0


def test_detection_delay_in_hours_starts_the_default_isolation(tmp_path: Path) -> None:
    # compromise at 20:00 on day 3, detected 6 hours later (02:00 on day 4); the pos is isolated
    # from then for 2 days of forensics: until 02:00 on day 6
    incident = {
        "compromise": {"service": "vendor-it", "day": 3, "hour": 20},
        "detection_delay_hours": 6,
        "forensic_clearance_days": 2,
        "isolate": [{"service": "pos"}],
        "restore": {"pos": {"day": 5}},
    }
    path = one_store(tmp_path, incident)
    loaded = load_scenario(path)
    assert (loaded.scenario.incident.detection_day, loaded.scenario.incident.detection_hour) == (4, 2.0)
    lost = lost_by_day(path)
    want = np.zeros(10)
    want[3], want[4], want[5], want[6] = 4 / 24 * DEMAND, DEMAND, DEMAND, 2 / 24 * DEMAND
    assert lost == pytest.approx(want)


def test_crews_start_at_the_hour(tmp_path: Path) -> None:
    # 4 stores, 1 crew × 2 sites a day from 12:00 on day 4: one site on day 4 (back from 12:00),
    # two on day 5, the last on day 6
    stores = [(f"s{i}", "r", "a", 10 * i) for i in range(1, 5)]
    incident = {
        "compromise": {"service": "rmm", "day": 2},
        "restore": {
            "pos-a": {"day": 4, "hour": 12, "crews": 1, "sites_per_crew_per_day": 2, "order": "by_id"}
        },
    }
    requires = [{"site": {"kind": "store"}, "capability": "store.sell", "groups": [[{"service": "pos-a"}]]}]
    data = scenario_dict(requires=requires, incident=incident)
    loaded = load_scenario(write_scenario(tmp_path, data, stores_csv(stores)))
    net = compile_network(loaded)
    tl = build_timeline(loaded, net)
    assert tl.slot_crew_day.tolist() == [4, 5, 5, 6]
    assert tl.slot_crew_share.tolist() == [0.5, 0, 0, 0]
    hit = worst_case(net, tl.start_service, tl.start_day)[None, :]
    sell = net.store_nodes("store.sell")
    by_day = {d: np.round(tl.capacity(net, d, hit)[0, sell], 9).tolist() for d in (3, 4, 5, 6)}
    assert by_day == {3: [0, 0, 0, 0], 4: [0.5, 0, 0, 0], 5: [1, 1, 1, 0], 6: [1, 1, 1, 1]}
    assert change_days(tl, hit, 20)[[3, 4, 5, 6, 7]].tolist() == [False, True, True, True, False]


def test_change_days_mark_the_pro_rated_day_and_the_next(tmp_path: Path) -> None:
    incident = {
        "compromise": {"service": "vendor-it", "day": 3, "hour": 18},
        "restore": {"pos": {"day": 6, "hour": 6}},
        "isolate": [
            {
                "link": {"from": "wms", "to": "dc/dc.ship"},
                "from_day": 2,
                "from_hour": 9,
                "until_day": 8,
                "until_hour": 9,
            }
        ],
    }
    path = one_store(tmp_path, incident, horizon_days=12)
    inp = build_inputs(api.load(path))
    hit = sample_compromise(inp, [np.random.default_rng(0)])
    changes = change_days(inp.timeline, hit, inp.horizon_days)
    assert np.flatnonzero(changes).tolist() == [0, 2, 3, 4, 6, 7, 8, 9]
    before = capacities(inp, 0, hit)
    for day in range(1, inp.horizon_days):
        now = capacities(inp, day, hit)
        same = all(np.array_equal(getattr(now, f), getattr(before, f)) for f in ("sell", "ship", "receive"))
        assert same or changes[day], day
        before = now


def test_risk_rows_keep_outages_whole_days_from_the_compromise_hour(tmp_path: Path) -> None:
    # the risk batch restores outage_days after the compromise, at its hour: an outage of
    # L days loses exactly L days of demand however late in the day the attack fires
    incident = {"compromise": {"service": "vendor-it", "day": 3, "hour": 18}, "restore": {"pos": {"day": 5}}}
    inp = build_inputs(api.load(one_store(tmp_path, incident)))
    pos = inp.net.node("pos")
    rows = shape_inputs(inp, pos, np.zeros(3, dtype=np.int64), np.array([1, 2, 3]), 0)
    raw = run(rows, 3, 0)
    assert raw["lost_units"].sum(axis=1) == pytest.approx([DEMAND, 2 * DEMAND, 3 * DEMAND])
    # a chunk of the rows keeps its shares
    assert rows.rows is not None and rows.rows.take(1, 2).restore_share.tolist() == [[0.75] * 3]


@pytest.mark.parametrize(
    ("hour", "message"),
    [
        ("18:30", "YAML reads an unquoted 18:30 as the number 1110"),
        ("25", "expected a value less than or equal to 24, got 25"),
        ("'7:75'", "minutes below 60"),
    ],
)
def test_bad_hour_is_one_message_with_file_line_and_field(
    tmp_path: Path, hour: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = one_store(tmp_path, {"compromise": {"service": "vendor-it", "day": 3}})
    text = path.read_text()
    text = text.replace("    day: 3\n", f"    day: 3\n    hour: {hour}\n", 1)
    path.write_text(text)
    line = text.splitlines().index(f"    hour: {hour}") + 1
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (problem,) = info.value.problems
    assert message in problem.message
    assert problem.line == line and problem.field == "incident.compromise.hour"
    with pytest.raises(SystemExit) as exit_:
        main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert exit_.value.code == 1 and out == ""
    assert err.startswith(f"error: scenario.yaml:{line}: incident.compromise.hour: ") and message in err
    assert len(err.splitlines()) == 1


def test_bad_operating_hours_and_isolation_hours(tmp_path: Path) -> None:
    incident = {
        "compromise": {"service": "vendor-it", "day": 3},
        "operating_hours": {"open": "22:00", "close": "08:00"},
    }
    with pytest.raises(ScenarioError, match=r"close \(8\) must be after open \(22\)"):
        load_scenario(one_store(tmp_path / "a", incident))
    incident = {
        "compromise": {"service": "vendor-it", "day": 3},
        "isolate": [{"service": "pos", "from_day": 4, "from_hour": 12, "until_day": 4, "until_hour": 9}],
    }
    with pytest.raises(
        ScenarioError, match=r"until_day \(4\) at hour 9 must be after from_day \(4\) at hour 12"
    ):
        load_scenario(one_store(tmp_path / "b", incident))


@pytest.mark.parametrize("name", ["ocs-2022", "coop-kaseya-2021"])
def test_bundled_scenarios_capacities_change_only_on_change_days(name: str) -> None:
    inp = build_inputs(api.load(name))
    compromised = sample_compromise(inp, [np.random.default_rng(i) for i in range(6)])
    changes = change_days(inp.timeline, compromised, inp.horizon_days, inp.rows)
    before = capacities(inp, 0, compromised)
    for day in range(1, inp.horizon_days):
        now = capacities(inp, day, compromised)
        same = all(
            np.array_equal(getattr(now, f), getattr(before, f)) for f in ("sell", "receive", "ship", "pick")
        )
        assert same or changes[day], day
        before = now


def test_the_concepts_example_runs_as_the_text_says(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "docs" / "concepts.md").read_text(encoding="utf-8")
    (body,) = re.findall(r"^```yaml\n# example: incident-hours\n(.*?)^```", text, flags=re.S | re.M)
    loaded = load_scenario(write_scenario(tmp_path, scenario_dict(**yaml.safe_load(body))))
    net = compile_network(loaded)
    tl = build_timeline(loaded, net)
    hit = worst_case(net, tl.start_service, tl.start_day)[None, :]

    def on(day: int) -> tuple[list[float], float, float]:
        cap = tl.capacity(net, day, hit)[0]
        sell = dict(zip(net.site_ids, cap[net.store_nodes("store.sell")], strict=False))
        stores = [round(float(sell[f"s{i}"]), 3) for i in range(1, 5)]
        return stores, round(float(cap[net.node("dc/dc.ship")]), 3), round(float(cap[net.node("rmm")]), 3)

    #               s1     s2     s3   s4       dc.ship          rmm
    assert on(4) == ([1.0, 1.0, 1.0, 1.0], 1.0, 1.0)
    # till system a: full until 18:30, then the app at 0.3
    assert on(5) == ([0.825, 0.825, 1.0, 0.825], round(12 / 14, 3), 0.75)
    assert on(6) == ([0.3, 0.3, 1.0, 0.3], 0.0, 0.0)
    assert on(7) == ([0.3, 0.3, 1.0, 0.65], round(2 / 14, 3), 0.0)
    assert on(8) == ([1.0, 1.0, 1.0, 1.0], 1.0, 0.75)
