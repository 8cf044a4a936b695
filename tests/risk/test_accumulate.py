"""Portfolio accumulation: one vendor compromise across many scenario files."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from aftershock.api.accumulate import accumulate, parse_frequency
from aftershock.errors import ParameterError, ScenarioError, UsageError
from aftershock.model.threats import Estimate
from aftershock.risk.accumulate import annual_aggregate, member_seed
from aftershock.testing import scenario_dict, write_scenario

EXAMPLE = Path(__file__).parents[2] / "examples" / "portfolio"


def response_only(
    folder: Path, name: str, cost: float, rate: float = 0.2, insurance: dict | None = None
) -> Path:
    """A member whose vendor `appco` runs the payment app, a fallback nothing needs while the
    tills are up: the vendor's compromise costs exactly the response cost ``cost``."""
    data = scenario_dict(
        name=name,
        parties=[*scenario_dict()["parties"], {"id": "appco", "kind": "software_vendor"}],
        threats=[
            {
                "service": "app",
                "frequency_per_year": {"dist": "point", "value": rate},
                "outage_days": {"dist": "point", "value": 2},
                "pause_days": {"dist": "point", "value": 0},
                "response_cost": {"dist": "point", "value": cost},
            }
        ],
        demand={"distribution": "deterministic"},
    )
    data["services"] = [dict(s, party="appco") if s["id"] == "app" else s for s in data["services"]]
    if insurance is not None:
        data["insurance"] = insurance
    folder.mkdir(parents=True, exist_ok=True)
    path = write_scenario(folder, data, name=f"{name}.yaml")
    (folder / "stores.csv").rename(folder / f"{name}-stores.csv")
    text = path.read_text().replace("table: stores.csv", f"table: {name}-stores.csv")
    path.write_text(text)
    return path


@pytest.mark.slow
def test_the_example_portfolio_runs() -> None:
    r = accumulate(
        EXAMPLE / "members",
        "rmm-vendor",
        mapping=EXAMPLE / "mapping.yaml",
        replications=24,
        years=4000,
        seed=1,
    )
    status = {m["file"]: m["status"] for m in r["members"]}
    assert status == {
        "chain-a.yaml": "exposed",
        "chain-b.yaml": "exposed",
        "chain-c.yaml": "exposed",
        "chain-d.yaml": "exposed",
        "chain-e.yaml": "exposed",
        "chain-f.yaml": "not exposed",
    }
    rows = {m["file"]: m for m in r["members"]}
    assert rows["chain-c.yaml"]["party"] == "kaseya"
    assert rows["chain-c.yaml"]["entry_rule"] == "the vendor's only service here"
    assert rows["chain-c.yaml"]["paid"]["mean"] == 0.0  # no insurance: nothing paid
    assert r["shared_shock"]["source"] == "chain-a.yaml: threats[0] (rmm-supply-chain)"
    occ = r["occurrence"]
    exposed = [m for m in r["members"] if m["status"] == "exposed"]
    # the aggregate is the sum of the members; net = gross - paid; a policy never pays more than the loss
    assert occ["gross"]["mean"] == pytest.approx(sum(m["gross"]["mean"] for m in exposed))
    assert occ["net"]["mean"] == pytest.approx(occ["gross"]["mean"] - occ["paid"]["mean"])
    assert 0 < occ["paid"]["mean"] < occ["gross"]["mean"]
    assert sum(m["share_of_aggregate"] for m in exposed) == pytest.approx(1.0)
    # the shared outage makes the members' losses move together
    assert all(m["correlation_with_rest"] > 0.3 for m in exposed)
    assert occ["gross"]["p95"] <= occ["sum_of_member_p95"] + 1e-6
    annual = r["annual"]
    assert annual["gross"]["expected_annual_loss"] > 0
    assert annual["gross"]["var99"] >= annual["net"]["var99"]
    lec = annual["gross"]["loss_exceedance"]
    assert lec["probability"] == sorted(lec["probability"], reverse=True)


