"""Static files and API responses go out compressed, with cache headers a browser can trust."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aftershock.web import assets
from aftershock.web.assets import IMMUTABLE, PLOTLY, STATIC, accepts_gzip, static_url

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}


def raw(client: TestClient, url: str, headers: dict[str, str]) -> tuple[dict[str, str], bytes]:
    """Headers and the body bytes as sent on the wire (httpx would decompress ``.content``)."""
    with client.stream("GET", url, headers=headers) as r:
        assert r.status_code == 200, url
        return dict(r.headers), b"".join(r.iter_raw())


@pytest.mark.parametrize("name", ["run.js", "style.css", PLOTLY])
def test_static_is_gzipped_when_asked_and_unpacks_to_the_file(client: TestClient, name: str) -> None:
    headers, body = raw(client, static_url(name), GZIP)
    assert headers["content-encoding"] == "gzip"
    assert headers["vary"] == "Accept-Encoding"
    assert int(headers["content-length"]) == len(body)
    source = STATIC / name
    assert gzip.decompress(body) == source.read_bytes()
    assert len(body) < len(source.read_bytes()) / 2


def test_static_is_plain_when_gzip_is_not_asked_or_refused(client: TestClient) -> None:
    file = (STATIC / "run.js").read_bytes()
    for headers in (IDENTITY, {"Accept-Encoding": "gzip;q=0, identity"}, {"Accept-Encoding": "br"}):
        got, body = raw(client, static_url("run.js"), headers)
        assert "content-encoding" not in got, headers
        assert got["vary"] == "Accept-Encoding"  # a shared cache must not hand this to a gzip client
        assert body == file


def test_a_versioned_url_is_immutable_and_a_bare_or_stale_one_revalidates(client: TestClient) -> None:
    url = static_url("app.js")
    assert re.fullmatch(r"/static/app\.js\?v=[0-9a-f]{12}", url)
    assert client.get(url).headers["cache-control"] == IMMUTABLE
    assert IMMUTABLE == "public, max-age=31536000, immutable"
    for other in ("/static/app.js", "/static/app.js?v=000000000000"):
        r = client.get(other)
        assert r.status_code == 200
        assert r.headers["cache-control"] == "no-cache"
        assert r.content == (STATIC / "app.js").read_bytes()


def test_etag_gives_304_and_differs_by_encoding(client: TestClient) -> None:
    url = static_url("run.js")
    zipped = client.get(url, headers=GZIP)
    plain = client.get(url, headers=IDENTITY)
    assert zipped.headers["etag"] != plain.headers["etag"]
    for tag, headers in ((zipped.headers["etag"], GZIP), (plain.headers["etag"], IDENTITY)):
        again = client.get(url, headers={**headers, "If-None-Match": tag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == tag
        assert again.headers["cache-control"] == IMMUTABLE
    stale = client.get(url, headers={**GZIP, "If-None-Match": '"not-this-one"'})
    assert stale.status_code == 200
    assert stale.content == (STATIC / "run.js").read_bytes()


def test_every_static_file_is_served_and_an_unknown_one_is_404(client: TestClient) -> None:
    for path in STATIC.rglob("*"):
        if path.is_file():
            name = path.relative_to(STATIC).as_posix()
            assert client.get(static_url(name)).content == path.read_bytes(), name
    missing = client.get("/static/nope.js")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "no static file 'nope.js'"
    assert client.get("/static/../app.py").status_code == 404


def test_pages_reference_versioned_static_urls(client: TestClient) -> None:
    page_urls = ["/", "/runs/new", "/runs", "/plan", "/optimize", "/sensitivity", "/pause"]
    page_urls.append("/scenarios/ocs-2022/graph")  # the Cytoscape page
    html = client.get("/runs/new").text
    for name in ("style.css", "app.js"):
        assert f'"{static_url(name)}"' in html
    assert "/static-plotly.js" not in html
    for url in page_urls:
        r = client.get(url)
        assert r.status_code == 200, url
        refs = re.findall(r'(?:src|href)="(/static[^"]*)"', r.text)
        assert refs, url
        assert all(re.fullmatch(r"/static/[\w./-]+\?v=[0-9a-f]{12}", ref) for ref in refs), (url, refs)


def test_the_run_page_loads_plotly_by_its_versioned_url(client: TestClient, wait_done) -> None:
    r = client.post("/api/runs", json={"scenario": "ocs-2022", "replications": 2, "seed": 3})
    assert r.status_code == 202, r.text
    run_id = r.json()["id"]
    assert wait_done(client, run_id)["status"] == "done"
    html = client.get(f"/runs/{run_id}").text
    assert f'src="{static_url(PLOTLY)}"' in html
    assert f'src="{static_url("run.js")}"' in html
    # the run's JSON (what the page draws from) is gzipped too, and unpacks to the same document
    headers, body = raw(client, f"/api/runs/{run_id}", GZIP)
    assert headers["content-encoding"] == "gzip"
    assert json.loads(gzip.decompress(body))["id"] == run_id
    plain_headers, plain = raw(client, f"/api/runs/{run_id}", IDENTITY)
    assert "content-encoding" not in plain_headers
    assert json.loads(plain) == json.loads(gzip.decompress(body))


def test_small_api_responses_are_not_compressed(client: TestClient) -> None:
    r = client.get("/api/health", headers=GZIP)
    assert r.status_code == 200
    assert "content-encoding" not in r.headers


def test_compression_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aftershock.web import Settings, create_app

    monkeypatch.setenv("AFTERSHOCK_WEB_GZIP", "0")
    app = create_app(Settings(db=str(tmp_path / "runs.db"), demo_run=False, run_workers=1))
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        for url in (static_url("run.js"), "/runs/new"):
            headers, body = raw(c, url, GZIP)
            assert "content-encoding" not in headers, url
        assert body.startswith(b"<!doctype html>")


def test_the_dashboard_draws_only_traces_of_plotly_basic() -> None:
    """The vendored bundle has scatter, bar and pie only: a new trace type needs a bigger one."""
    assert (STATIC / PLOTLY).read_text()[:60].count("basic") == 1
    not_traces = {"data", "line", "text/csv"}  # error bars, shapes, Blob types
    # scripts that draw with Plotly (the graph page's Cytoscape data has types of its own)
    plotting = [js.read_text() for js in STATIC.glob("*.js")]
    plotting = [code for code in plotting if "Plotly" in code or "drawChart(" in code]
    used = {t for code in plotting for t in re.findall(r'\btype: "([^"]+)"', code)}
    assert used - not_traces <= {"scatter", "bar", "pie"}
    assert "Plotly" in (STATIC / "run.js").read_text()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("gzip, deflate, br, zstd", True),
        ("GZIP;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip;q=0.000", False),
        ("*", True),
        ("*;q=0", False),
        ("br, *;q=0.1", True),
        ("br, gzip;q=0, *", False),
        ("identity", False),
        ("", False),
        ("gzip;q=abc", False),
    ],
)
def test_accept_encoding(header: str, expected: bool) -> None:
    assert accepts_gzip(header) is expected


def test_gzip_form_is_made_once(monkeypatch: pytest.MonkeyPatch) -> None:
    asset = assets.Asset(b"x" * 5000, "text/plain; charset=utf-8", "0" * 64)
    calls = []
    real = assets.zlib.compressobj
    monkeypatch.setattr(assets.zlib, "compressobj", lambda *a: calls.append(a) or real(*a))
    first = asset.gzipped()
    assert asset.gzipped() is first
    assert len(calls) == 1
    assert gzip.decompress(first) == asset.body
