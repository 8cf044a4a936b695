"""Host, Origin and CSRF checks: a page on another site must not drive this server.

A server on loopback is reachable by every web page its user opens: a foreign page can
post a form to it (cross-site request forgery) or rebind its own domain name to 127.0.0.1
(DNS rebinding) and then read the replies. So every request must name an allowed Host,
and every write that comes from a browser (it carries ``Origin`` or ``Sec-Fetch-Site``)
must be same-origin and carry the dashboard's CSRF token (double submit: a cookie the
page's script copies into the ``X-CSRF-Token`` header, which a foreign page cannot read).
Clients that are not browsers (curl, scripts) send neither header and are governed by the
bearer token alone; so is a same-origin browser request that carries the token itself (the
API docs' "Try it out" with a token), since a browser never adds that header on its own.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aftershock.web import problems
from aftershock.web.settings import LOOPBACK

CSRF_COOKIE = "aftershock_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WILDCARD_BINDS = frozenset({"0.0.0.0", "::", ""})


def allowed_hosts(bound: str, configured: Iterable[str]) -> frozenset[str] | None:
    """Host names a request may name; ``None`` means any.

    Configured names win; ``*`` among them allows any. Without any, a server bound to a
    loopback or a given address answers to that address (and the loopback names); one bound
    to every interface answers to any name, its writes being behind the bearer token.
    """
    names = {h.strip().lower() for h in configured if h.strip()}
    if "*" in names:
        return None
    if names:
        return frozenset(names)
    if bound in WILDCARD_BINDS:
        return None
    return frozenset({*LOOPBACK, bound.lower()})


def host_name(value: str) -> str:
    """``example.org:8000`` → ``example.org``; ``[::1]:8000`` → ``::1``."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value


class RequestGuard:
    """ASGI middleware: Host on every request; Origin, Sec-Fetch-Site and CSRF on writes."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str] | None) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        host = headers.get("host", "")
        refusal = self._refusal(scope["method"], host, headers)
        if refusal is not None:
            status, detail = refusal
            await problems.problem(status, detail)(scope, receive, send)
            return
        cookie = _cookie(headers.get("cookie", ""), CSRF_COOKIE)
        if cookie or scope["method"] != "GET" or scope["path"].startswith(("/api/", "/static/")):
            await self.app(scope, receive, send)
            return

        async def with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                value = f"{CSRF_COOKIE}={secrets.token_urlsafe(32)}; Path=/; SameSite=Strict"
                extra = [(b"set-cookie", value.encode())]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_cookie)

    def _refusal(self, method: str, host: str, headers: dict[str, str]) -> tuple[int, str] | None:
        if self.hosts is not None and host_name(host) not in self.hosts:
            return 400, (
                f"Host '{host}' is not served here (allowed: {', '.join(sorted(self.hosts))}); "
                "start the server with --allowed-host to add a name"
            )
        if method in SAFE_METHODS:
            return None
        origin = headers.get("origin")
        fetch_site = headers.get("sec-fetch-site")
        if origin is None and fetch_site is None:
            return None  # not a browser: the bearer token decides
        if fetch_site is not None and fetch_site not in ("same-origin", "none"):
            return 403, f"a write from another site is refused (Sec-Fetch-Site: {fetch_site})"
        if origin is not None and (origin == "null" or urlsplit(origin).netloc.lower() != host.lower()):
            return 403, f"a write from another origin is refused (Origin: {origin}, Host: {host})"
        if "authorization" in headers:
            return None  # a bearer token is never sent by a browser on its own: no forgery to fear
        expected = _cookie(headers.get("cookie", ""), CSRF_COOKIE)
        given = headers.get(CSRF_HEADER, "")
        if not expected or not hmac.compare_digest(expected, given):
            return 403, "the CSRF token is missing or does not match; reload the page and try again"
        return None


def _cookie(header: str, name: str) -> str:
    jar = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:  # a malformed Cookie header counts as no cookie
        return ""
    morsel = jar.get(name)
    return morsel.value if morsel is not None else ""
