"""One way to write numbers and metric names for people: the CLI, the HTML report and the pages.

The rules live here as data (:data:`KINDS`, :data:`METRICS`) so the dashboard's JavaScript
gets the very same table as JSON (:func:`format_rules`, embedded in every page and served at
``/api/formats``) and its ``fmt(metric, value)`` writes what :func:`fmt` writes. Nothing here
imports the engine: the CLI loads this module on its fast path.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

#: How each kind of quantity is written. ``decimals``: digits after the point; ``percent``:
#: the value is a share (0.92) written as a percentage (92.0%); ``suffix`` follows the number.
#: Every kind uses thousands separators and no currency sign (the scenario has no currency).
KINDS: dict[str, dict[str, Any]] = {
    "units": {"decimals": 0, "percent": False, "suffix": ""},
    "currency": {"decimals": 0, "percent": False, "suffix": ""},
    "store-days": {"decimals": 0, "percent": False, "suffix": ""},
    "stores": {"decimals": 0, "percent": False, "suffix": ""},
    "share": {"decimals": 1, "percent": True, "suffix": "%"},
    "day": {"decimals": 1, "percent": False, "suffix": ""},
    "days": {"decimals": 1, "percent": False, "suffix": ""},
    "number": {"decimals": 1, "percent": False, "suffix": ""},
}

#: Every outcome metric: its name for people, with its unit in words, and its kind. The kinds
#: are the units of ``sim.metrics.METRICS`` (a test keeps the two in step).
METRICS: dict[str, dict[str, str]] = {
    "lost_sales_units": {"label": "Lost sales, units", "kind": "units"},
    "lost_sales_revenue": {"label": "Lost sales, revenue", "kind": "currency"},
    "lost_margin": {"label": "Lost margin, money", "kind": "currency"},
    "stockout_store_days": {"label": "Store-days with empty shelves", "kind": "store-days"},
    "closed_store_days": {"label": "Store-days closed", "kind": "store-days"},
    "fill_rate": {"label": "Fill rate over the horizon, %", "kind": "share"},
    "backlog_peak_units": {"label": "Peak DC backlog, units", "kind": "units"},
    "backlog_clear_day": {"label": "Backlog cleared, day", "kind": "day"},
    "service_restored_day": {"label": "Standard service back, day", "kind": "day"},
    "worst_store_stockout_days": {"label": "Days without stock, worst store", "kind": "days"},
    "customers_lost": {"label": "Demand lost to churn, units", "kind": "units"},
    "surge_cost": {"label": "Surge cost, money", "kind": "currency"},
}

#: What is written for a missing value (not reached, not run).
MISSING = "—"


def kind_of(metric: str) -> str:
    """The kind of a metric (``units`` for names not in :data:`METRICS`, or a kind itself)."""
    if metric in METRICS:
        return METRICS[metric]["kind"]
    return metric if metric in KINDS else "units"


def label(metric: str) -> str:
    """A metric's name for people, with its unit in words (the raw name if unknown)."""
    return METRICS[metric]["label"] if metric in METRICS else metric


def fmt(metric: str, value: float | None) -> str:
    """``value`` of ``metric`` (a metric name or a kind) written for people.

    >>> fmt("lost_sales_units", 4173.5), fmt("fill_rate", 0.9234), fmt("backlog_clear_day", 12.25)
    ('4,174', '92.3%', '12.3')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    rule = KINDS[kind_of(metric)]
    if math.isinf(value):
        return ("-∞" if value < 0 else "∞") + rule["suffix"]
    # scaled as a float first, like the browser, so both round the very same number; then
    # rounded half away from zero on its shortest decimal form (12.35, not 12.3499…), as the
    # browser's Intl.NumberFormat rounds
    number = Decimal(repr(float(value) * 100 if rule["percent"] else float(value)))
    rounded = number.quantize(Decimal(1).scaleb(-rule["decimals"]), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0"
    return f"{rounded:,.{rule['decimals']}f}" + rule["suffix"]


def format_rules() -> dict[str, Any]:
    """The rules as JSON-safe data: what the pages' ``fmt`` reads."""
    return {"kinds": KINDS, "metrics": METRICS, "missing": MISSING}


#: What-ifs the run form sets, in words: (name, unit of the value). Others are named from the
#: scenario schema's field descriptions (:func:`_schema_words`).
WHAT_IFS: dict[str, tuple[str, str]] = {
    "horizon_days": ("Horizon", "days"),
    "incident.pause_days": ("Delivery pause", "days"),
    "plan.order_cap": ("Order cap per store order line", "units"),
    "plan.allocation": ("Allocation policy", ""),
    "plan.surge": ("Surge capacity", ""),
}


def what_if(override: str) -> str:
    """A ``path=value`` override in words: ``incident.pause_days=10`` → "Delivery pause: 10 days"."""
    import yaml

    path, _, text = override.partition("=")
    path = path.strip()
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        value = text
    name, unit = WHAT_IFS.get(path) or (_schema_words(path), _unit_of(path))
    return f"{name}: {_value_words(path, value, unit)}"


def _unit_of(path: str) -> str:
    field = path.rsplit(".", 1)[-1]
    return "days" if field.endswith("_days") else "units" if field.endswith("_units") else ""


def _value_words(path: str, value: Any, unit: str) -> str:
    if path == "plan.surge" and isinstance(value, list):
        if not value:
            return "none"
        return "; ".join(_surge_words(w) for w in value if isinstance(w, dict))
    if value is None or value == "none":
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        number = fmt("units" if float(value).is_integer() else "number", value)
        if unit == "days":
            return f"{number} day" + ("" if value == 1 else "s")
        return f"{number} {unit}".rstrip()
    if isinstance(value, dict) and "units" in value:  # an order cap written out
        start = f" from day {value['from_day']}" if value.get("from_day") is not None else ""
        return f"{fmt('units', value['units'])} units{start}"
    return str(value)


def _surge_words(window: dict[str, Any]) -> str:
    shifts = window.get("extra_shifts") or 0
    text = f"{shifts} extra shift{'' if shifts == 1 else 's'} a day" if shifts else "extra capacity"
    until = window.get("until_day")
    text += f" from day {window.get('from_day', 0)}" + (f" to day {until}" if until is not None else "")
    return text + (f" at {window['dc']}" if window.get("dc") else "")


def _schema_words(path: str) -> str:
    """A field's name for people from its description in the scenario schema: the
    description's first phrase ("Length of the precautionary pause in days"); else the path."""
    import typing

    from pydantic import BaseModel

    from aftershock.model.scenario import Scenario

    model: Any = Scenario
    description = None
    for part in path.split("."):
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return path
        info = fields[part]
        description = info.description
        # the next model down: the field's type itself, or inside Optional / Annotated / list
        found = [info.annotation, *typing.get_args(info.annotation)]
        model = next((t for t in found if isinstance(t, type) and issubclass(t, BaseModel)), None)
    if not description:
        return path
    phrase = description.split(". ")[0].split(", ")[0].split(": ")[0].split(" (")[0].rstrip(".")
    return phrase[:1].upper() + phrase[1:]
