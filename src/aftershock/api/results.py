"""Result classes of the public API, for notebooks as well as for the CLI and the web app.

The results that used to be nested dicts (``impact``, ``risk``, ``stress``, ``concentration``,
``pause_study``, ``sensitivity``, ``accumulate``) are now classes with typed attributes
(``report.compromised``, ``summary.expected_annual_loss``). They stay ``dict`` subclasses
holding exactly the keys they always held, so ``json.dumps`` of one, the CLI's ``--json`` and
the web API's responses are byte for byte what they were; :meth:`ResultMapping.to_dict` gives a
plain dict. Every result also has ``to_dataframe()`` (a pandas DataFrame in tidy long form:
one row per observation, one column per variable) and ``_repr_html_()`` (a short summary
table Jupyter shows; escaped text, no scripts).

pandas is imported inside ``to_dataframe`` only: the CLI's fast path never loads it for these.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, NamedTuple, TypeVar, overload

from aftershock.formatting import MISSING, fmt

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")


class Interval(NamedTuple):
    """A 90% interval over replications: the 5th (``low``) and 95th (``high``) percentile.

    A tuple as well, so code that unpacks ``low, high = row.intervals[m]`` and JSON output
    (a two-number list) are as they were.
    """

    low: float | None
    high: float | None


class key(Generic[T]):
    """A typed attribute that reads the key of the same name of a :class:`ResultMapping`."""

    name: str

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> key[T]: ...
    @overload
    def __get__(self, obj: ResultMapping, owner: type | None = None) -> T: ...
    def __get__(self, obj: ResultMapping | None, owner: type | None = None) -> T | key[T]:
        if obj is None:
            return self
        return obj[self.name]  # type: ignore[no-any-return]


def html_table(title: str, rows: Iterable[tuple[str, str]], note: str | None = None) -> str:
    """A two-column HTML table (name, value) with a caption; every text escaped, no script."""
    esc = html.escape
    body = "".join(
        f'<tr><th style="text-align:left">{esc(name)}</th><td style="text-align:right">{esc(value)}</td></tr>'
        for name, value in rows
    )
    foot = f"<p><small>{esc(note)}</small></p>" if note else ""
    return f'<div class="aftershock-result"><table><caption>{esc(title)}</caption>{body}</table>{foot}</div>'


def _count(items: Sequence[Any] | None) -> str:
    return f"{len(items or []):,}"


def frame_of(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A DataFrame with ``columns`` in this order even when there are no rows."""
    import pandas as pd

    return pd.DataFrame(rows, columns=list(columns))


def warnings_note(warnings: list[dict[str, Any]] | None) -> str | None:
    n = len(warnings or [])
    return f"{n} warning{'s' if n != 1 else ''} about the scenario (see .warnings)" if n else None


class ResultMapping(dict[str, Any]):
    """A result that is a plain dict for JSON and a typed object for Python.

    Subclasses declare their keys as :class:`key` attributes and implement
    :meth:`to_dataframe` and :meth:`_headline`.
    """

    #: the caption of the notebook summary
    title: ClassVar[str] = "aftershock result"

    def to_dict(self) -> dict[str, Any]:
        """The plain dict (exactly what the CLI's ``--json`` prints)."""
        return dict(self)

    def to_dataframe(self) -> pd.DataFrame:
        raise NotImplementedError

    def _headline(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return html_table(self.title, self._headline(), warnings_note(self.get("warnings")))


def _cut_rows(scope: str, cuts: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "scope": scope,
            "measure": measure,
            "order": len(c["nodes"]),
            "nodes": " + ".join(c["nodes"]),
            "demand_share": c["demand_share"],
        }
        for measure, found in cuts.items()
        for c in found["minimal_cut_sets"]
    ]


