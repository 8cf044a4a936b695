"""Reproducible synthetic store tables for the bundled scenarios.

Run ``python -m aftershock.scenarios.generate`` to rewrite the CSV files; a test checks
that the files shipped are exactly what this code produces. The tables are synthetic:
store counts, regional split and chain volume follow public figures (see each scenario's
README), individual stores do not.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent

# Ontario Cannabis Store: share of licensed retail stores per region (assumption, shaped
# on the AGCO's regional store counts), 1,333 stores in all.
OCS_REGIONS: dict[str, tuple[float, int]] = {
    # region: (share of stores, lead time in days from the Guelph DC)
    "Toronto": (0.27, 1),
    "Central": (0.25, 1),
    "East": (0.17, 1),
    "West": (0.19, 1),
    "North": (0.12, 2),
}
OCS_STORES = 1333
OCS_UNITS_PER_STORE_WEEK = 1238.0  # 1.65 M units a week over 1,333 stores

# Coop Sverige: regions with their own (non-Visma) till system stayed open in July 2021.
COOP_OTHER_POS_REGIONS: dict[str, int] = {
    "Värmland": 34,
    "Norrbotten": 30,
    "Tabergsdalen": 6,
    "Varberg": 8,
    "Gotland": 12,
    "Oskarshamn": 10,
}
COOP_MAIN_REGIONS: dict[str, int] = {
    "Stockholm": 130,
    "Väst": 115,
    "Skåne": 95,
    "Mitt": 105,
    "Öst": 90,
    "Norr": 80,
    "Småland": 85,
}
COOP_UNITS_PER_DAY = 90_000_000 / 45.0  # SEK 90 M a day at an average SEK 45 per unit


def _csv(header: list[str], rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def ocs_stores(seed: int = 2022) -> str:
    """CSV text of the 1,333 synthetic OCS stores."""
    rng = np.random.default_rng(seed)
    names = list(OCS_REGIONS)
    shares = np.array([OCS_REGIONS[r][0] for r in names])
    region_idx = rng.choice(len(names), size=OCS_STORES, p=shares / shares.sum())
    # store sizes are right-skewed: a few flagship stores sell several times the median
    size = rng.lognormal(mean=0.0, sigma=0.45, size=OCS_STORES)
    weekly = size / size.mean() * OCS_UNITS_PER_STORE_WEEK
    demand = np.round(weekly / 7.0, 2)
    tiers = np.where(size > np.quantile(size, 0.8), "A", np.where(size > np.quantile(size, 0.4), "B", "C"))
    rows = []
    for i in range(OCS_STORES):
        region = names[region_idx[i]]
        lead = OCS_REGIONS[region][1]
        rows.append([f"ocs-{i + 1:04d}", region, tiers[i], demand[i], lead, 7, int(rng.integers(0, 5))])
    header = [
        "id",
        "region",
        "tier",
        "demand_units_per_day",
        "lead_time_days",
        "review_period_days",
        "order_weekday",
    ]
    return _csv(header, rows)


def coop_stores(seed: int = 2021) -> str:
    """CSV text of the synthetic Coop stores, 800 in all, 100 of them on the other till system."""
    rng = np.random.default_rng(seed)
    rows = []
    regions = [(r, n, "other") for r, n in COOP_OTHER_POS_REGIONS.items()] + [
        (r, n, "main") for r, n in COOP_MAIN_REGIONS.items()
    ]
    total = sum(n for _, n, _ in regions)
    size = rng.lognormal(mean=0.0, sigma=0.6, size=total)
    demand = np.round(size / size.sum() * COOP_UNITS_PER_DAY, 1)
    formats = rng.choice(["Coop", "Stora Coop", "Coop Konsum", "X-tra"], size=total, p=[0.55, 0.1, 0.25, 0.1])
    i = 0
    for region, n, pos in regions:
        for _ in range(n):
            rows.append([f"coop-{i + 1:04d}", region, pos, formats[i], demand[i], 1, 1, i % 7])
            i += 1
    header = [
        "id",
        "region",
        "pos_system",
        "format",
        "demand_units_per_day",
        "lead_time_days",
        "review_period_days",
        "order_weekday",
    ]
    return _csv(header, rows)


TABLES = {
    "ocs-2022/stores.csv": ocs_stores,
    "coop-kaseya-2021/stores.csv": coop_stores,
}


def main() -> None:
    """Write every table next to its scenario."""
    for relative, make in TABLES.items():
        target = HERE / relative
        target.write_text(make(), encoding="utf-8")
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
