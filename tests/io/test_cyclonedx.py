"""CycloneDX import: mapping, validation of the merged scenario, malformed BOMs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aftershock import api
from aftershock.errors import DataError
from aftershock.testing import write_scenario

EXAMPLE = Path(__file__).parents[2] / "examples" / "cyclonedx" / "inventory.cdx.json"


def test_import_maps_services_providers_and_dependencies(tmp_path: Path) -> None:
    scenario = write_scenario(tmp_path)
    out = tmp_path / "merged.yaml"
    report = api.import_services(
        EXAMPLE, scenario, capability="store.sell", where={"pos_system": "a"}, out=out
    )
    assert set(report["services_added"]) == {
        "checkout-platform",
        "remote-management-agent",
        "card-payment-gateway",
        "pos-software",
    }
    assert "example-msp-ab" in report["parties_added"]
    assert any("loyalty points" in s.lower() and "no provider" in s for s in report["not_mapped"])
    assert any("openssl" in s for s in report["not_mapped"])
    merged = api.load(out)
    rules = [r for r in merged.scenario.requires if r.service == "checkout-platform"]
    assert [[a.service for a in g] for g in rules[0].groups] == [
        ["remote-management-agent"],
        ["pos-software"],
    ]
    assert scenario.read_text() != out.read_text()  # --out leaves the original alone


def test_malformed_bom_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.cdx.json"
    bad.write_text(json.dumps({"bomFormat": "SPDX", "services": {}}))
    with pytest.raises(DataError) as exc:
        api.import_services(bad, write_scenario(tmp_path))
    text = str(exc.value)
    assert "bomFormat: expected \"CycloneDX\", got 'SPDX'" in text
    assert "specVersion" in text and "services: expected a list" in text
    broken = tmp_path / "broken.cdx.json"
    broken.write_text('{"bomFormat": "CycloneDX",\n "specVersion": }')
    with pytest.raises(DataError, match=r"broken.cdx.json:2: JSON syntax error"):
        api.import_services(broken, write_scenario(tmp_path))
