"""The bundled store tables: exactly what the generator makes, and shaped on public figures."""

from __future__ import annotations

import pytest

from aftershock import api
from aftershock.io import bundled_scenarios
from aftershock.scenarios import generate


@pytest.mark.parametrize("relative", sorted(generate.TABLES))
def test_shipped_tables_are_what_the_generator_makes_byte_for_byte(relative: str) -> None:
    made = generate.TABLES[relative]().encode("utf-8")
    assert (generate.HERE / relative).read_bytes() == made
    assert b"\r" not in made and made.endswith(b"\n")


def test_every_bundled_table_has_a_generator() -> None:
    for b in bundled_scenarios():
        table = api.load(b.name).scenario.sites.stores.table
        assert f"{b.name}/{table}" in generate.TABLES


def test_the_generator_is_seeded() -> None:
    assert generate.ocs_stores() == generate.ocs_stores()
    assert generate.ocs_stores(seed=1) != generate.ocs_stores()


def test_ocs_volume_matches_the_public_figures() -> None:
    loaded = api.load("ocs-2022")
    assert len(loaded.stores) == 1333
    weekly = loaded.stores.demand_units_per_day.sum() * 7
    assert 1.6e6 < weekly < 1.7e6  # about 1.65 M units a week
    revenue = sum(weekly * i.demand_share * i.price for i in loaded.scenario.items)
    assert 26e6 < revenue < 29e6  # about C$27.5 M a week


def test_coop_store_counts_and_turnover() -> None:
    loaded = api.load("coop-kaseya-2021")
    pos = loaded.stores.attributes["pos_system"]
    assert len(loaded.stores) == 800 and (pos == "other").sum() == 100
    other_regions = set(loaded.stores.regions[pos == "other"].tolist())
    assert other_regions == set(generate.COOP_OTHER_POS_REGIONS)
    turnover = loaded.stores.demand_units_per_day.sum() * 45.0
    assert 85e6 < turnover < 95e6  # about SEK 90 M a day


def test_grocer_stores_split_over_three_dcs_with_headroom() -> None:
    loaded = api.load("grocer-3dc")
    stores, scenario = loaded.stores, loaded.scenario
    assert len(stores) == generate.GROCER_STORES == 600
    dc = stores.attributes["dc"]
    counts = {d.id: int((dc == d.id).sum()) for d in scenario.sites.dcs}
    assert counts == {"dc-central": 290, "dc-north": 170, "dc-west": 140}
    for region, (region_dc, n, lead, _) in generate.GROCER_REGIONS.items():
        in_region = stores.regions == region
        assert int(in_region.sum()) == n and set(dc[in_region].tolist()) == {region_dc}
        assert set(stores.lead_time_days[in_region].tolist()) == {lead}
    mean_demand = stores.demand_units_per_day.mean()
    assert abs(mean_demand - generate.GROCER_UNITS_PER_STORE_DAY) < 1  # 3.6 M units a day in all
    week = sum(scenario.demand.weekday_factors) / 7
    for d in scenario.sites.dcs:
        headroom = d.pick_capacity_units_per_day / (stores.demand_units_per_day[dc == d.id].sum() * week)
        assert 1.15 <= headroom <= 1.25, (d.id, headroom)  # 15-25% above normal demand
    assert loaded.warnings == ()