@pytest.mark.slow
def test_each_member_loses_what_it_loses_alone(tmp_path: Path) -> None:
    """A member's streams depend on the seed and its file only, the shared shock on the seed
    and the vendor's threat: run alone, a member loses what it loses in the portfolio."""
    folder = tmp_path / "pf"
    folder.mkdir()
    for name in ("chain-a", "chain-e"):
        shutil.copy(EXAMPLE / "members" / f"{name}.yaml", folder)
        shutil.copy(EXAMPLE / "members" / f"{name}-stores.csv", folder)
    both = accumulate(folder, "rmm-vendor", replications=8, seed=5)
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(EXAMPLE / "members" / "chain-e.yaml", alone)
    shutil.copy(EXAMPLE / "members" / "chain-e-stores.csv", alone)
    one = accumulate(alone, "rmm-vendor", replications=8, seed=5)
    in_portfolio = next(m for m in both["members"] if m["file"] == "chain-e.yaml")
    assert one["members"][0]["gross"] == in_portfolio["gross"]
    assert one["members"][0]["paid"] == in_portfolio["paid"]


def test_known_answer_terms_and_compound_poisson(tmp_path: Path) -> None:
    """Two members, each losing exactly its response cost C when the vendor is compromised.

    Per occurrence the aggregate is C1 + C2; member 1 has deductible D and limit M: it is paid
    min(max(0, C1 - D), M); member 2 has no terms: net = gross. A year's aggregate is
    N × (C1 + C2) with N ~ Poisson(λ): ALE = λ (C1 + C2), VaR 99 = the Poisson quantile × it.
    """
    c1, c2, d, m, rate = 1000.0, 400.0, 300.0, 500.0, 0.2
    response_only(tmp_path, "one", c1, rate, insurance={"deductible": d, "limit": m})
    response_only(tmp_path, "two", c2, rate)
    r = accumulate(tmp_path, "appco", replications=4, years=40_000, seed=2)
    rows = {x["file"]: x for x in r["members"]}
    assert rows["one.yaml"]["gross"]["mean"] == pytest.approx(c1)
    assert rows["one.yaml"]["paid"]["mean"] == pytest.approx(min(max(0.0, c1 - d), m))
    assert rows["one.yaml"]["net"]["mean"] == pytest.approx(c1 - 500.0)
    assert rows["two.yaml"]["net"] == rows["two.yaml"]["gross"]  # no terms: net equals gross
    assert rows["one.yaml"]["entry_rule"] == "the vendor's only service here"
    occ = r["occurrence"]
    assert occ["gross"]["mean"] == pytest.approx(c1 + c2)
    assert occ["gross"]["max"] == pytest.approx(c1 + c2)
    annual = r["annual"]["gross"]
    total = c1 + c2
    se = total * np.sqrt(rate / 40_000)
    assert abs(annual["expected_annual_loss"] - rate * total) < 4 * se
    assert annual["var99"] == pytest.approx(stats.poisson.ppf(0.99, rate) * total)


def test_annual_aggregate_is_compound_poisson() -> None:
    loss = {"gross": np.array([10.0, 30.0]), "net": np.array([1.0, 3.0])}
    annual, counts = annual_aggregate(loss, Estimate(dist="point", value=2.0), 50_000, 0)
    assert counts.mean() == pytest.approx(2.0, rel=0.02)
    assert annual["gross"].mean() == pytest.approx(2.0 * 20.0, rel=0.02)
    # the same occurrences price every series
    assert np.allclose(annual["gross"], 10 * annual["net"])


def test_member_seed_depends_on_seed_and_file() -> None:
    assert member_seed(0, "a.yaml") == member_seed(0, "a.yaml")
    assert member_seed(0, "a.yaml") != member_seed(0, "b.yaml")
    assert member_seed(0, "a.yaml") != member_seed(1, "a.yaml")
    assert 0 <= member_seed(2**63 - 1, "x" * 300) < 2**63


def test_broken_members_are_all_listed_and_skipped_only_when_asked(tmp_path: Path) -> None:
    response_only(tmp_path, "good", 100.0)
    bad = response_only(tmp_path, "bad", 100.0)
    bad.write_text(bad.read_text().replace("horizon_days: 20", "horizon_days: many"))
    novendor = response_only(tmp_path, "novendor", 100.0)
    novendor.write_text(novendor.read_text().replace("party: appco", "party: chain"))
    with pytest.raises(ScenarioError) as err:
        accumulate(tmp_path, "appco", replications=2, years=10)
    lines = err.value.lines
    assert any(line.startswith("bad.yaml:") and "horizon_days" in line for line in lines)
    assert any(line.startswith("novendor.yaml: services:") and "runs no service" in line for line in lines)
    assert "--skip-broken" in lines[-1] and "2 broken members (bad.yaml, novendor.yaml)" in lines[-1]
    r = accumulate(tmp_path, "appco", replications=2, years=10, skip_broken=True)
    assert [b["file"] for b in r["broken"]] == ["bad.yaml", "novendor.yaml"]
    assert [m["file"] for m in r["members"] if m["status"] == "exposed"] == ["good.yaml"]


