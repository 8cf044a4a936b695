"""Dashboard pages: server-rendered with Jinja2; charts and the graph are drawn in the browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from aftershock import api
from aftershock.errors import NotFoundError
from aftershock.formatting import fmt, format_rules
from aftershock.formatting import label as metric_label
from aftershock.policies import allocation_policies
from aftershock.web.api_routes import list_scenarios, require_read, short_url, state, variant_rows
from aftershock.web.state import HASH

# every page is a read: checked before a handler looks anything up (a 404 would tell what exists)
router = APIRouter(include_in_schema=False, dependencies=[Depends(require_read)])
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def date_of_day(day: float | None, start_date: str | None) -> str:
    """The date of a (mean) day from the run's start date, as "Sun 12 Jan 2025"; '' without one.
    run.js's ``dateOfDay`` writes the same."""
    import datetime as dt

    if day is None or not start_date:
        return ""
    return f"{dt.date.fromisoformat(start_date) + dt.timedelta(days=round(day)):%a %d %b %Y}"


def uploaded_at(iso: str | None) -> str:
    """An upload time for people: "Sun 29 Nov 2026 17:20 UTC"."""
    import datetime as dt

    if not iso:
        return ""
    when = dt.datetime.fromisoformat(iso)
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC)
    return f"{when:%a %d %b %Y %H:%M} UTC"


templates.env.filters["date_of_day"] = date_of_day
templates.env.filters["uploaded_at"] = uploaded_at
templates.env.filters["fmt"] = lambda value, metric: fmt(metric, value)
templates.env.globals["metric_label"] = metric_label


def render(request: Request, template: str, **context: Any) -> HTMLResponse:
    """A page; templates autoescape everything they print. Metric labels and units come from
    the engine's own definitions (``sim/metrics.py``), as in every result."""
    from aftershock.sim.metrics import LABELS, METRICS

    base = {
        "needs_token": state(request).settings.writes_need_token,
        "formats": format_rules(),  # the pages' fmt() in app.js reads these
        "metric_labels": LABELS,
        "metric_units": {name: unit for name, (unit, _) in METRICS.items()},
    }
    return templates.TemplateResponse(request, template, {**base, **context})


@router.get("/static-plotly.js")
def plotly_js() -> FileResponse:
    """Plotly's JS from the installed plotly package: no CDN, works offline."""
    import plotly

    return FileResponse(
        Path(plotly.__file__).parent / "package_data" / "plotly.min.js", media_type="text/javascript"
    )


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """Scenarios: list (uploads of one name grouped as versions, latest first), upload, validate."""
    items = list_scenarios(request, 500, 0)["items"]
    return render(
        request,
        "scenarios.html",
        scenarios=[s for s in items if s["bundled"]],
        uploads=version_groups([s for s in items if not s["bundled"]]),
    )