class ImpactResult(ResultMapping):
    """Blast radius of a compromise (:func:`aftershock.api.impact`)."""

    title = "Blast radius"
    scenario: key[str] = key()
    compromise: key[str] = key()
    compromised: key[list[dict[str, Any]]] = key()
    isolated: key[list[str]] = key()
    views: key[list[dict[str, Any]]] = key()
    cut_threshold: key[float] = key()
    cuts: key[dict[str, dict[str, list[dict[str, Any]]]]] = key()
    cuts_by_dc: key[dict[str, dict[str, Any]]] = key()
    concentration: key[dict[str, Any]] = key()
    warnings: key[list[dict[str, Any]]] = key()

    def to_dataframe(self, table: str = "states") -> pd.DataFrame:
        """``states``: one row per view, service or site capability (``kind``), its capacity
        and why; ``regions``: one row per view and region; ``cuts``: one row per minimal cut
        set (``scope`` ``chain`` or a DC id), ``nodes`` joined with `` + ``."""
        if table == "states":
            rows = [
                {
                    "view": v["label"],
                    "kind": kind[:-1],
                    "node": n["node"],
                    "capacity": n["capacity"],
                    "reason": n["reason"],
                }
                for v in self.views
                for kind in ("services", "sites")
                for n in v[kind]
            ]
            return frame_of(rows, ["view", "kind", "node", "capacity", "reason"])
        if table == "regions":
            rows = [{"view": v["label"], **r} for v in self.views for r in v["regions"]]
            return frame_of(
                rows,
                [
                    "view",
                    "region",
                    "stores",
                    "selling_full",
                    "selling_partial",
                    "closed",
                    "sell_capacity_share",
                ],
            )
        if table == "cuts":
            rows = _cut_rows("chain", self.cuts)
            for dc, found in self.cuts_by_dc.items():
                rows += _cut_rows(dc, found["cuts"])
            return frame_of(rows, ["scope", "measure", "order", "nodes", "demand_share"])
        raise ValueError(f"table: expected states, regions or cuts, got '{table}'")

    def _headline(self) -> list[tuple[str, str]]:
        rows = [
            ("Scenario", self.scenario),
            ("Compromise starts at", self.compromise),
            ("Services compromised", _count(self.compromised)),
            ("Links isolated", _count(self.isolated)),
        ]
        for v in self.views:
            rows.append((f"Selling capacity, {v['label']}", fmt("share", v["sell_capacity_share"])))
        for measure, found in self.cuts.items():
            spofs = [" + ".join(c["nodes"]) for c in found["single_points_of_failure"]]
            rows.append((f"Single points of failure, {measure}", ", ".join(spofs) or "none"))
        return rows


_RISK_STATS = ("expected_annual_loss", "var95", "es95", "var99", "es99")


class RiskResult(ResultMapping):
    """Yearly cyber-supply risk (:func:`aftershock.api.risk`); losses in the scenario's currency."""

    title = "Yearly risk"
    scenario: key[str] = key()
    years: key[int] = key()
    seed: key[int] = key()
    expected_annual_loss: key[float] = key()
    expected_annual_loss_ci95: key[list[float]] = key()
    var95: key[float] = key()
    es95: key[float] = key()
    var99: key[float] = key()
    es99: key[float] = key()
    incidents_per_year_mean: key[float] = key()
    share_of_years_with_incident: key[float] = key()
    loss_exceedance: key[dict[str, list[float]]] = key()
    net: key[dict[str, Any]] = key()
    insurance: key[dict[str, Any] | None] = key()
    by_threat: key[list[dict[str, Any]]] = key()
    by_vendor: key[list[dict[str, Any]]] = key()
    by_dc: key[list[dict[str, Any]]] = key()
    concentration: key[dict[str, Any]] = key()
    warnings: key[list[dict[str, Any]]] = key()

    def to_dataframe(self, table: str = "statistics") -> pd.DataFrame:
        """``statistics``: one row per basis (``gross``, ``net`` of insurance) and statistic,
        with its 95% confidence interval where there is one; ``exceedance``: the loss
        exceedance curve (basis, loss, probability); ``threats``, ``vendors``, ``dcs``: the
        rankings."""
        bases = (("gross", self), ("net", self.net))
        if table == "statistics":
            rows = []
            for basis, data in bases:
                for stat in _RISK_STATS:
                    ci = data.get(f"{stat}_ci95") or (None, None)
                    rows.append(
                        {
                            "basis": basis,
                            "statistic": stat,
                            "value": data[stat],
                            "ci95_low": ci[0],
                            "ci95_high": ci[1],
                        }
                    )
            return frame_of(rows, ["basis", "statistic", "value", "ci95_low", "ci95_high"])
        if table == "exceedance":
            rows = [
                {"basis": basis, "loss": loss, "probability": p}
                for basis, data in bases
                for loss, p in zip(
                    data["loss_exceedance"]["loss"], data["loss_exceedance"]["probability"], strict=True
                )
            ]
            return frame_of(rows, ["basis", "loss", "probability"])
        lists = {"threats": self.by_threat, "vendors": self.by_vendor, "dcs": self.by_dc}
        if table in lists:
            import pandas as pd

            return pd.DataFrame(lists[table])
        raise ValueError(f"table: expected statistics, exceedance, threats, vendors or dcs, got '{table}'")

    def _headline(self) -> list[tuple[str, str]]:
        rows = [
            ("Scenario", self.scenario),
            ("Years simulated", f"{self.years:,}"),
            ("Expected annual loss", fmt("currency", self.expected_annual_loss)),
            ("VaR 95%", fmt("currency", self.var95)),
            ("ES 95%", fmt("currency", self.es95)),
            ("VaR 99%", fmt("currency", self.var99)),
            ("Years with an incident", fmt("share", self.share_of_years_with_incident)),
        ]
        if self.insurance is not None:
            rows.append(
                ("Expected annual loss, net of insurance", fmt("currency", self.net["expected_annual_loss"]))
            )
        if self.by_threat:
            top = min(self.by_threat, key=lambda t: t["rank"] if t["rank"] is not None else 1e9)
            rows.append(("Top threat", str(top["threat"])))
        return rows


