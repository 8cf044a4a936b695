"""A single self-contained HTML report: Plotly's JS embedded once, viewable offline.

The page is the Jinja2 template ``templates/report.html`` (autoescaped: titles, labels and
plan names are text, never markup); this module formats the numbers and draws the charts.
Metric labels, units and descriptions come from the result's summary.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import plotly.graph_objects as go

from aftershock.formatting import fmt
from aftershock.formatting import label as metric_label
from aftershock.recovery.compare import CompareRow
from aftershock.report.figures import (
    backlog_figure,
    compare_figure,
    dc_backlog_figure,
    dc_stock_figure,
    exceedance_figure,
    region_loss_figure,
    stockout_figure,
    tornado_figure,
)
from aftershock.sim.result import Result

#: Metrics in the table of compared plans, in column order.
PLAN_COLUMNS = (
    "lost_sales_units",
    "backlog_clear_day",
    "service_restored_day",
    "worst_store_stockout_days",
    "surge_cost",
)


@cache
def _template() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("aftershock.report", "templates"),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("report.html")


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) < 1e5 else f"{value:,.0f}"
    return str(value)


def _metric_value(metric: dict[str, Any], key: str) -> str:
    """A metric's value by the shared rules of its unit (``aftershock.formatting``)."""
    return fmt(metric["unit"], metric[key])


def _from_parameters(metric: dict[str, Any]) -> str:
    """The share of a metric's variance due to the uncertain parameters (with its 90% confidence
    interval) and its 90% interval from the parameters alone; a dash where it cannot be told."""
    spread = metric.get("from_parameters") or {}
    if spread.get("share") is None:
        return "—"
    text = f"{100 * spread['share']:.0f}%"
    low, high = spread.get("share_low"), spread.get("share_high")
    if low is not None and high is not None and high > low:
        text += f" ({100 * low:.0f}–{100 * high:.0f}%)"
    if not spread["p95"] > spread["p5"]:
        return text
    values = {**spread, "unit": metric["unit"]}
    return f"{text}: {_metric_value(values, 'p5')} – {_metric_value(values, 'p95')}"


def _day_value(summary: dict[str, Any], metric: dict[str, Any]) -> str:
    """The mean day of a day metric; with its date when the scenario has a start date, and the
    share of runs that did not reach it within the horizon."""
    import datetime as dt

    mean = metric["mean"]
    if mean is None:
        return "not within the horizon"
    text = fmt("day", mean)
    if summary.get("start_date"):
        date = dt.date.fromisoformat(summary["start_date"]) + dt.timedelta(days=round(mean))
        text += f" ({date:%a %d %b %Y})"
    late = metric.get("not_reached_share") or 0.0
    return text + (f"; after the horizon in {100 * late:.0f}% of runs" if late else "")


def _dc_columns(summary: dict[str, Any]) -> list[str]:
    """Headers of the DC table after "DC" and "stores": each metric's label from the summary;
    lost sales at the DC's stores with their 90% interval."""
    rows = summary.get("dcs") or []
    if not rows:
        return []
    columns = []
    for name, metric in rows[0]["metrics"].items():
        columns.append(metric["label"] + (", mean" if name == "lost_sales_units" else ""))
        if name == "lost_sales_units":
            columns.append(metric["label"] + ", 90% interval")
    return columns


