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

# grocer-3dc: an ILLUSTRATIVE chain, not a real one. 600 stores in eight invented regions,
# each region served by one of three DCs; every number here is an assumption (see README).
GROCER_REGIONS: dict[str, tuple[str, int, int, tuple[float, float]]] = {
    # region: (DC, stores, lead time in days from that DC, centre (latitude, longitude))
    "Metro": ("dc-central", 150, 1, (50.00, 10.00)),
    "Midlands": ("dc-central", 80, 1, (50.60, 9.20)),
    "South": ("dc-central", 60, 1, (49.30, 10.40)),
    "Coast": ("dc-north", 80, 1, (52.10, 10.30)),
    "Lakes": ("dc-north", 60, 1, (51.60, 11.20)),
    "Highlands": ("dc-north", 30, 2, (52.70, 11.80)),
    "West": ("dc-west", 90, 1, (50.20, 7.60)),
    "Valley": ("dc-west", 50, 1, (49.60, 8.10)),
}
GROCER_STORES = 600
GROCER_UNITS_PER_STORE_DAY = 6000.0  # mean over all stores and days (assumption)
# store format: (share of stores, size factor, review period in days)
GROCER_FORMATS: dict[str, tuple[float, float, int]] = {
    "large": (0.12, 2.2, 1),
    "supermarket": (0.53, 1.0, 1),
    "compact": (0.35, 0.45, 2),
}
GROCER_SAFETY_DAYS = 2  # days of demand a store holds above lead time + review period


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


def grocer_stores(seed: int = 3) -> str:
    """CSV text of the 600 synthetic stores of the illustrative three-DC grocer.

    The regions, formats, sizes and coordinates are invented: the coordinates scatter each
    region's stores around a made-up centre; they are not real store locations.
    """
    rng = np.random.default_rng(seed)
    assert sum(n for _, n, _, _ in GROCER_REGIONS.values()) == GROCER_STORES
    formats = list(GROCER_FORMATS)
    shares = np.array([GROCER_FORMATS[f][0] for f in formats])
    format_idx = rng.choice(len(formats), size=GROCER_STORES, p=shares / shares.sum())
    factor = np.array([GROCER_FORMATS[f][1] for f in formats])[format_idx]
    size = factor * rng.lognormal(mean=0.0, sigma=0.3, size=GROCER_STORES)
    demand = np.round(size / size.mean() * GROCER_UNITS_PER_STORE_DAY, 1)
    rows = []
    i = 0
    every_other = 0  # stores ordering every other day alternate between two phases (Mon, Tue)
    for region, (dc, n, lead, (lat, lon)) in GROCER_REGIONS.items():
        for _ in range(n):
            fmt = formats[format_idx[i]]
            review = GROCER_FORMATS[fmt][2]
            weekday = 0
            if review > 1:
                weekday = every_other % review
                every_other += 1
            latitude = round(lat + float(rng.normal(0.0, 0.25)), 4)
            longitude = round(lon + float(rng.normal(0.0, 0.35)), 4)
            # order up to the lead time + review period + two days of safety stock
            order_up_to = round(float(demand[i]) * (lead + review + GROCER_SAFETY_DAYS))
            rows.append(
                [
                    f"g-{i + 1:04d}",
                    region,
                    dc,
                    fmt,
                    demand[i],
                    order_up_to,
                    lead,
                    review,
                    weekday,
                    latitude,
                    longitude,
                ]
            )
            i += 1
    header = [
        "id",
        "region",
        "dc",
        "format",
        "demand_units_per_day",
        "order_up_to_units",
        "lead_time_days",
        "review_period_days",
        "order_weekday",
        "latitude",
        "longitude",
    ]
    return _csv(header, rows)


TABLES = {
    "ocs-2022/stores.csv": ocs_stores,
    "coop-kaseya-2021/stores.csv": coop_stores,
    "grocer-3dc/stores.csv": grocer_stores,
}


def main() -> None:
    """Write every table next to its scenario."""
    for relative, make in TABLES.items():
        target = HERE / relative
        target.write_text(make(), encoding="utf-8")
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
