"""The incident: compromise, isolation windows, restoration by crews, fallbacks."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from aftershock.model import Fallback, Incident, Isolation, Restore


def test_isolation_names_a_service_or_a_link() -> None:
    with pytest.raises(ValidationError, match="names either a service or a link"):
        Isolation()
    with pytest.raises(ValidationError, match="names either a service or a link"):
        Isolation.model_validate({"service": "a", "link": {"from": "a", "to": "b"}})
    iso = Isolation.model_validate({"link": {"from": "wms", "to": "dc/dc.ship"}})
    assert iso.link is not None and (iso.link.from_, iso.link.to) == ("wms", "dc/dc.ship")
    assert (iso.from_day, iso.until_day) == (None, None)  # default: detection .. clearance


def test_isolation_window_must_move_forward() -> None:
    with pytest.raises(ValidationError, match=r"until_day \(3\) must be after from_day \(3\)"):
        Isolation(service="a", from_day=3, until_day=3)


def test_on_site_restoration_needs_crews_and_their_pace() -> None:
    assert not Restore(day=4, ramp_days=2).is_on_site
    assert Restore(day=4, crews=2, sites_per_crew_per_day=1.5).is_on_site
    with pytest.raises(ValidationError, match="needs both crews and sites_per_crew_per_day"):
        Restore(day=4, crews=2)
    with pytest.raises(ValidationError):
        Restore(day=4, crews=0, sites_per_crew_per_day=1)


def test_fallback_rollout_limits() -> None:
    fb = Fallback(from_day=3, sites_per_day=10)
    assert (fb.max_sites, fb.order) == (None, "by_demand")
    with pytest.raises(ValidationError):
        Fallback(from_day=3, sites_per_day=0)
    with pytest.raises(ValidationError):
        Fallback(from_day=3, sites_per_day=1, order="alphabetical")


def test_detection_day_and_pause_shorthand() -> None:
    incident = Incident.model_validate(
        {
            "compromise": {"service": "a", "day": 5},
            "detection_delay_days": 2,
            "forensic_clearance_days": 9,
            "pause_days": 4,
        }
    )
    assert incident.detection_day == 7
    assert incident.forensic_clearance_days == 4  # pause_days replaces it
    plain = Incident.model_validate({"compromise": {"service": "a", "day": 5}})
    assert (plain.detection_day, plain.forensic_clearance_days) == (5, 0)