def _dc_row(summary: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    """A row of the DC table: the DC, its stores and its metrics (means; lost sales with p5 – p95)."""
    cells = []
    for name, metric in row["metrics"].items():
        if metric["unit"] == "day":
            cells.append(_day_value(summary, metric))
            continue
        cells.append(_metric_value(metric, "mean"))
        if name == "lost_sales_units":
            cells.append(f"{_metric_value(metric, 'p5')} – {_metric_value(metric, 'p95')}")
    return {"dc": row["dc"], "stores": f"{row['stores']:,}", "cells": cells}


def render_report(
    title: str,
    result: Result,
    rows: Sequence[CompareRow] = (),
    risk: dict[str, Any] | None = None,
    sensitivity: dict[str, Any] | None = None,
    concentration: dict[str, Any] | None = None,
    stress: dict[str, Any] | None = None,
) -> str:
    """The report as HTML text: headline table, charts, the DCs (table, backlog and stock per DC),
    the plan comparison, the yearly risk, what drives the answer (``api.sensitivity``), the
    vendor concentration and the stress test along attack paths (``api.stress``)."""
    from markupsafe import Markup

    # in the order of the page: the chain's charts, the DC section's, then plans and risk
    figures: list[go.Figure] = [backlog_figure(result), stockout_figure(result), region_loss_figure(result)]
    dc_figures = [f for f in (dc_backlog_figure(result), dc_stock_figure(result)) if f is not None]
    later: list[go.Figure] = []
    if rows:
        later.append(compare_figure(rows))
    if risk is not None:
        later.append(exceedance_figure(risk))
    if sensitivity is not None:
        later.append(tornado_figure(sensitivity))
    html = [
        # Plotly's own markup and script: the one thing the template prints unescaped
        Markup(
            fig.to_html(
                full_html=False, include_plotlyjs=(i == 0), default_width="100%", default_height="420px"
            )
        )
        for i, fig in enumerate([*figures, *dc_figures, *later])
    ]
    charts = html[: len(figures)]
    dc_charts = html[len(figures) : len(figures) + len(dc_figures)]
    later_charts = html[len(figures) + len(dc_figures) :]
    tornado_chart = later_charts.pop() if sensitivity is not None else None
    headline = [
        {
            "label": metric_label(name),
            "mean": _metric_value(m, "mean"),
            "p5": _metric_value(m, "p5"),
            "p95": _metric_value(m, "p95"),
            "from_parameters": _from_parameters(m),
            "description": m["description"],
        }
        for name, m in result.summary["metrics"].items()
    ]
    plans = [
        {
            "label": r.label(),
            "cells": [fmt(k, r.metrics.get(k)) for k in PLAN_COLUMNS],
            "is_pareto": r.is_pareto,
        }
        for r in rows
    ]
    return _template().render(
        title=title,
        summary=result.summary,
        headline=headline,
        charts=charts,
        dc_columns=_dc_columns(result.summary),
        dc_rows=[_dc_row(result.summary, row) for row in result.summary.get("dcs") or []],
        dc_charts=dc_charts,
        later_charts=later_charts,
        plans=plans,
        # how the plans treat the scenario's uncertain parameters (compare sets the plan itself)
        plan_notes=sorted(
            {w["message"] for r in rows for w in r.warnings if w.get("field") == "uncertainty"}
        ),
        plan_columns=[metric_label(k) for k in PLAN_COLUMNS],
        risk=_risk(risk) if risk is not None else None,
        drivers=_drivers(sensitivity) if sensitivity is not None else None,
        tornado_chart=tornado_chart,
        concentration=_concentration(concentration) if concentration is not None else None,
        stress=_stress(stress) if stress is not None else None,
    )


def _money(x: float) -> str:
    return f"{x / 1e6:,.2f} M" if abs(x) >= 1e6 else f"{x:,.0f}"


def _risk(r: dict[str, Any]) -> dict[str, Any]:
    """The yearly risk table: gross (and net of insurance, with terms) ALE, VaR and ES; vendors."""
    insured = r.get("insurance") is not None
    rows = []
    for label, key in (
        ("Expected annual loss (ALE)", "expected_annual_loss"),
        ("1-in-20-year loss (VaR 95%)", "var95"),
        ("mean beyond it (ES 95%)", "es95"),
        ("1-in-100-year loss (VaR 99%)", "var99"),
        ("mean beyond it (ES 99%)", "es99"),
    ):
        rows.append(
            {"label": label, "gross": _money(r[key]), "net": _money(r["net"][key]) if insured else None}
        )
    terms = None
    if insured:
        t = r["insurance"]["terms"]
        terms = (
            f"waiting period {t['waiting_days'] + t['waiting_hours'] / 24:g} days, deductible "
            f"{_money(t['deductible'])}, limit {'none' if t['limit'] is None else _money(t['limit'])}, "
            f"CBI sublimit {'none' if t['cbi_sublimit'] is None else _money(t['cbi_sublimit'])}; the policy "
            f"pays {_money(r['insurance']['expected_annual_recovery'])} a year on average"
        )
    return {
        "years": f"{r['years']:,}",
        "insured": insured,
        "terms": terms,
        "rows": rows,
        "vendors": [
            {
                "rank": str(v["rank"]),
                "vendor": v["vendor"],
                "gross": _money(v["expected_annual_loss"]),
                "share": f"{100 * v['share']:.1f}%",
                "net": _money(v["net_expected_annual_loss"]) if insured else None,
            }
            for v in r["by_vendor"]
        ],
        "causes": [t["threat"] for t in r["by_threat"] if t.get("kind") == "common_cause"],
    }


def _concentration(c: dict[str, Any]) -> dict[str, Any]:
    """The vendor concentration section (``api.concentration``): parties, HHI, ranked SPOFs."""
    return {
        "hhi": None if c["hhi"] is None else f"{c['hhi']:,.0f}",
        "effective_vendors": None if c["effective_vendors"] is None else f"{c['effective_vendors']:.1f}",
        "revenue_per_day": _money(c["revenue_per_day"]),
        "note": c["note"],
        "parties": [
            {
                "rank": "" if p["rank"] is None else str(p["rank"]),
                "party": p["party"],
                "role": p["role"],
                "through": ", ".join(p["through"]) or "—",
                "stores": f"{p['stores']:,}",
                "demand": f"{100 * p['demand_share']:.1f}%",
                "direct": f"{100 * p['direct_demand_share']:.1f}%",
                "revenue": _money(p["revenue_per_day"]),
                "hhi_share": "—" if p["hhi_share"] is None else f"{100 * p['hhi_share']:.1f}%",
            }
            for p in c["parties"]
        ],
        "single_points": [
            {
                "rank": str(s["rank"]),
                "node": s["node"],
                "party": s["party"] or "(site capability)",
                "zeroes": ", ".join(f"{m} {100 * x:.1f}%" for m, x in s["measures"].items()),
                "revenue": _money(s["revenue_per_day"]),
            }
            for s in c["single_points"]
        ],
    }


def _stress_row(r: dict[str, Any]) -> list[str]:
    """TTR, TTS at each level, the worst store's gap, impact and index (worst case, sampled mean)."""

    def days(value: float | None, capped: bool = False) -> str:
        return "—" if value is None else f"{value:.0f}" + ("+" if capped else "")

    gap = r["gap_days"]["store"]
    rei, mean = r["risk_exposure_index"], r["sampled"]["risk_exposure_index_mean"]
    return [
        days(r["ttr_days"], r["ttr_capped_by_horizon"]),
        *(
            days(r["tts_days"][lv], r["tts_capped_by_horizon"][lv])
            for lv in ("store", "region", "dc", "chain")
        ),
        "—" if gap is None else f"{gap:+.0f}",
        ("≥ " if r["ttr_capped_by_horizon"] else "") + _money(r["impact"]),
        "—" if rei is None else f"{rei:.2f}",
        "—" if mean is None else f"{mean:.2f}",
    ]


def _stress(s: dict[str, Any]) -> dict[str, Any]:
    """The stress test section (``api.stress``): vendors ranked, then every entry service."""
    return {
        "threshold": f"{100 * s['threshold']:.0f}%",
        "weight": s["weight"],
        "samples": s["samples"],
        "definitions": s["definitions"],
        "columns": ["TTR", "TTS store", "region", "DC", "chain", "gap", "impact", "exposure", "sampled"],
        "parties": [
            {
                "rank": "" if p["rank"] is None else str(p["rank"]),
                "party": p["party"],
                "role": p["role"],
                "cells": _stress_row(p),
            }
            for p in s["parties"]
        ],
        "services": [
            {
                "service": r["service"],
                "vendor": r["vendor"],
                "spread": ", ".join(x for x in r["compromised"] if x != r["service"]) or "—",
                "cells": _stress_row(r),
            }
            for r in s["services"]
        ],
    }


def _drivers(s: dict[str, Any]) -> dict[str, Any]:
    """The sensitivity section: the parameters ranked, with their indices and tornado ends."""
    params = {p["path"]: p for p in s["parameters"]}
    sobol, morris = bool(s.get("samples")), bool(s.get("trajectories"))
    columns = ["parameter", "range (scenario's value)"]
    columns += ["ST ± 95%", "S1 ± 95%"] if sobol else []
    columns += ["Morris mu* ± 95%", "sigma"] if morris else []
    columns += ["at low", "at high"]
    rows = []
    for r in s["ranking"]:
        p = params[r["path"]]
        cells = [f"{_fmt(p['low'])} – {_fmt(p['high'])} ({_fmt(p['point'])})"]
        if sobol:
            so = r["sobol"]
            cells += [f"{so['ST']:.2f} ± {so['ST_conf']:.2f}", f"{so['S1']:.2f} ± {so['S1_conf']:.2f}"]
        if morris:
            mo = r["morris"]
            cells += [f"{_fmt(mo['mu_star'])} ± {_fmt(mo['mu_star_conf'])}", _fmt(mo["sigma"])]
        cells += [_fmt(r["tornado"]["low"]), _fmt(r["tornado"]["high"])]
        rows.append({"path": r["path"], "cells": cells})
    return {
        "metric": s["metric"]["label"],
        "unit": s["metric"]["unit"],
        "baseline": _fmt(s["baseline"]),
        "evaluations": s["evaluations"]["distinct"],
        "replications": s["replications"],
        "ranked_by": "the total Sobol index ST" if sobol else "Morris mu*",
        "columns": columns,
        "rows": rows,
        "notes": s["notes"],
    }
