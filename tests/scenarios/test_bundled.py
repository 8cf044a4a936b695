"""The bundled scenarios: reproducible tables, and the impact facts of each incident."""

from __future__ import annotations

from aftershock import api
from aftershock.scenarios import generate

OTHER_POS = {"Värmland", "Norrbotten", "Tabergsdalen", "Varberg", "Gotland", "Oskarshamn"}


def test_store_tables_are_what_the_generator_makes() -> None:
    for relative, make in generate.TABLES.items():
        assert (generate.HERE / relative).read_text(encoding="utf-8") == make(), relative


def test_ocs_volume_matches_the_public_figures() -> None:
    loaded = api.load("ocs-2022")
    assert len(loaded.stores) == 1333
    weekly = loaded.stores.demand_units_per_day.sum() * 7
    assert 1.6e6 < weekly < 1.7e6  # about 1.65 M units a week
    prices = {i.id: i for i in loaded.scenario.items}
    revenue = sum(weekly * i.demand_share * i.price for i in prices.values())
    assert 26e6 < revenue < 29e6  # about C$27.5 M a week


def test_coop_other_pos_regions_stay_open_and_the_rest_cannot_sell_fully() -> None:
    report = api.impact("coop-kaseya-2021")
    assert [c["service"] for c in report["compromised"]] == ["vsa-vendor", "msp-vsa", "pos-main"]
    for view in report["views"]:
        full = {r["region"] for r in view["regions"] if r["selling_full"] == r["stores"]}
        assert full == OTHER_POS, view["label"]
        assert all(r["sell_capacity_share"] < 1 for r in view["regions"] if r["region"] not in OTHER_POS)
    rolled = report["views"][1]
    assert sum(r["selling_partial"] for r in rolled["regions"]) == 320  # the app reached 320 stores
    turnover = sum(api.load("coop-kaseya-2021").stores.demand_units_per_day) * 45.0
    assert 85e6 < turnover < 95e6  # about SEK 90 M a day


def test_ocs_outbound_pause_stops_every_delivery() -> None:
    report = api.impact("ocs-2022")
    groups = report["views"][0]["store_groups"]
    receive = [g for g in groups if g["capability"] == "store.receive"]
    assert receive == [g for g in groups if g["status"] == "none"]
    assert receive[0]["stores"] == 1333
    sites = {s["node"]: s for s in report["views"][0]["sites"]}
    assert sites["ocs-online/channel.online"]["capacity"] == 0
    assert sites["dc-guelph/dc.receive"]["capacity"] == 0.5  # received by hand