class StressResult(ResultMapping):
    """Time to survive against time to recover, per entry and party (:func:`aftershock.api.stress`)."""

    title = "Stress test: time to survive vs time to recover"
    scenario: key[str] = key()
    threshold: key[float] = key()
    weight: key[str] = key()
    samples: key[int] = key()
    seed: key[int] = key()
    services: key[list[dict[str, Any]]] = key()
    parties: key[list[dict[str, Any]]] = key()
    vendors: key[list[dict[str, Any]]] = key()
    dcs: key[list[dict[str, Any]]] = key()
    definitions: key[dict[str, str]] = key()
    warnings: key[list[dict[str, Any]]] = key()

    def to_dataframe(self) -> pd.DataFrame:
        """One row per entry (``entry_kind`` ``service`` or ``party``) and level (store,
        region, dc, chain): TTS, TTR and their gap in days, the entry's impact and risk
        exposure index."""
        rows = []
        for kind, entries in (("service", self.services), ("party", self.parties)):
            for e in entries:
                for level, lv in e["levels"].items():
                    rows.append(
                        {
                            "entry_kind": kind,
                            "entry": e[kind],
                            "level": level,
                            "tts_days": lv["tts_days"],
                            "ttr_days": lv["ttr_days"],
                            "gap_days": lv["gap_days"],
                            "first_to_fall": lv["first_to_fall"],
                            "impact": e["impact"],
                            "risk_exposure_index": e["risk_exposure_index"],
                        }
                    )
        columns = ["entry_kind", "entry", "level", "tts_days", "ttr_days", "gap_days", "first_to_fall"]
        return frame_of(rows, [*columns, "impact", "risk_exposure_index"])

    def _headline(self) -> list[tuple[str, str]]:
        rows = [("Scenario", self.scenario), ("Service threshold", fmt("share", self.threshold))]
        for e in self.services[:5]:
            rows.append(
                (
                    f"Entry {e['service']}",
                    f"TTS {fmt('days', e['tts_days']['chain'])} d, TTR {fmt('days', e['ttr_days'])} d, "
                    f"impact {fmt('currency', e['impact'])}",
                )
            )
        if len(self.services) > 5:
            rows.append(("More entries", f"{len(self.services) - 5:,} (see .to_dataframe())"))
        return rows


class ConcentrationResult(ResultMapping):
    """Vendor concentration of a network (:func:`aftershock.api.concentration`)."""

    title = "Vendor concentration"
    scenario: key[str] = key()
    parties: key[list[dict[str, Any]]] = key()
    hhi: key[float | None] = key()
    effective_vendors: key[float | None] = key()
    single_points: key[list[dict[str, Any]]] = key()
    demand_units_per_day: key[float] = key()
    revenue_per_day: key[float] = key()
    warnings: key[list[dict[str, Any]]] = key()

    def to_dataframe(self) -> pd.DataFrame:
        """One row per party and measure (``store.sell``, ..., ``inbound``): the share of demand
        that depends on it, with the party's stores and revenue a day at risk."""
        rows = [
            {
                "party": p["party"],
                "kind": p["kind"],
                "role": p["role"],
                "stores": p["stores"],
                "revenue_per_day": p["revenue_per_day"],
                "measure": measure,
                "demand_share": share,
            }
            for p in self.parties
            for measure, share in p["by_measure"].items()
        ]
        return frame_of(
            rows, ["party", "kind", "role", "stores", "revenue_per_day", "measure", "demand_share"]
        )

    def _headline(self) -> list[tuple[str, str]]:
        top = self.parties[0] if self.parties else None
        return [
            ("Scenario", self.scenario),
            ("HHI over vendors (0-10,000)", fmt("units", self.hhi)),
            ("Effective vendors", fmt("number", self.effective_vendors)),
            (
                "Most exposed party",
                MISSING if top is None else f"{top['party']} ({fmt('share', top['demand_share'])})",
            ),
            ("Single points of failure", _count(self.single_points)),
        ]