def version_groups(uploads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Uploaded scenarios by name: each name once, its versions latest first; the names in
    order of their latest upload."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in uploads:
        groups.setdefault(item["name"], []).append(item)
    out = []
    for name, versions in groups.items():
        versions.sort(key=lambda v: (v["version"] or 0, v["created_at"]), reverse=True)
        out.append({"name": name, "latest": versions[0], "older": versions[1:]})
    out.sort(key=lambda g: g["latest"]["created_at"], reverse=True)
    return out


@router.get("/scenarios/{name}/v{version}", response_class=HTMLResponse)
def scenario_version_page(request: Request, name: str, version: str) -> HTMLResponse:
    """An uploaded scenario by its short address: ``/scenarios/NAME/v2`` (``/v2:VARIANT`` for
    one of its variants)."""
    number, _, variant = version.partition(":")
    if not number.isdigit() or len(number) > 9:
        raise NotFoundError(f"no scenario page '{name}/v{version}' (expected /scenarios/NAME/vN)")
    sid = state(request).store.scenario_by_version(name, int(number))
    return _scenario_page(request, sid + (f":{variant}" if variant else ""))


@router.get("/scenarios/{ref}", response_class=HTMLResponse)
def scenario_page(request: Request, ref: str) -> Response:
    """One scenario: what it holds, its vendor concentration, its YAML, links to the graph and
    a run. An upload's old address by id moves (308) to its short one."""
    from aftershock.runstore.database import scenario_row

    st = state(request)
    base, _, variant = ref.partition(":")
    if HASH.match(base) and base not in st.bundled.values():
        row = scenario_row(st.store, base)
        if row["version"] is not None:
            target = short_url(row["name"], row["version"], base) + (f":{quote(variant)}" if variant else "")
            return RedirectResponse(target, status_code=308)
    return _scenario_page(request, ref)


def _scenario_page(request: Request, ref: str) -> HTMLResponse:
    """The scenario page of a reference (bundled name or id, maybe with ``:VARIANT``)."""
    from aftershock.runstore.database import scenario_row

    st = state(request)
    sid, loaded = st.load(ref)
    base_ref = ref.rpartition(":")[0] if loaded.variant else ref
    row = scenario_row(st.store, sid)
    bundled = sid in st.bundled.values() or row["source"] == "bundled"
    return render(
        request,
        "scenario.html",
        page_url=None if bundled else short_url(row["name"], row["version"], sid),
        deletable=not bundled,
        runs_count=len(st.store.scenario_runs(sid)),
        ref=ref,
        base_ref=base_ref,
        name=loaded.name,
        variant=loaded.variant,
        variants=variant_rows(loaded, base_ref),
        row=row,
        summary=api.validate(loaded),
        scenario=loaded.scenario,
        concentration=api.concentration(loaded),
    )


@router.get("/scenarios/{ref}/graph", response_class=HTMLResponse)
def graph_page(request: Request, ref: str) -> HTMLResponse:
    """The interactive dependency and attack-path graph."""
    _, loaded = state(request).load(ref)
    return render(request, "graph.html", ref=ref, scenario_name=loaded.name)


@router.get("/runs/new", response_class=HTMLResponse)
def new_run(request: Request, scenario: str | None = Query(None, max_length=260)) -> HTMLResponse:
    """The run form: a scenario or one of its variants (``?scenario=ocs-2022:spread``)."""
    items = list_scenarios(request, 500, 0)["items"]
    listed = {s["ref"] for s in items} | {v["ref"] for s in items for v in s["variants"]}
    return render(
        request,
        "run_new.html",
        scenarios=items,
        selected=scenario,
        unlisted=scenario if scenario and scenario not in listed else None,  # e.g. a variant of an upload
        policies=sorted(p for p in allocation_policies() if p != "planned"),  # only optimize has a plan
    )


@router.get("/optimize", response_class=HTMLResponse)
def optimize_page(request: Request, scenario: str | None = Query(None, max_length=260)) -> HTMLResponse:
    """The optimiser: best surge and dispatch for a scenario, replayed, with the promise date."""
    return render(
        request, "optimize.html", scenarios=list_scenarios(request, 500, 0)["items"], selected=scenario
    )


@router.get("/plan", response_class=HTMLResponse)
def plan_page(request: Request) -> HTMLResponse:
    """Operational mode: upload backlog, stock and capacity tables; get the dispatch plan."""
    return render(request, "plan.html")


@router.get("/runs", response_class=HTMLResponse)
def runs_page(request: Request, offset: int = Query(0, ge=0, le=2**31 - 1)) -> HTMLResponse:
    """Stored runs, newest first, with checkboxes to compare."""
    rows, total = state(request).store.list_runs(limit=25, offset=offset)
    return render(request, "runs.html", runs=rows, total=total, offset=offset)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: str) -> HTMLResponse:
    """A run: progress while it runs; then headline, charts, regions, downloads."""
    return render(request, "run.html", run=state(request).store.get_run(run_id))


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request, ids: list[str] = Query(..., min_length=1, max_length=10)) -> HTMLResponse:
    """Runs side by side: metrics in words and units, what-ifs in words, a warning when the runs
    are of different scenarios, and the table as CSV."""
    from urllib.parse import urlencode

    from aftershock.web.compare_table import compare_runs

    table = compare_runs(state(request).store, ids)
    csv_url = "/api/compare.csv?" + urlencode([("ids", i) for i in ids])
    return render(request, "compare.html", **table, ids=ids, csv_url=csv_url)
