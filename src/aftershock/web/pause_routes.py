"""The pause decision over HTTP: ``POST /api/scenarios/{ref}/pause-study`` (as `aftershock
pause-study`) and the dashboard page ``/pause``.

The study runs in a worker process (as sensitivity, optimise and plan do), in that process
alone. Its inputs are checked in the request first, so a bad length is a 422 at once; the
work is bounded by the server's limits (lengths × replications at most
``--max-replications``, and the store-days bound).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from aftershock.errors import ParameterError
from aftershock.limits import Limits
from aftershock.web.api_routes import Write, list_scenarios, require_read, state
from aftershock.web.plan_routes import _in_worker
from aftershock.web.worker import api_job

router = APIRouter(prefix="/api")
pages = APIRouter(include_in_schema=False, dependencies=[Depends(require_read)])


class PauseStudyRequest(BaseModel):
    """How long to pause as a precaution; as `aftershock pause-study`."""

    model_config = ConfigDict(extra="forbid")

    days: Annotated[list[Annotated[int, Field(ge=0, le=10_000)]], Field(max_length=30)] = Field(
        default_factory=lambda: [0, 1, 2, 3, 5, 7, 10],
        description="Pause lengths in days, increasing and distinct.",
    )
    replications: Annotated[int, Field(ge=2, le=100_000)] = Field(
        40, description="Replications per length (the same random numbers for every length)."
    )
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0


def check_request(loaded: Any, body: PauseStudyRequest, limits: Limits, max_replications: int) -> None:
    """Every check of the study before any work: lengths, isolations, the server's bounds."""
    from aftershock.api.pause_study import check_days, check_scenario
    from aftershock.api.runs import check_work

    check_scenario(loaded)
    lengths = check_days(body.days, loaded)
    runs = (len(set(lengths) | {0}) + 1) * body.replications
    if runs > max_replications:
        raise ParameterError(
            "replications",
            f"{runs:,} replications in all (each length, no pause and no incident, "
            f"{body.replications} each); at most {max_replications:,} here",
        )
    check_work(loaded, runs, limits)


@router.post("/scenarios/{ref}/pause-study", dependencies=[Write])
async def pause_study(request: Request, ref: str, body: PauseStudyRequest) -> dict[str, Any]:
    """Per precautionary pause length: expected and p95 loss, the chance the attack reaches the
    isolated systems and the cost of the pause itself; the best length and how sure that is.

    Every length runs the same ``replications`` on the same seed; all of them together (with
    the no-incident and no-pause references) may not exceed the server's replication limit.
    """
    st = state(request)
    options = body.model_dump()
    sid, loaded = await run_in_threadpool(st.load, ref)  # 404 / 422 before any work
    limits, most = st.settings.limits, st.settings.max_replications
    await run_in_threadpool(check_request, loaded, body, limits, most)
    job = {**options, "limits": limits}
    return await _in_worker(request, api_job, st.store.url, sid, "pause_study", job, loaded.variant)


@pages.get("/pause", response_class=HTMLResponse)
def pause_page(request: Request, scenario: str | None = Query(None, max_length=128)) -> HTMLResponse:
    """The pause decision: price each precautionary pause length."""
    from aftershock.web.pages import render

    return render(
        request,
        "pause.html",
        scenarios=list_scenarios(request, 500, 0)["items"],
        selected=scenario,
        max_replications=state(request).settings.max_replications,
    )


def include(app: Any) -> None:
    """Register the API route and the page on ``app``."""
    app.include_router(router)
    app.include_router(pages)
