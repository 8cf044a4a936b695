"""The one place where exceptions become HTTP responses: one JSON problem shape (RFC 9457)."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from aftershock.errors import AftershockError, NotFoundError, ParameterError, Problem, StoreError
from aftershock.web.worker import WorkerUnavailable

log = logging.getLogger("aftershock.web")

TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    422: "Invalid input",
    500: "Internal error",
    503: "Service unavailable",
}


class ProblemResponse(JSONResponse):
    """JSON in ASCII: a lone surrogate echoed from a client's input cannot break the encoding."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def problem(status: int, detail: str, problems: list[dict[str, Any]] | None = None) -> JSONResponse:
    """``application/problem+json`` with ``type, title, status, detail, problems``."""
    body = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "problems": problems or [],
    }
    return ProblemResponse(body, status_code=status, media_type="application/problem+json")


def install(app: FastAPI) -> None:
    """Register the handlers."""

    @app.exception_handler(NotFoundError)
    async def not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return problem(404, str(exc))

    @app.exception_handler(WorkerUnavailable)
    async def busy(_: Request, exc: WorkerUnavailable) -> JSONResponse:
        response = problem(503, str(exc))
        response.headers["Retry-After"] = "10"
        return response

    @app.exception_handler(StoreError)
    async def store(_: Request, exc: StoreError) -> JSONResponse:
        # the message names the database (a path or host); it stays in the server's log
        log.warning("run store: %s", exc)
        return problem(503, "the run store is not available right now; try again, or see the server log")

    @app.exception_handler(AftershockError)
    async def bad_input(_: Request, exc: AftershockError) -> JSONResponse:
        items = [p.as_dict() for p in exc.problems]
        if isinstance(exc, ParameterError) and not items:
            items = [Problem("request", exc.reason, field=exc.parameter).as_dict()]
        return problem(422, str(exc).splitlines()[0], items)

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        items = [
            {
                "source": "request",
                "field": ".".join(str(p) for p in err["loc"]),
                "line": None,
                "row": None,
                "message": err["msg"],
            }
            for err in exc.errors()
        ]
        return problem(422, f"{len(items)} problem(s) in the request", items)

    @app.exception_handler(StarletteHTTPException)
    async def http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = problem(exc.status_code, str(exc.detail))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(Exception)
    async def bug(_: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error")
        return problem(500, f"internal error ({type(exc).__name__}); see the server log")
