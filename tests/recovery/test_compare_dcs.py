"""Compare on several DCs: surge, caps and backup shares per DC; rows name the DCs and carry warnings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aftershock import api
from aftershock.cli.app import main
from aftershock.errors import ParameterError
from aftershock.recovery import CapSize, plan_variant
from aftershock.recovery.compare import normal_order_line_units_by_dc
from aftershock.recovery.variants import ByDC, cap_setting, shifts_setting
from aftershock.testing import two_dc_scenario

A, B = "dc-a", "dc-b"


def short_dc_a(folder: Path, **kwargs: Any) -> Path:
    """dc-a (two stores of 10 a day, capacity 21) stops on days 2-7 and then barely keeps up;
    dc-b (one store of 10, capacity 100) backs it up with all its spare capacity."""
    kwargs.setdefault("backups", {A: [{"dc": B}]})
    return two_dc_scenario(
        folder,
        stores={A: [10, 10], B: [10]},
        capacity={A: 21, B: 100},
        pause={A: (2, 8)},
        cover=2,
        **kwargs,
    )


def test_a_setting_is_one_value_or_a_value_per_dc() -> None:
    assert shifts_setting(2) == ByDC(2) and shifts_setting("2") == ByDC(2)
    assert shifts_setting("dc-a:2") == ByDC(0, (("dc-a", 2),))
    assert shifts_setting("1, dc-a:2") == ByDC(1, (("dc-a", 2),))
    assert shifts_setting({"dc-b": 3}).at("dc-b") == 3 and shifts_setting({"dc-b": 3}).at("dc-a") == 0
    assert shifts_setting("1,dc-a:2").label(str, 0) == "1,dc-a:2"
    assert shifts_setting("dc-a:2").label(str, 0) == "dc-a:2"
    assert cap_setting("40,dc-b:none") == ByDC(CapSize(units=40.0), (("dc-b", None),))
    assert cap_setting("dc-a:75%").at("dc-a") == CapSize(fraction_of_normal=0.75)
    with pytest.raises(ValueError, match="two plain values"):
        shifts_setting("0,1")
    with pytest.raises(ValueError, match="named twice"):
        shifts_setting("dc-a:1,dc-a:2")
    with pytest.raises(ValueError, match="expected 0 to 6 extra shifts"):
        shifts_setting("dc-a:9")


def test_plan_variant_sets_surge_per_dc(tmp_path: Path) -> None:
    plan = {"surge": [{"dc": B, "from_day": 9, "until_day": 15, "extra_shifts": 1, "cost_per_shift": 70}]}
    loaded = api.load(short_dc_a(tmp_path, plan=plan))
    one = plan_variant(loaded, "fifo", None, "dc-a:2").scenario.plan.surge
    # dc-a has no surge of its own: the default window, at the cost of the scenario's surge
    assert [(s.dc, s.extra_shifts, s.from_day, s.cost_per_shift) for s in one] == [(A, 2, 0, 70)]
    both = plan_variant(loaded, "fifo", None, "1,dc-a:2").scenario.plan.surge
    assert [(s.dc, s.extra_shifts, s.from_day, s.until_day) for s in both] == [(A, 2, 0, None), (B, 1, 9, 15)]
    # one value at every DC: still one surge per DC, each with its own window
    same = plan_variant(loaded, "fifo", None, 1).scenario.plan.surge
    assert [(s.dc, s.extra_shifts) for s in same] == [(A, 1), (B, 1)]
    assert plan_variant(loaded, "fifo", None, 0).scenario.plan.surge == []
    with pytest.raises(ValueError, match=r"unknown DC 'dc-z' in shifts \(DCs: dc-a, dc-b\)"):
        plan_variant(loaded, "fifo", None, "dc-z:1")


def test_a_surge_at_every_dc_stays_one_surge_when_they_share_it(tmp_path: Path) -> None:
    plan = {"surge": [{"from_day": 3, "extra_shifts": 1, "cost_per_day": 5}]}
    loaded = api.load(short_dc_a(tmp_path, plan=plan))
    surge = plan_variant(loaded, "fifo", None, 2).scenario.plan.surge
    assert [(s.dc, s.extra_shifts, s.from_day, s.cost_per_day) for s in surge] == [(None, 2, 3, 5)]


def test_plan_variant_sets_the_cap_per_dc(tmp_path: Path) -> None:
    plan = {"order_cap": {"units": 30, "from_day": 4, "dcs": [B]}}
    loaded = api.load(short_dc_a(tmp_path, plan=plan))
    # one size everywhere keeps the DCs the scenario's cap covers, and its window
    cap = plan_variant(loaded, "fifo", 40, 0).scenario.plan.order_cap
    assert (cap.units, cap.dcs, cap.from_day) == (40.0, [B], 4)
    cap = plan_variant(loaded, "fifo", "dc-a:75%", 0).scenario.plan.order_cap
    assert (cap.units, cap.fraction_of_normal, cap.dcs, cap.from_day) == (None, 0.75, [A], 4)
    cap = plan_variant(loaded, "fifo", "40,dc-b:none", 0).scenario.plan.order_cap
    assert (cap.units, cap.dcs) == (40.0, [A])
    cap = plan_variant(loaded, "fifo", "dc-a:40,dc-b:40", 0).scenario.plan.order_cap
    assert cap.dcs is None
    assert plan_variant(loaded, "fifo", "dc-a:none", 0).scenario.plan.order_cap is None
    with pytest.raises(ValueError, match="one order cap, with one size"):
        plan_variant(loaded, "fifo", "dc-a:40,dc-b:75%", 0)


def test_plan_variant_sets_the_backups_share(tmp_path: Path) -> None:
    loaded = api.load(short_dc_a(tmp_path / "backed"))
    shares = plan_variant(loaded, "fifo", None, 0, "dc-a:0.25").scenario.sites.dcs
    assert [b.share_of_spare for dc in shares for b in dc.backups] == [0.25]
    assert plan_variant(loaded, "fifo", None, 0, 0).scenario.sites.dcs[0].backups[0].share_of_spare == 0
    assert plan_variant(loaded, "fifo", None, 0, "keep").scenario.sites == loaded.scenario.sites
    with pytest.raises(ValueError, match="DC 'dc-b' has no backup DC"):
        plan_variant(loaded, "fifo", None, 0, "dc-b:0.5")
    with pytest.raises(ValueError, match="from 0 to 1"):
        plan_variant(loaded, "fifo", None, 0, 1.5)
    alone = api.load(short_dc_a(tmp_path / "alone", backups=None))
    with pytest.raises(ValueError, match="no DC of this scenario has a backup DC"):
        plan_variant(alone, "fifo", None, 0, 0.5)


def test_compare_pulls_each_lever_at_its_own_dc(tmp_path: Path) -> None:
    rows = api.compare(
        short_dc_a(tmp_path),
        surges=[0, "dc-a:1", "dc-b:1"],
        caps=[None, "dc-a:5"],
        backup_shares=[None, 0],
        replications=1,
    )
    by = {(r.cap_label, r.shifts_label, r.backup_label): r for r in rows}
    assert len(by) == 12
    # the backup is the lever here: lending its spare saves most of dc-a's stores' sales
    kept, none = by[("none", "0", "as in the scenario")], by[("none", "0", "0")]
    assert kept.metrics["lost_sales_units"] < none.metrics["lost_sales_units"]
    assert (kept.backup_shares, none.backup_shares) == ({A: {B: 1.0}}, {A: {B: 0.0}})
    # without the backup, a shift at dc-a clears its backlog; a shift at dc-b does not
    at_a, at_b = by[("none", "dc-a:1", "0")], by[("none", "dc-b:1", "0")]
    assert at_a.shifts_by_dc == {A: 1, B: 0} and at_b.shifts_by_dc == {A: 0, B: 1}
    assert at_a.metrics["backlog_clear_day"] is not None and at_b.metrics["backlog_clear_day"] is None
    assert at_a.label() == "fifo / no cap / +shifts dc-a:1 / backup share 0"
    # the cap names its DC, and its warning is the row's own
    capped = by[("5 at dc-a", "0", "as in the scenario")]
    assert capped.cap_dcs == (A,) and kept.cap_dcs == ()
    assert [(w["source"], w["field"]) for w in capped.warnings] == [("compare", "plan.order_cap.units")]
    assert "at the stores of 'dc-a'" in capped.warnings[0]["message"]
    assert kept.warnings == []


def test_compare_rows_carry_the_scenarios_warnings(tmp_path: Path) -> None:
    path = short_dc_a(tmp_path, plan={"order_cap": {"units": 5, "dcs": [A]}})
    loaded = api.load(path)
    assert [w.field for w in loaded.warnings] == ["plan.order_cap.units"]
    rows = api.compare(path, caps=[None, 5, 50], replications=1)
    scenario = [w.as_dict() for w in loaded.warnings]
    # no cap: the scenario's cap warning is gone; a cap of 5 keeps the scenario's (with its line)
    assert all(w["field"] != "plan.order_cap.units" for w in rows[0].warnings)
    assert rows[1].warnings == scenario
    # a cap of 50 is above a normal order line: no cap warning
    assert all(w["field"] != "plan.order_cap.units" for w in rows[2].warnings)


def test_compare_refuses_a_bad_dc_setting(tmp_path: Path) -> None:
    path = short_dc_a(tmp_path)
    with pytest.raises(ParameterError, match=r"^surges: unknown DC 'dc-z'"):
        api.compare(path, surges=["dc-z:1"], replications=1)
    with pytest.raises(ParameterError, match=r"^caps: a plan has one order cap"):
        api.compare(path, caps=["dc-a:40,dc-b:75%"], replications=1)
    with pytest.raises(ParameterError, match=r"^backup_shares: DC 'dc-b' has no backup DC"):
        api.compare(path, backup_shares=["dc-b:0.5"], replications=1)


def test_normal_order_lines_per_dc(tmp_path: Path) -> None:
    path = two_dc_scenario(tmp_path, stores={A: [10, 20], B: [40]}, capacity={A: 100, B: 100})
    lines = normal_order_line_units_by_dc(api.load(path))
    # daily review: a normal order line is a day of demand
    assert list(lines) == [A, B]
    assert lines[A]["median"] == pytest.approx(15.0) and lines[B]["median"] == pytest.approx(40.0)


def test_compare_cli_per_dc_json_and_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = short_dc_a(tmp_path)
    args = ["compare", str(path), "--surge", "dc-a:1", "--cap", "dc-a:5", "--backup-share", "0", "-n", "1"]
    with pytest.raises(SystemExit) as exc:
        main([*args, "--json"])
    assert exc.value.code == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    plan = data["plans"][0]
    assert plan["extra_shifts_by_dc"] == {A: 1, B: 0} and plan["cap_dcs"] == [A]
    assert (plan["backup_share"], plan["backup_shares"]) == ("0", {A: {B: 0.0}})
    assert [w["field"] for w in plan["warnings"]] == ["plan.order_cap.units"]
    assert list(data["normal_order_line_units_by_dc"]) == [A, B]
    # the plan's own warning goes to stderr, named by its cap
    assert "warning: compare --cap 5 at dc-a: plan.order_cap.units" in captured.err
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "backup share" in out and "dc-a:1" in out and "5 at dc-a" in out and "at each DC's stores" in out
    with pytest.raises(SystemExit) as exc:
        main(["compare", str(path), "--backup-share", "dc-b:0.5"])
    assert exc.value.code == 1
    assert "--backup-share: DC 'dc-b' has no backup DC" in capsys.readouterr().err
