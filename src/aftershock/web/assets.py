"""Static files (the dashboard's JS and CSS, vendored Cytoscape and Plotly) served from memory:
gzip-compressed when the client accepts it, with ETags and long cache lifetimes.

Templates name a file by ``static_url("run.js")``, which adds its content hash
(``/static/run.js?v=3fa2c1d9e0b7``): a URL with the current hash never changes meaning, so the
browser may keep it for a year without asking again; a new release changes the hash and so the
URL. Without the hash (or with an old one) the file is served with ``no-cache``: the browser
revalidates it by its ETag and gets a 304 when it has not changed.

Each file is read and hashed once per process, on first use; its gzip form is made on first
request (or by ``warm`` in the background when the server starts), never on disk: the package
ships only the plain files.
"""

from __future__ import annotations

import hashlib
import mimetypes
import threading
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

STATIC = Path(__file__).parent / "static"
#: Plotly's basic bundle (scatter, bar, pie: all the dashboard draws), from npm's
#: plotly.js-basic-dist-min, the plotly.js version the plotly package bundles. A quarter of the
#: full bundle's 4.8 MB: 0.39 MB gzipped instead of 1.47, and the browser runs it in a fifth of
#: the time (benchmarks/web_payload.py).
PLOTLY = "vendor/plotly-basic-4.1.1.min.js"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
#: Below this size gzip saves less than its headers cost (the API's middleware uses the same).
MIN_GZIP_BYTES = 500
#: Types that are already compressed.
INCOMPRESSIBLE = ("image/png", "image/jpeg", "image/gif", "image/webp", "font/woff", "font/woff2")


@dataclass
class Asset:
    """One static file: its bytes, content hash and (made on first need) its gzip form."""

    body: bytes
    media_type: str
    digest: str
    _gzipped: bytes | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def version(self) -> str:
        """The short hash that ``static_url`` puts in the URL."""
        return self.digest[:12]

    @property
    def compressible(self) -> bool:
        """Whether a gzip form is worth sending."""
        return len(self.body) >= MIN_GZIP_BYTES and self.media_type.split(";")[0] not in INCOMPRESSIBLE

    def gzipped(self) -> bytes:
        """The gzip form, made once (level 9: made once, sent many times)."""
        with self._lock:
            if self._gzipped is None:
                compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
                self._gzipped = compressor.compress(self.body) + compressor.flush()
            return self._gzipped

    def etag(self, gzipped: bool) -> str:
        # the two encodings are different representations, so strong ETags must differ
        return f'"{self.digest[:20]}{"-gzip" if gzipped else ""}"'


def _asset(path: Path) -> Asset:
    body = path.read_bytes()
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if media_type == "application/javascript":
        media_type = "text/javascript"
    if media_type.startswith("text/"):
        media_type += "; charset=utf-8"
    return Asset(body, media_type, hashlib.sha256(body).hexdigest())


@cache
def assets() -> dict[str, Asset]:
    """Every static file by its path under /static/, read once per process."""
    return {p.relative_to(STATIC).as_posix(): _asset(p) for p in sorted(STATIC.rglob("*")) if p.is_file()}


def static_url(name: str) -> str:
    """The versioned URL of a static file (a Jinja global); an unknown name is a template bug."""
    asset = assets().get(name)
    if asset is None:
        raise KeyError(f"no static file {name!r} under {STATIC}")
    return f"/static/{name}?v={asset.version}"


def warm() -> None:
    """Make every gzip form now (the server calls this in a background thread at start), so
    the first browser to load a page does not wait for Plotly and Cytoscape to compress."""
    for asset in assets().values():
        if asset.compressible:
            asset.gzipped()


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header allows gzip: named or ``*``, with a q-value above 0."""
    allowed: dict[str, bool] = {}
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        coding = coding.strip().lower()
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0  # a malformed q-value: not an acceptance
        if coding:
            allowed[coding] = q > 0
    return allowed.get("gzip", allowed.get("x-gzip", allowed.get("*", False)))


def _matches(if_none_match: str, asset: Asset) -> bool:
    """If-None-Match (weak comparison) against either encoding's tag: both name the same file."""
    if if_none_match.strip() == "*":
        return True
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return bool(tags & {asset.etag(False), asset.etag(True)})


def static_endpoint(compress: bool = True) -> Callable[[Request], Awaitable[Response]]:
    """The ``GET /static/{path}`` endpoint; ``compress=False`` never gzips (for benchmarks)."""

    async def serve(request: Request) -> Response:
        asset = assets().get(request.path_params["path"])
        if asset is None:
            raise HTTPException(404, f"no static file {request.path_params['path']!r}")
        versioned = request.query_params.get("v") == asset.version
        gzipped = compress and asset.compressible and accepts_gzip(request.headers.get("accept-encoding", ""))
        headers = {
            "Cache-Control": IMMUTABLE if versioned else REVALIDATE,
            "ETag": asset.etag(gzipped),
        }
        if asset.compressible:
            headers["Vary"] = "Accept-Encoding"
        if _matches(request.headers.get("if-none-match", ""), asset):
            return Response(status_code=304, headers=headers)
        if gzipped:
            headers["Content-Encoding"] = "gzip"
            # compressing Plotly takes ~0.05 s: off the event loop (once; then it is cached)
            body = await run_in_threadpool(asset.gzipped)
        else:
            body = asset.body
        return Response(body, media_type=asset.media_type, headers=headers)

    return serve
