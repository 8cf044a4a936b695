"""Uncertain quantities of the threat model."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError

from aftershock.model import Estimate, Threat


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"dist": "point"}, r"a point estimate needs value \(missing: value\)"),
        ({"dist": "pert", "low": 1, "high": 3}, r"missing: mode"),
        ({"dist": "uniform", "low": 3, "high": 1}, r"high \(1.0\) must be >= low \(3.0\)"),
        ({"dist": "pert", "low": 1, "mode": 5, "high": 3}, "must lie between"),
        ({"dist": "lognormal", "median": 5, "p90": 2}, r"p90 \(2.0\) must be >= median"),
    ],
)
def test_bad_estimates(fields: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Estimate.model_validate(fields)


@pytest.mark.parametrize(
    ("fields", "mean"),
    [
        ({"dist": "point", "value": 4}, 4.0),
        ({"dist": "uniform", "low": 2, "high": 6}, 4.0),
        ({"dist": "pert", "low": 1, "mode": 2, "high": 9}, (1 + 8 + 9) / 6),
        ({"dist": "lognormal", "median": 2, "p90": 5}, None),
    ],
)
def test_samples_agree_with_the_mean(fields: dict, mean: float | None) -> None:
    est = Estimate.model_validate(fields)
    if mean is None:  # lognormal: median × exp(sigma² / 2), sigma from the 90th percentile
        sigma = math.log(5 / 2) / 1.2815515655446004
        mean = 2 * math.exp(sigma**2 / 2)
    assert est.mean() == pytest.approx(mean)
    draws = est.sample(np.random.default_rng(0), 200_000)
    assert (draws >= 0).all()
    assert draws.mean() == pytest.approx(mean, rel=0.02)


def test_medians() -> None:
    assert Estimate(dist="lognormal", median=3, p90=9).median_value() == 3
    assert Estimate(dist="point", value=2).median_value() == 2
    assert Estimate(dist="uniform", low=0, high=10).median_value() == pytest.approx(5, abs=0.1)


def test_threat_name_defaults_to_its_service() -> None:
    data = {"service": "wms", "frequency_per_year": {"value": 0.1}, "outage_days": {"value": 3}}
    threat = Threat.model_validate(data)
    assert threat.name == "wms"
    assert Threat.model_validate({**data, "id": "wms-ransomware"}).name == "wms-ransomware"
