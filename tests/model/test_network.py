"""Network building blocks: the rules a schema alone enforces."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from aftershock.model import (
    SITE_CAPABILITIES,
    Alternative,
    Capability,
    Control,
    DistributionCentre,
    Requires,
    SiteSelector,
)


def test_every_capability_belongs_to_exactly_one_kind_of_site() -> None:
    owners = [kind for kind, caps in SITE_CAPABILITIES.items() for _ in caps]
    assert sorted(c for caps in SITE_CAPABILITIES.values() for c in caps) == sorted(Capability)
    assert len(owners) == len(Capability)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "names either a service or a site"),
        (
            {"service": "a", "site": "dc", "capability": "dc.ship"},
            "names either a service or a site",
        ),
        ({"site": "dc"}, "also needs its capability"),
        ({"service": "a", "capability": "dc.ship"}, "capability goes with site"),
        ({"service": "a", "factor": 1.2}, "less than or equal to 1"),
        ({"site": "dc", "capability": "dc.fly"}, "Input should be"),
    ],
)
def test_bad_alternatives(fields: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Alternative.model_validate(fields)


def test_alternative_defaults_to_full_capacity() -> None:
    assert Alternative(service="a").factor == 1.0
    alt = Alternative.model_validate({"site": "dc", "capability": "dc.ship", "factor": 0.3})
    assert (alt.capability, alt.factor) == (Capability.DC_SHIP, 0.3)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"groups": [[{"service": "a"}]]}, "targets either a service or a site"),
        (
            {"site": {"kind": "store"}, "groups": [[{"service": "a"}]]},
            "needs the capability it gates",
        ),
        (
            {"service": "b", "capability": "store.sell", "groups": [[{"service": "a"}]]},
            "capability goes",
        ),
        ({"service": "b", "groups": []}, "at least 1 item"),
        ({"service": "b", "groups": [[]]}, "at least 1 item"),
    ],
)
def test_bad_requires_rules(fields: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Requires.model_validate(fields)


def test_selector_needs_something_to_select_by() -> None:
    with pytest.raises(ValidationError, match="needs at least one of id, ids, kind, where"):
        SiteSelector()
    assert SiteSelector(where={"tier": ["A", "B"]}).where == {"tier": ["A", "B"]}


def test_control_edge_reads_from_and_checks_p() -> None:
    edge = Control.model_validate({"from": "a", "to": "b", "p": 0.25, "delay_days": 2})
    assert (edge.from_, edge.to, edge.p, edge.delay_days, edge.kind) == (
        "a",
        "b",
        0.25,
        2,
        "push_code",
    )
    assert edge.model_dump(by_alias=True)["from"] == "a"
    for bad in ({"p": 1.5}, {"p": -0.1}, {"delay_days": -1}, {"kind": "magic"}):
        with pytest.raises(ValidationError):
            Control.model_validate({"from": "a", "to": "b", **bad})


@pytest.mark.parametrize(
    "bad",
    [
        {"pick_capacity_units_per_day": 0},
        {"pick_capacity_units_per_day": 1, "shifts_per_day": 4},
        {"pick_capacity_units_per_day": 1, "delivery_hours_per_day": 25},
        {"pick_capacity_units_per_day": 1, "delivery_capacity_stores_per_day": 0},
    ],
)
def test_dc_limits(bad: dict) -> None:
    with pytest.raises(ValidationError):
        DistributionCentre.model_validate({"id": "dc", **bad})
