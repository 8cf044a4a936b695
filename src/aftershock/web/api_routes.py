"""REST API. Every handler validates its input, calls the public API or the store, returns JSON."""

from __future__ import annotations

import hmac
import json
import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse
from starlette.exceptions import HTTPException

from aftershock import api
from aftershock.errors import Problem, ScenarioError
from aftershock.runstore.database import scenario_row
from aftershock.web.chart_data import chart_fields
from aftershock.web.graph_json import scenario_graph
from aftershock.web.schemas import RunRequest, ValidateRequest
from aftershock.web.state import ServerState

router = APIRouter(prefix="/api")

DAILY_SERIES = ("backlog_units", "stores_stocked_out", "stores_closed", "sales_units", "lost_units")


def state(request: Request) -> ServerState:
    """The server's shared state."""
    return request.app.state.server


def _bearer_ok(request: Request, token: str | None) -> bool:
    header = request.headers.get("authorization", "")
    given = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    return bool(token) and hmac.compare_digest(given, token or "")


def require_write(request: Request) -> None:
    """Writes need the bearer token when the server says so."""
    s = state(request).settings
    if s.writes_need_token and not _bearer_ok(request, s.token):
        raise HTTPException(
            401, "this server needs a bearer token for writes", {"WWW-Authenticate": "Bearer"}
        )


def require_read(request: Request) -> None:
    """Reads need the token unless they are public."""
    s = state(request).settings
    if not s.public_reads and not _bearer_ok(request, s.token):
        raise HTTPException(401, "this server needs a bearer token for reads", {"WWW-Authenticate": "Bearer"})


