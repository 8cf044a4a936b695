"""Reading inputs into ``model`` objects and writing results. Nothing else reads files."""

from aftershock.io.bundled import (
    BundledScenario,
    BundledVariant,
    bundled_scenarios,
    resolve_scenario_path,
    split_variant,
)
from aftershock.io.scenario_file import apply_overrides, load_scenario
from aftershock.io.tables import read_store_table

__all__ = [
    "BundledScenario",
    "BundledVariant",
    "apply_overrides",
    "bundled_scenarios",
    "load_scenario",
    "read_store_table",
    "resolve_scenario_path",
    "split_variant",
]