class PauseStudyResult(ResultMapping):
    """How long to pause as a precaution (:func:`aftershock.api.pause_study`)."""

    title = "Precautionary pause"
    scenario: key[str] = key()
    rows: key[list[dict[str, Any]]] = key()
    best_pause_days: key[int] = key()
    best_share: key[float] = key()
    replications: key[int] = key()
    seed: key[int] = key()
    warnings: key[list[dict[str, Any]]] = key()

    def to_dataframe(self) -> pd.DataFrame:
        """One row per pause length, the expected loss's 95% interval as two numbers."""
        rows = []
        for r in self.rows:
            row = {k: v for k, v in r.items() if k != "expected_loss_ci95"}
            row["expected_loss_ci95_low"], row["expected_loss_ci95_high"] = r["expected_loss_ci95"]
            rows.append(row)
        columns = ["pause_days", "expected_loss", "expected_loss_ci95_low", "expected_loss_ci95_high"]
        rest = [k for k in (rows[0] if rows else {}) if k not in columns]
        return frame_of(rows, [*columns, *rest])

    def _headline(self) -> list[tuple[str, str]]:
        rows = [("Scenario", self.scenario), ("Best pause, days", str(self.best_pause_days))]
        rows.append(("Best in share of replications", fmt("share", self.best_share)))
        for r in self.rows:
            rows.append((f"Expected loss, pause {r['pause_days']} d", fmt("currency", r["expected_loss"])))
        return rows


class SensitivityResult(ResultMapping):
    """Global sensitivity of a metric to uncertain inputs (:func:`aftershock.api.sensitivity`)."""

    title = "Sensitivity"
    scenario: key[str] = key()
    metric: key[dict[str, str]] = key()
    parameters: key[list[dict[str, Any]]] = key()
    baseline: key[float] = key()
    ranking: key[list[dict[str, Any]]] = key()
    method: key[str] = key()
    warnings: key[list[dict[str, Any]]] = key()

    def to_dataframe(self) -> pd.DataFrame:
        """One row per parameter, method (tornado, morris, sobol) and statistic of it."""
        rows = [
            {"path": r["path"], "rank": r["rank"], "method": method, "statistic": stat, "value": value}
            for r in self.ranking
            for method in ("tornado", "morris", "sobol")
            if isinstance(r.get(method), dict)
            for stat, value in r[method].items()
            if value is None or isinstance(value, int | float)
        ]
        return frame_of(rows, ["path", "rank", "method", "statistic", "value"])

    def _headline(self) -> list[tuple[str, str]]:
        rows = [
            ("Scenario", self.scenario),
            ("Metric", self.metric["label"]),
            ("Baseline", fmt(self.metric["name"], self.baseline)),
        ]
        rows += [(f"Rank {r['rank']}", r["path"]) for r in self.ranking[:5]]
        return rows


class AccumulationResult(ResultMapping):
    """One vendor's compromise across a portfolio of scenarios (:func:`aftershock.api.accumulate`)."""

    title = "Accumulation across a portfolio"
    folder: key[str] = key()
    vendor: key[str] = key()
    replications: key[int] = key()
    members: key[list[dict[str, Any]]] = key()
    exposed: key[int] = key()
    not_exposed: key[int] = key()
    broken: key[list[dict[str, Any]]] = key()
    occurrence: key[dict[str, Any] | None] = key()
    annual: key[dict[str, Any] | None] = key()

    def to_dataframe(self) -> pd.DataFrame:
        """One row per member scenario: its numbers (nested ones flattened with dots)."""
        import pandas as pd

        return pd.json_normalize(self.members) if self.members else pd.DataFrame()

    def _headline(self) -> list[tuple[str, str]]:
        return [
            ("Vendor", self.vendor),
            ("Members exposed", f"{self.exposed:,}"),
            ("Members not exposed", f"{self.not_exposed:,}"),
            ("Members broken", _count(self.broken)),
        ]
