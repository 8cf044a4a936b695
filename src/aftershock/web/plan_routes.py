"""Recovery planning over HTTP: ``POST /api/plan`` (as `aftershock plan`) and
``POST /api/scenarios/{ref}/optimize`` (as `aftershock optimize`).

Both run in the worker processes, never in the event loop; the request waits for them. An
error of the inputs comes back from the worker as itself (a 422 with its problems); a
worker that dies or runs out of time, or no free worker within a minute, is a 503.
Uploaded tables are written to a private temporary folder under their own file names, so
every problem names the file the user sent.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from aftershock.errors import Problem, UsageError
from aftershock.web.api_routes import Write, state
from aftershock.web.schemas import OptimizeRequest
from aftershock.web.worker import WorkerUnavailable, optimize_job, plan_job

router = APIRouter(prefix="/api")

SUFFIXES = (".csv", ".parquet")
TABLES = ("backlog", "stock", "capacity")


def _file_name(upload: UploadFile, role: str) -> str:
    """The upload's own base name (no folders), with a suffix the table reader knows."""
    name = Path(upload.filename or f"{role}.csv").name or f"{role}.csv"
    if Path(name).suffix.lower() not in SUFFIXES:
        raise UsageError(
            f"{role}: expected a .csv or .parquet file, got '{name}'",
            [Problem(name, "expected a .csv or .parquet file", field=role)],
        )
    return name


#: Seconds between checks that the client of a plan or optimise request is still there.
DISCONNECT_POLL_S = 1.0


async def _in_worker(request: Request, fn: Any, *args: Any) -> Any:
    """``fn(*args)`` in a worker process; its own errors are raised here as they were there."""
    # the queue's lock may wait on the run store: never on the event loop
    queue = state(request).queue
    future = await run_in_threadpool(queue.call, fn, *args)
    waiting = asyncio.wrap_future(future)
    try:
        while True:
            done, _ = await asyncio.wait({waiting}, timeout=DISCONNECT_POLL_S)
            if done:
                return waiting.result()
            if await request.is_disconnected():  # nobody will read the answer: free the worker
                await run_in_threadpool(queue.abandon, future)
                raise HTTPException(499, "the client closed the request")
    except WorkerUnavailable as exc:
        raise HTTPException(503, str(exc), {"Retry-After": "10"}) from None
    except asyncio.CancelledError:
        await run_in_threadpool(queue.abandon, future)
        raise


@router.post("/plan", dependencies=[Write])
async def plan(
    request: Request,
    backlog: Annotated[
        UploadFile, File(description="Open orders: store, item, ordered_day, quantity [, dc]")
    ],
    stock: Annotated[
        UploadFile,
        File(
            description="Store stock: store, item, on_hand, demand_per_day "
            "[, lead_time_days, target_cover_days, dc]"
        ),
    ],
    capacity: Annotated[
        UploadFile,
        File(
            description="DC capacity: day, pick_capacity_units "
            "[, max_extra_shifts, units_per_shift, cost_per_shift, dc (a row per DC and day)]"
        ),
    ],
    horizon_days: Annotated[int, Form(ge=1, le=366, description="Days to plan from today (day 0).")] = 14,
    budget_shifts: Annotated[float | None, Form(ge=0, description="Most extra shifts in all.")] = None,
    backlog_cost: Annotated[
        float, Form(ge=0, description="Cost of a unit owed to a store for a day (a lost unit costs 1).")
    ] = 0.1,
    start_date: Annotated[str | None, Form(max_length=10, description="Today's date, YYYY-MM-DD.")] = None,
) -> dict[str, Any]:
    """The dispatch plan, per-store recovery days and the chain's recovery date (CSV or Parquet tables).

    Every problem of every table comes back at once as a 422 problem with file, row and
    column; so does capacity too short to clear the backlog within the horizon.
    """
    uploads = {"backlog": backlog, "stock": stock, "capacity": capacity}
    names = {role: _file_name(upload, role) for role, upload in uploads.items()}
    options = {
        "horizon_days": horizon_days,
        "budget_shifts": budget_shifts,
        "backlog_cost": backlog_cost,
        "start_date": start_date or None,
    }
    with tempfile.TemporaryDirectory(prefix="aftershock-plan-") as folder:
        paths = []
        for role in TABLES:
            # one folder per table: two uploads may share a file name
            target = Path(folder) / role / names[role]
            target.parent.mkdir()
            target.write_bytes(await uploads[role].read())
            paths.append(str(target))
        return await _in_worker(request, plan_job, tuple(paths), options)


@router.post("/scenarios/{ref}/optimize", dependencies=[Write])
async def optimize(request: Request, ref: str, body: OptimizeRequest) -> dict[str, Any]:
    """The best recovery plan by LP from the restart morning, replayed in the engine.

    Returns extra shifts and planned shipments per day, planned against simulated lost
    sales, the comparison with the scenario's own plan (paired), the promised recovery date
    and the dispatch lines (store, item, day, units).
    """
    st = state(request)
    if body.replications > st.settings.max_replications:
        raise HTTPException(422, f"replications: at most {st.settings.max_replications} on this server")
    sid, loaded = await run_in_threadpool(st.load, ref)  # 404 / 422 before any work; validation off the loop
    return await _in_worker(request, optimize_job, st.store.url, sid, body.model_dump(), loaded.variant)
