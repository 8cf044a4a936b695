"""Stress test: TTS computed by hand on a pause scenario; ranking normalised to 1.0."""

from __future__ import annotations

from pathlib import Path

import pytest

from aftershock import api
from aftershock.testing import pause_scenario


def test_time_to_survive_is_the_stock_cover(tmp_path: Path) -> None:
    # stores hold U=20 units and sell d=5 a day; daily orders arrive the next day. The DC's
    # WMS down for L days from day 5: stores keep selling their stock; deliveries resume the
    # day it is back and arrive one day later. With U = 4 days of demand, outages up to
    # 3 days lose nothing (3 days without delivery + 1 day lead = 4 days of stock), 4 do.
    path = pause_scenario(
        tmp_path, stores=3, demand=5.0, order_up_to=20, on_hand=20, pause=(5, 6), capacity=1e6
    )
    rows = {r["service"]: r for r in api.stress(path)["services"]}
    assert rows["wms"]["tts_days"] == 3
    assert rows["corp-it"]["tts_capped_by_horizon"]


def test_exposure_index_ranks_worst_as_one() -> None:
    rows = api.stress("coop-kaseya-2021")["services"]
    scored = [r for r in rows if r["risk_exposure_index"] is not None]
    assert scored[0]["risk_exposure_index"] == pytest.approx(1.0)
    assert scored[0]["service"] == "pos-main"
    assert all(0 <= r["risk_exposure_index"] <= 1 for r in scored)