def test_a_folder_without_the_vendor_is_one_message(tmp_path: Path) -> None:
    response_only(tmp_path, "one", 100.0)
    with pytest.raises(ScenarioError) as err:
        accumulate(tmp_path, "nobody", replications=2)
    (line,) = err.value.lines
    assert line.startswith(f"{tmp_path.as_posix()}: parties: no member has a party 'nobody'")
    assert "one.yaml: appco, chain, msp, vendor" in line


def test_mapping_names_the_vendor_and_its_mistakes(tmp_path: Path) -> None:
    folder = tmp_path / "pf"
    response_only(folder, "one", 100.0)
    response_only(folder, "two", 50.0)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("members:\n  one.yaml: {party: appco, service: app}\n  two.yaml: vendor\n")
    r = accumulate(folder, "nobody", mapping=mapping, replications=2, years=10)
    rows = {m["file"]: m for m in r["members"]}
    assert rows["one.yaml"]["entry_rule"] == "named in the mapping file"
    assert rows["two.yaml"]["party"] == "vendor" and rows["two.yaml"]["entry_service"] == "rmm"
    mapping.write_text("members:\n  three.yaml: appco\n  one.yaml: [x]\n")
    with pytest.raises(ScenarioError) as err:
        accumulate(folder, "appco", mapping=mapping, replications=2)
    assert err.value.lines == [
        "map.yaml:2: members.three.yaml: no member 'three.yaml' in the folder (members: one.yaml, two.yaml)",
        "map.yaml:3: members.one.yaml: expected a party id or {party: ID, service: ID}, got ['x']",
    ]
    mapping.write_text("members:\n  one.yaml: {party: appco, service: pos-a}\n")
    with pytest.raises(ScenarioError, match=r"map.yaml: members.one.yaml.service: 'pos-a' is not a service"):
        accumulate(folder, "appco", mapping=mapping, replications=2)


def test_entry_is_the_vendors_service_with_the_most_demand_at_risk(tmp_path: Path) -> None:
    """The MSP runs pos-a (tills of 70% of demand, a 0.3 app behind them) and the WMS (every
    delivery): with two services and the incident elsewhere, the WMS is the entry."""
    path = response_only(tmp_path, "one", 100.0)
    r = accumulate(tmp_path, "msp", replications=2, years=10)
    row = r["members"][0]
    assert (row["entry_service"], row["entry_rule"]) == (
        "wms",
        "the vendor's service whose worst-case compromise puts the most demand at risk",
    )
    assert row["threat"] is None and r["shared_shock"] is None
    assert r["annual"] is None and "--frequency" in r["annual_note"]
    path.write_text(path.read_text().replace("service: rmm\n    day: 5", "service: pos-a\n    day: 5"))
    row = accumulate(tmp_path, "msp", replications=2, years=10, frequency="0.1")["members"][0]
    assert (row["entry_service"], row["entry_rule"]) == ("pos-a", "the member's own incident starts there")


def test_bad_flags(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a folder"):
        accumulate(tmp_path / "missing", "v")
    with pytest.raises(UsageError, match="no scenario files"):
        accumulate(tmp_path, "v")
    with pytest.raises(ParameterError, match="frequency"):
        parse_frequency("{dist: pert, low: 3, mode: 1, high: 2}")
    with pytest.raises(ParameterError, match="at most 365"):
        parse_frequency("400")
    assert parse_frequency("0.05").model_dump() == Estimate(dist="point", value=0.05).model_dump()
    with pytest.raises(ParameterError, match="replications"):
        accumulate(tmp_path, "v", replications=0)


@pytest.mark.slow
@pytest.mark.parametrize("spec", ["processes", "dask://local"])
def test_executors_give_the_same_numbers(tmp_path: Path, spec: str) -> None:
    folder = tmp_path / "pf"
    folder.mkdir()
    for name in ("chain-c", "chain-e"):
        shutil.copy(EXAMPLE / "members" / f"{name}.yaml", folder)
        shutil.copy(EXAMPLE / "members" / f"{name}-stores.csv", folder)
    here = accumulate(folder, "kaseya", replications=4, years=100, seed=3, frequency=0.5)
    there = accumulate(
        folder, "kaseya", replications=4, years=100, seed=3, frequency=0.5, executor=spec, workers=2
    )
    assert there["executor"] != here["executor"]
    assert there["occurrence"] == here["occurrence"]
    assert there["annual"] == here["annual"]
