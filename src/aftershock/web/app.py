"""The FastAPI application: REST API under /api, dashboard pages, static files."""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aftershock import __version__, api
from aftershock.runstore import RunStore
from aftershock.web import (
    api_routes,
    assets,
    insight_routes,
    pages,
    pause_routes,
    plan_routes,
    problems,
    sensitivity_routes,
    stress_routes,
)
from aftershock.web.guard import RequestGuard, allowed_hosts
from aftershock.web.settings import Settings
from aftershock.web.state import ServerState
from aftershock.web.worker import RunQueue

log = logging.getLogger("aftershock.web")


class BodyLimit:
    """Reject request bodies over ``limit`` bytes with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await problems.problem(413, f"request body over {self.limit} bytes")(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await problems.problem(413, f"request body over {self.limit} bytes")(scope, receive, send)


class _TooLarge(Exception):
    pass


class CompressResponses:
    """Gzip responses (API JSON, pages, CSV exports) of 1 kB or more when the client accepts it;
    /static/ is left to ``assets``, which sends its own precompressed forms and their ETags."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # level 6: most of level 9's saving on JSON at a fraction of its time, made per request
        self.gzip = GZipMiddleware(
            app,
            minimum_size=1024,
            compresslevel=6,
            exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/vnd.apache.parquet"),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
        else:
            await self.gzip(scope, receive, send)


def compression_enabled() -> bool:
    """Off with ``AFTERSHOCK_WEB_GZIP=0``: benchmarks/web_payload.py measures the page without it."""
    return os.environ.get("AFTERSHOCK_WEB_GZIP", "1").strip() != "0"


def register_bundled(store: RunStore) -> dict[str, str]:
    """Put every bundled scenario in the store; return name -> id."""
    return {b.name: store.add_scenario(api.load(b.name), "bundled") for b in api.scenarios()}


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app for ``settings``; the store opens (and migrates) when the app starts."""
    settings = settings or Settings()
    compress = compression_enabled()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = RunStore(settings.db)
        queue = RunQueue(store, settings.run_workers, run_timeout_s=settings.run_timeout_s)
        server = ServerState(settings=settings, store=store, queue=queue)
        if compress:
            # the gzip forms of Plotly and Cytoscape take ~0.1 s to make: not on the first visitor's clock
            threading.Thread(target=assets.warm, name="aftershock-static-gzip", daemon=True).start()
        try:
            server.bundled = register_bundled(store)
            app.state.server = server
            if settings.demo_run and store.list_runs(limit=1)[1] == 0:
                server.start_run(
                    "coop-kaseya-2021", {"replications": 20, "overrides": [], "request": {"demo": True}}, 7
                )
            yield
        finally:
            # every unfinished run is marked failed and every worker stopped
            queue.close("server stopped")
            store.close()
            shutil.rmtree(server.folder, ignore_errors=True)

    app = FastAPI(
        title="aftershock",
        version=__version__,
        description="What a cyberattack on one supplier does to your stores, and the fastest way back.",
        lifespan=lifespan,
    )
    problems.install(app)
    app.include_router(api_routes.router)
    app.include_router(plan_routes.router)
    app.include_router(insight_routes.router)
    app.include_router(sensitivity_routes.router)
    app.include_router(sensitivity_routes.pages)
    pause_routes.include(app)
    stress_routes.include(app)
    app.include_router(pages.router)
    static = assets.static_endpoint(compress)
    app.add_route("/static/{path:path}", static, ["GET"], name="static", include_in_schema=False)
    pages.templates.env.globals["static_url"] = assets.static_url
    if compress:
        app.add_middleware(CompressResponses)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    # added last, so it runs first: a refused request is never read
    app.add_middleware(RequestGuard, hosts=allowed_hosts(settings.host, settings.allowed_hosts))
    return app