Read = Depends(require_read)
Write = Depends(require_write)
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1)]


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness."""
    return {"status": "ok"}


@router.get("/scenarios", dependencies=[Read])
def list_scenarios(request: Request, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    """Bundled and uploaded scenarios (bundled first)."""
    st = state(request)
    bundled_ids = set(st.bundled.values())
    items = []
    meta = {b.name: b for b in api.scenarios()}
    for name, sid in sorted(st.bundled.items()):
        items.append(
            {
                "id": sid,
                "ref": name,
                "name": name,
                "title": meta[name].title if name in meta else None,
                "description": meta[name].description if name in meta else None,
                "bundled": True,
                "page": f"/scenarios/{quote(name, safe='')}",
                "variants": [
                    {"name": v.name, "ref": f"{name}:{v.name}", "description": v.description}
                    for v in (meta[name].variants if name in meta else ())
                ],
            }
        )
    for row in st.store.list_scenarios():
        if row["id"] not in bundled_ids:
            items.append(
                {
                    "id": row["id"],
                    "ref": row["id"],
                    "name": row["name"],
                    "title": row["title"],
                    "description": None,
                    "bundled": False,
                    "variants": [],  # on the scenario's own page (GET /api/scenarios/{id})
                    "source": row["source"],  # a bundled scenario's variant is stored as bundled
                    "version": row["version"],
                    "created_at": row["created_at"].isoformat(),
                    "runs": row["runs"],
                    "page": short_url(row["name"], row["version"], row["id"]),
                }
            )
    return {"total": len(items), "items": items[offset : offset + limit]}


@router.get("/scenarios/{ref}", dependencies=[Read])
def get_scenario(request: Request, ref: str) -> dict[str, Any]:
    """A scenario's metadata, its YAML, what it holds, its warnings and its variants.

    ``ref`` may end in ``:VARIANT`` (``ocs-2022:spread``): the summary and warnings are then
    the variant's; ``variants`` lists every variant of the scenario with its ``ref``.
    """
    st = state(request)
    sid, loaded = st.load(ref)
    row = scenario_row(st.store, sid)
    base = ref.rpartition(":")[0] if loaded.variant else ref
    return {
        **row,
        "ref": ref,
        "name": loaded.name,
        "variant": loaded.variant,
        "variants": variant_rows(loaded, base),
        "summary": api.validate(loaded),
        "warnings": api.warnings_data(loaded),
        "runs": len(st.store.scenario_runs(sid)),
        "page": short_url(row["name"], row["version"], sid)
        if sid not in st.bundled.values()
        else f"/scenarios/{quote(ref, safe=':')}",
    }


@router.delete("/scenarios/{ref}", dependencies=[Write])
def delete_scenario(
    request: Request, ref: str, confirm: Annotated[bool, Query(description="true: go ahead")] = False
) -> dict[str, Any]:
    """Delete an uploaded scenario with every run that uses it (their results too).

    Without ``confirm=true`` nothing is deleted: 409 says how many runs would go. Bundled
    scenarios come with aftershock and cannot be deleted.
    """
    st = state(request)
    sid = st.scenario_id(ref)
    row = scenario_row(st.store, sid)
    if sid in st.bundled.values() or row["source"] == "bundled":
        raise HTTPException(409, f"scenario '{row['name']}' comes with aftershock and cannot be deleted")
    runs = st.store.scenario_runs(sid)
    plural = "" if len(runs) == 1 else "s"
    what = f"scenario '{row['name']}' v{row['version']} and its {len(runs)} run{plural}"
    if not confirm:
        raise HTTPException(409, f"deleting {what}: send confirm=true to go ahead")
    for run_id in runs:  # stop what is still running before its rows go
        st.queue.cancel(run_id)
    deleted = st.store.delete_scenario(sid)
    _forget(st, sid)
    return {"id": sid, "name": row["name"], "version": row["version"], "runs_deleted": deleted}


def short_url(name: str, version: int | None, scenario_id: str) -> str:
    """The page of a stored scenario: ``/scenarios/NAME/vN`` (by id for a row without a version)."""
    if version is None:
        return f"/scenarios/{scenario_id}"
    return f"/scenarios/{quote(name, safe='')}/v{version}"


def _forget(st: ServerState, scenario_id: str) -> None:
    """Drop what the server keeps of a deleted scenario: its validated copies and its files."""
    import shutil

    for key, (stored, _) in list(st.loaded.items()):
        if scenario_id in (key[0], stored):
            st.loaded.pop(key, None)
    shutil.rmtree(st.folder / scenario_id, ignore_errors=True)


def variant_rows(loaded: Any, base_ref: str) -> list[dict[str, Any]]:
    """The variants of a scenario: name, ``ref`` to run it by, description and what it sets."""
    return [
        {"name": name, "ref": f"{base_ref}:{name}", "description": v.description, "set": v.set}
        for name, v in loaded.scenario.variants.items()
    ]


def _check_upload(scenario_text: str, stores_text: str | None) -> Any:
    """Validate an uploaded scenario (in a temporary folder); 422 with located problems if bad."""
    with tempfile.TemporaryDirectory(prefix="aftershock-upload-") as folder:
        return _check_files(Path(folder), scenario_text, stores_text)


def _check_files(folder: Path, scenario_text: str, stores_text: str | None) -> Any:
    """Write what the client sent into ``folder`` and load it, confined to that folder.

    The scenario may name only the table sent with it: nothing else of this machine is
    read, and no message names the temporary folder.
    """
    from aftershock.io.scenario_file import is_plain_file_name
    from aftershock.io.yaml_lines import parse_document

    path = folder / "scenario.yaml"
    path.write_text(scenario_text, encoding="utf-8")
    head, _ = parse_document(scenario_text, path.name)  # under the input limits; errors name lines
    sites = head.get("sites") if isinstance(head, dict) else None
    stores = sites.get("stores") if isinstance(sites, dict) else None
    table = stores.get("table") if isinstance(stores, dict) else None
    # any other name is refused by the loader, with the field named
    if (
        stores_text is not None
        and isinstance(table, str)
        and is_plain_file_name(table)
        and table != path.name
    ):
        (folder / table).write_text(stores_text, encoding="utf-8")
    return api.load(path, confine=True)


@router.post("/validate", dependencies=[Read])
def validate(body: ValidateRequest) -> dict[str, Any]:
    """Validate a scenario text (and store table); 422 problem details if it is bad."""
    summary = api.validate(_check_upload(body.scenario_yaml, body.stores_csv))
    summary["path"] = None  # it was a temporary folder of this server
    return summary


@router.post("/scenarios", status_code=201, dependencies=[Write])
async def upload_scenario(
    request: Request,
    response: Response,
    scenario: Annotated[UploadFile, File(description="Scenario YAML or JSON")],
    stores: Annotated[UploadFile | None, File(description="Store table CSV")] = None,
) -> dict[str, Any]:
    """Upload a scenario and its store table; it is validated, stored and addressable by id."""
    try:
        text = (await scenario.read()).decode("utf-8")
        table = None if stores is None else (await stores.read()).decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError.from_problems([Problem("upload", "files must be UTF-8 text")]) from None
    loaded = _check_upload(text, table)
    sid = state(request).store.add_scenario(loaded, "upload")
    response.headers["Location"] = f"/api/scenarios/{sid}"
    row = scenario_row(state(request).store, sid)
    return {
        "id": sid,
        "name": loaded.name,
        "version": row["version"],
        "url": f"/api/scenarios/{sid}",
        "page": short_url(row["name"], row["version"], sid),
    }


@router.get("/scenarios/{ref}/graph", dependencies=[Read])
def graph(request: Request, ref: str) -> dict[str, Any]:
    """Dependency (requires) and attack-path (control) graph for Cytoscape.js."""
    _, loaded = state(request).load(ref)
    return scenario_graph(loaded)


@router.get("/scenarios/{ref}/impact", dependencies=[Read])
def impact(
    request: Request, ref: str, service: Annotated[str | None, Query(max_length=128)] = None
) -> dict[str, Any]:
    """Blast radius if ``service`` (default: the scenario's entry point) is compromised."""
    _, loaded = state(request).load(ref)
    report = api.impact(loaded, service=service, max_order=1)
    first = report["views"][0]
    return {
        "compromise": report["compromise"],
        "compromised": report["compromised"],
        "isolated": report["isolated"],
        "sell_capacity_share": first["sell_capacity_share"],
        "store_groups": [g for g in first["store_groups"] if g["status"] != "full"],
        "services": first["services"],
        "single_points_of_failure": report["cuts"],
    }


def run_params(st: ServerState, body: RunRequest) -> dict[str, Any]:
    """The run's parameters as overrides of the scenario (validated by loading)."""
    overrides = api.run_overrides(
        lambda given: st.load(body.scenario, given)[1],
        horizon_days=body.horizon_days,
        pause_days=body.pause_days,
        order_cap=body.order_cap,
        policy=body.policy,
        surge_shifts=body.surge_shifts,
    )
    return {"replications": body.replications, "overrides": overrides, "request": body.model_dump()}


@router.post("/runs", status_code=202, dependencies=[Write])
def start_run(request: Request, response: Response, body: RunRequest) -> dict[str, Any]:
    """Queue a simulation; poll the returned URL for status and progress."""
    st = state(request)
    st.settings.limits.check_replications(body.replications)
    run_id = st.start_run(body.scenario, run_params(st, body), body.seed)
    response.headers["Location"] = f"/api/runs/{run_id}"
    return {"id": run_id, "status": "queued", "url": f"/api/runs/{run_id}", "page": f"/runs/{run_id}"}


@router.get("/runs", dependencies=[Read])
def list_runs(
    request: Request,
    limit: Limit = 50,
    offset: Offset = 0,
    scenario: Annotated[str | None, Query(max_length=260)] = None,
) -> dict[str, Any]:
    """A page of runs, newest first (``scenario``: of this name, ``ocs-2022:spread`` for a variant)."""
    rows, total = state(request).store.list_runs(limit=limit, offset=offset, scenario=scenario)
    return {"total": total, "limit": limit, "offset": offset, "items": rows}


@router.get("/runs/{run_id}", dependencies=[Read])
def get_run(request: Request, run_id: str) -> Response:
    """Status, progress and (when done) the summary of a run, with what its charts mark
    (``chart``: the start date and the incident, restart and backlog-cleared days)."""
    run = state(request).store.get_run(run_id)
    chart = chart_fields(run.get("summary"))
    if chart is not None:
        run["chart"] = chart
    # the summary is already JSON-safe: skip FastAPI's generic encoder (hot path when polling)
    return Response(json.dumps(run), media_type="application/json")


@router.get("/runs/{run_id}/daily", dependencies=[Read])
def daily(request: Request, run_id: str) -> dict[str, Any]:
    """Daily series (mean and 90% band over replications)."""
    frame = state(request).store.daily(run_id)
    grouped = frame.groupby("day")
    out: dict[str, Any] = {"day": [int(d) for d in grouped.groups]}
    for name in DAILY_SERIES:
        q = grouped[name]
        out[name] = {
            "mean": [float(x) for x in q.mean()],
            "p5": [float(x) for x in q.quantile(0.05)],
            "p95": [float(x) for x in q.quantile(0.95)],
        }
    run = state(request).store.get_run(run_id)
    out["start_date"] = (run.get("summary") or {}).get("start_date")
    return out


@router.get("/runs/{run_id}/regions", dependencies=[Read])
def regions(request: Request, run_id: str) -> list[dict[str, Any]]:
    """Lost sales and stockout days per region (means over replications)."""
    frame = state(request).store.regions(run_id)
    means = frame.drop(columns=["replication"]).groupby("region").mean().reset_index()
    return [
        {
            "region": str(r.region),
            "lost_revenue": float(r.store_lost_revenue_total),
            "lost_units": float(r.store_lost_units_total),
            "stockout_store_days": float(r.store_stockout_days),
        }
        for r in means.sort_values("store_lost_revenue_total", ascending=False).itertuples()
    ]


@router.get("/runs/{run_id}/export.{fmt}", dependencies=[Read])
def export(request: Request, run_id: str, fmt: str) -> FileResponse:
    """Download the daily series as CSV or Parquet."""
    if fmt not in ("csv", "parquet"):
        raise HTTPException(404, f"no export format '{fmt}' (csv or parquet)")
    import shutil

    from starlette.background import BackgroundTask

    folder = Path(tempfile.mkdtemp(prefix="aftershock-export-"))
    target = folder / f"run-{run_id[:12]}.{fmt}"
    try:
        state(request).store.export_run(run_id, target)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    media = "text/csv" if fmt == "csv" else "application/vnd.apache.parquet"
    cleanup = BackgroundTask(shutil.rmtree, folder, ignore_errors=True)
    return FileResponse(target, media_type=media, filename=target.name, background=cleanup)


@router.post("/runs/{run_id}/cancel", dependencies=[Write])
def cancel_run(request: Request, run_id: str) -> Response:
    """Stop a queued or running run; it is marked ``cancelled``. Returns the run.

    409 if the run has already ended, or is not run by this server (a CLI run).
    """
    st = state(request)
    run = st.store.get_run(run_id)
    if run["status"] not in ("queued", "running"):
        raise HTTPException(409, f"run {run_id} has already ended ({run['status']})")
    if not st.queue.cancel(run_id):
        run = st.store.get_run(run_id)
        if run["status"] in ("queued", "running"):
            raise HTTPException(409, f"run {run_id} is not run by this server ({run['executor']})")
    return Response(json.dumps(st.store.get_run(run_id)), media_type="application/json")


@router.delete("/runs/{run_id}", status_code=204, dependencies=[Write])
def delete_run(request: Request, run_id: str) -> Response:
    """Delete a run and its results (a queued or running run is stopped first)."""
    state(request).queue.cancel(run_id)
    state(request).store.delete_run(run_id)
    return Response(status_code=204)


CompareIds = Annotated[list[str], Query(min_length=1, max_length=10)]


@router.get("/compare", dependencies=[Read])
def compare(request: Request, ids: CompareIds) -> dict[str, Any]:
    """Two or more runs side by side: headline metrics and their backlog curves; each run's
    what-ifs in words, and ``mixed_scenarios`` when they are not all runs of one scenario."""
    from aftershock.web.compare_table import compare_runs

    store = state(request).store
    table = compare_runs(store, ids)
    for run in table["runs"]:
        backlog = None
        if run["status"] == "done":
            frame = store.daily(run["id"])
            backlog = [float(x) for x in frame.groupby("day")["backlog_units"].mean()]
        run["backlog_mean"] = backlog
    return table


@router.get("/compare.csv", dependencies=[Read])
def compare_csv(request: Request, ids: CompareIds) -> Response:
    """The comparison as CSV: a row per run, plain numbers (no separators, shares as 0.92)."""
    from aftershock.web.compare_table import compare_csv_text, compare_runs

    text = compare_csv_text(compare_runs(state(request).store, ids))
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="aftershock-compare.csv"'},
    )


@router.get("/formats", dependencies=[Read])
def formats() -> dict[str, Any]:
    """How the pages write numbers: labels and rules per metric (``aftershock.formatting``)."""
    from aftershock.formatting import format_rules

    return format_rules()
