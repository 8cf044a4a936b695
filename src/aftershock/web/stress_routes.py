"""The stress test along attack paths over HTTP: ``GET /api/scenarios/{ref}/stress`` (as
`aftershock stress --json`) and the dashboard page ``/scenarios/{ref}/stress``.

It runs in a worker process, like optimise and sensitivity. The work is bounded before it
starts: every entry and party runs ``2 + samples``
replications of the engine (worst case with and without the response, and the sampled
spreads), and all of them together may not exceed the server's replication limit nor its
store-days bound.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from aftershock.errors import ParameterError
from aftershock.web.api_routes import require_read, state
from aftershock.web.plan_routes import _in_worker
from aftershock.web.worker import api_job

router = APIRouter(prefix="/api", dependencies=[Depends(require_read)])
pages = APIRouter(include_in_schema=False, dependencies=[Depends(require_read)])


def _checked(request: Request, ref: str, samples: int) -> tuple[str, str | None]:
    """Load the scenario and bound the work before it starts; returns its stored id and variant."""
    from aftershock.api.runs import check_work

    st = state(request)
    sid, loaded = st.load(ref)
    s = loaded.scenario
    runs = (len(s.services) + len({x.party for x in s.services}) + 1) * (2 + samples)
    if runs > st.settings.max_replications:
        raise ParameterError(
            "samples",
            f"{runs:,} replications in all (2 + samples for each entry and party); "
            f"at most {st.settings.max_replications:,} here",
        )
    check_work(loaded, runs, st.settings.limits)
    return sid, loaded.variant


async def _stress(
    request: Request, ref: str, threshold: float, weight: str, samples: int, seed: int
) -> dict[str, Any]:
    """Checked in the request (a 4xx at once), computed in a worker process (as optimise and
    sensitivity are: cancelled when the client goes away, a crash takes only this job)."""
    sid, variant = await run_in_threadpool(_checked, request, ref, samples)
    options = {"threshold": threshold, "weight": weight, "samples": samples, "seed": seed}
    return await _in_worker(request, api_job, state(request).store.url, sid, "stress", options, variant)


@router.get("/scenarios/{ref}/stress")
async def stress(
    request: Request,
    ref: str,
    threshold: float = Query(0.9, gt=0, le=1, description="Service threshold: share of demand served."),
    weight: str = Query("revenue", pattern="^(revenue|margin)$", description="What the impact counts."),
    samples: int = Query(20, ge=0, le=1000, description="Sampled spreads per entry and party."),
    seed: int = Query(0, ge=0, le=2**32 - 1),
) -> dict[str, Any]:
    """Per entry service and party: TTS against TTR, impact and risk exposure index; vendors
    (third and fourth parties) ranked. The same as `aftershock stress --json`."""
    return await _stress(request, ref, threshold, weight, samples, seed)


@pages.get("/scenarios/{ref}/stress", response_class=HTMLResponse)
async def stress_page(
    request: Request,
    ref: str,
    threshold: float = Query(0.9, gt=0, le=1),
    weight: str = Query("revenue", pattern="^(revenue|margin)$"),
    samples: int = Query(20, ge=0, le=1000),
) -> HTMLResponse:
    """The stress test along attack paths: vendors ranked, then every entry service."""
    from aftershock.web.pages import render

    report = await _stress(request, ref, threshold, weight, samples, 0)
    return render(request, "stress.html", ref=ref, report=report, levels=("store", "region", "dc", "chain"))


def include(app: Any) -> None:
    """Register the API route and the page on ``app``."""
    app.include_router(router)
    app.include_router(pages)
