"""A bounded load on the real server: no errors while reads and runs overlap."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


@pytest.mark.slow
def test_reads_and_concurrent_runs_without_errors() -> None:
    path = Path(__file__).parents[2] / "benchmarks" / "load_api.py"
    spec = importlib.util.spec_from_file_location("load_api", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stats = module.run(reads=300, clients=30, runs=6)
    assert stats["errors"] == {"reads": 0, "runs": 0, "status": 0}
    assert stats["reads"] == 300 and stats["runs_done"] == 6
