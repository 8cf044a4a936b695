"""The engine serves every store from one DC: a network of several is refused, never half-read."""

from __future__ import annotations

import pytest


def test_a_second_dc_is_refused_by_the_engine_not_silently_ignored(tmp_path):
    """Until the engine serves stores from several DCs, a second DC must not change nothing."""
    from aftershock import api
    from aftershock.errors import ScenarioError
    from aftershock.testing import scenario_dict, write_scenario

    data = scenario_dict()
    data["sites"]["dcs"].append({**data["sites"]["dcs"][0], "id": "dc-north"})
    path = write_scenario(tmp_path, data)
    assert api.validate(path)["dcs"] == 2  # the network itself is fine, and impact works on it
    api.impact(path)
    with pytest.raises(ScenarioError, match="would silently ignore 'dc-north'") as info:
        api.simulate(path, replications=1)
    assert info.value.problems[0].field == "sites.dcs[1]"
