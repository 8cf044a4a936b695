"""What drives the answer over HTTP: ``POST /api/scenarios/{ref}/sensitivity`` (as `aftershock
sensitivity`) and the dashboard page ``/sensitivity``.

The analysis runs in a worker process (as optimise and plan do), in that process alone: the
server's workers are its parallelism. Its inputs are checked in the request first, so a
bad parameter is a 422 at once; the work is bounded by the server's limits (evaluations ×
replications at most ``--max-replications``, and the store-days bound).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from aftershock.web.api_routes import Write, list_scenarios, require_read, state
from aftershock.web.plan_routes import _in_worker
from aftershock.web.worker import api_job

router = APIRouter(prefix="/api")
pages = APIRouter(include_in_schema=False, dependencies=[Depends(require_read)])


class SensitivityRequest(BaseModel):
    """Which inputs drive a metric: Morris screening, Sobol indices, tornado; as `aftershock sensitivity`."""

    model_config = ConfigDict(extra="forbid")

    params: Annotated[list[Annotated[str, Field(max_length=300)]], Field(max_length=40)] = Field(
        default_factory=list,
        description="Fields to vary, each 'path=low:high' (incident.forensic_clearance_days=3:10); "
        "leave out for the scenario's uncertainty: estimates.",
    )
    metric: str = Field("lost_sales_units", max_length=64, description="The metric explained.")
    method: Literal["morris", "sobol", "both"] = "both"
    samples: Annotated[int, Field(ge=4, le=4096)] = Field(
        16, description="Sobol base sample, a power of two: samples × (parameters + 2) evaluations."
    )
    trajectories: Annotated[int, Field(ge=2, le=500)] = Field(
        6, description="Morris trajectories: trajectories × (parameters + 1) evaluations."
    )
    replications: Annotated[int, Field(ge=1, le=100_000)] = Field(
        2, description="Replications of each evaluation (the same random numbers in every one)."
    )
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0


@router.post("/scenarios/{ref}/sensitivity", dependencies=[Write])
async def sensitivity(request: Request, ref: str, body: SensitivityRequest) -> dict[str, Any]:
    """Rank the scenario's uncertain inputs by how much they move a metric.

    Returns the parameters with their ranges, the metric at the scenario's values, the
    ranking (total and first-order Sobol indices and Morris mu* and sigma, each with a 95%
    interval, and the tornado: the metric with each parameter at its low and high end), the
    evaluations, notes and the scenario's warnings. Each evaluation runs ``replications``
    replications on the same random numbers; evaluations × replications may not exceed the
    server's replication limit.
    """
    from aftershock import api

    st = state(request)
    options = body.model_dump()
    options["params"] = options["params"] or None
    sid, loaded = await run_in_threadpool(st.load, ref)  # 404 / 422 before any work
    # every check of the analysis, here: a bad parameter is a 422 without a worker
    await run_in_threadpool(lambda: api.check_sensitivity(loaded, **options, limits=st.settings.limits))
    job = {**options, "limits": st.settings.limits}
    return await _in_worker(request, api_job, st.store.url, sid, "sensitivity", job, loaded.variant)


@pages.get("/sensitivity", response_class=HTMLResponse)
def sensitivity_page(request: Request, scenario: str | None = Query(None, max_length=128)) -> HTMLResponse:
    """What drives the answer: rank a scenario's uncertain inputs (Sobol, Morris, tornado)."""
    from aftershock.sim.metrics import LABELS
    from aftershock.web.pages import render

    return render(
        request,
        "sensitivity.html",
        scenarios=list_scenarios(request, 500, 0)["items"],
        selected=scenario,
        metrics=LABELS,
        max_replications=state(request).settings.max_replications,
    )
