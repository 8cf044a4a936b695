"""What the run page costs a browser: bytes transferred and time until its charts are drawn.

    .venv/bin/python benchmarks/web_payload.py            # print the table
    .venv/bin/python benchmarks/web_payload.py --write    # ... and update benchmarks/README.md

Starts `aftershock serve` on 127.0.0.1 once per configuration (``CONFIGS``), with a fresh SQLite
store each time: compression off (``AFTERSHOCK_WEB_GZIP=0``) or on, and the page given the full
Plotly bundle the dashboard used before (the plotly package's, which the server still answers at
/static-plotly.js; the browser redirects the page's request there) or
the vendored basic bundle it uses now. On each it makes one small run of the bundled ocs-2022
scenario, then loads that run's page in Debian's headless Chromium (as tests/e2e does): cold (a
new browser context, empty cache) and warm (the same context, loaded again), ``--repeat`` times.

Transferred bytes: the sum of ``encodedDataLength`` of every response (headers included) from
the Chrome DevTools Protocol's ``Network.loadingFinished``, up to the moment the charts are
drawn. Drawn: ``performance.now()`` (milliseconds since navigation start) in the first
animation frame after every visible chart on the page holds Plotly's SVG.
Target: under 1.5 MB (1,500,000 bytes) transferred and under 1 s drawn, cold.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from readme_table import update_section

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TARGET_BYTES = 1_500_000
#: name -> (server compresses, the page gets the full Plotly bundle instead of the basic one)
CONFIGS = {
    "before: full Plotly, no compression": (False, True),
    "full Plotly, gzip (level 6, per request)": (True, True),
    "basic Plotly, no compression": (False, False),
    "as shipped: basic Plotly, gzip, cache headers": (True, False),
}
#: The full bundle, from the plotly package, as the dashboard loaded it before (web/pages.py).
FULL_PLOTLY = "/static-plotly.js"
TARGET_MS = 1000.0

# Runs in the page before its scripts: records when every visible chart is drawn. The DC charts
# are drawn after the two main ones in the same task, so the observer (a microtask) sees them all.
DRAWN_PROBE = """
window.__drawn = new Promise((resolve) => {
  const done = () => {
    const results = document.getElementById("results");
    if (!results || results.hidden) return false;
    const charts = [...document.querySelectorAll(".chart")].filter((c) => !c.closest("[hidden]"));
    return charts.length >= 2 && charts.every((c) => c.querySelector(".main-svg"));
  };
  const check = () => {
    if (!done()) return;
    observer.disconnect();
    requestAnimationFrame(() => resolve(performance.now()));
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true, attributes: true });
});
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(folder: Path, compress: bool) -> tuple[subprocess.Popen[bytes], str]:
    """`aftershock serve` on 127.0.0.1 with a store in ``folder``; no demo run."""
    port = free_port()
    exe = shutil.which("aftershock") or str(Path(sys.executable).parent / "aftershock")
    env = {**os.environ, "AFTERSHOCK_WEB_GZIP": "1" if compress else "0"}
    proc = subprocess.Popen(
        [exe, "serve", "--port", str(port), "--db", str(folder / "runs.db"), "--no-demo-run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=folder,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(base + "/api/health", timeout=1)
            return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def make_run(base: str, replications: int) -> str:
    """A small ocs-2022 run, finished; its id."""
    r = httpx.post(base + "/api/runs", json={"scenario": "ocs-2022", "replications": replications, "seed": 1})
    r.raise_for_status()
    url = base + r.json()["url"]
    for _ in range(1200):
        run = httpx.get(url, timeout=10).json()
        if run["status"] == "done":
            return str(run["id"])
        if run["status"] in ("failed", "cancelled"):
            raise RuntimeError(f"the run {run['status']}: {run.get('error')}")
        time.sleep(0.25)
    raise RuntimeError("the run did not finish in 5 minutes")


def load(context: Any, url: str, plotly_url: str | None = None) -> dict[str, Any]:
    """Load ``url`` in a new page of ``context``; bytes per response and time to charts drawn.
    With ``plotly_url``, the page's request for the vendored Plotly goes there instead."""
    page = context.new_page()
    if plotly_url is not None:
        # the server answers it (with its own compression); only the URL is changed
        page.route("**/static/vendor/plotly-*", lambda route: route.continue_(url=plotly_url))
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    urls: dict[str, str] = {}
    sizes: dict[str, int] = {}
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on(
        "Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"]))
    )
    page.add_init_script(DRAWN_PROBE)
    page.goto(url, wait_until="commit")
    drawn_ms = float(page.evaluate("window.__drawn"))
    # deferred scripts (Plotly's among them) have run by the end of DOMContentLoaded
    ready_ms = float(page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"))
    by_url = {urls.get(rid, rid): n for rid, n in sizes.items()}
    page.close()
    return {
        "bytes": sum(by_url.values()),
        "requests": len(urls),
        "drawn_ms": drawn_ms,
        "ready_ms": ready_ms,
        "by_url": by_url,
    }


def measure(config: str, repeat: int, replications: int) -> dict[str, Any] | None:
    """Cold and warm loads of one run's page on a fresh server, as ``CONFIGS[config]`` says."""
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="aftershock-payload-"))
    compress, full = CONFIGS[config]
    proc, base = start_server(folder, compress)
    try:
        run_id = make_run(base, replications)
        url = f"{base}/runs/{run_id}"
        httpx.get(url)  # the server's first render (templates compile), not the browser's cost
        plotly_url = base + FULL_PLOTLY if full else None
        if full and httpx.get(base + FULL_PLOTLY).status_code != 200:
            print(f"skipped {config!r}: the server has no {FULL_PLOTLY}", file=sys.stderr)
            return None
        cold: list[dict[str, Any]] = []
        warm: list[dict[str, Any]] = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for _ in range(repeat):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                cold.append(load(context, url, plotly_url))
                if not full:  # routing requests turns the browser's cache off: no warm load
                    warm.append(load(context, url))
                context.close()
            browser.close()
        return {"config": config, "cold": cold, "warm": warm}
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def summary(loads: list[dict[str, Any]]) -> dict[str, float]:
    return {
        "bytes": statistics.median(x["bytes"] for x in loads),
        "requests": statistics.median(x["requests"] for x in loads),
        "drawn_ms": statistics.median(x["drawn_ms"] for x in loads),
        "ready_ms": statistics.median(x["ready_ms"] for x in loads),
        "drawn_max": max(x["drawn_ms"] for x in loads),
    }


def label(url: str) -> str:
    """A URL without host, run id and version."""
    path = "/" + url.split("://", 1)[-1].split("/", 1)[-1].split("?")[0]
    parts = path.split("/")
    if path.startswith(("/static/vendor/plotly-", FULL_PLOTLY)):
        return "Plotly"
    if path.startswith("/runs/"):
        return "/runs/{id} (the page)"
    if path.startswith("/api/runs/"):
        return "/".join([*parts[:3], "{id}", *parts[4:]])
    return path


def table(results: list[dict[str, Any]], repeat: int, replications: int) -> str:
    cpu = platform.processor() or platform.machine()
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores ({cpu}), headless Chromium "
        f"(Debian), server and browser on 127.0.0.1; the page of one ocs-2022 run ({replications} "
        f"replications). Medians of {repeat} loads; cold: empty browser cache, warm: loaded again "
        "in the same browser context. Full Plotly is the plotly package's 4.8 MB bundle, which the "
        "dashboard loaded before (the page's request is redirected to it in the browser, which turns "
        "the browser's cache off: no warm row); basic Plotly is the vendored "
        "plotly.js-basic-dist-min (1.2 MB).",
        "",
        "| server | load | transferred bytes | requests | scripts run (DOMContentLoaded), ms | "
        "charts drawn, ms (max) | target |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for result in results:
        for kind in ("cold", "warm"):
            if not result[kind]:
                continue
            s = summary(result[kind])
            target = ""
            if kind == "cold":
                ok = s["bytes"] < TARGET_BYTES and s["drawn_ms"] < TARGET_MS
                target = "< 1.5 MB, < 1 s: " + ("met" if ok else "not met")
            lines.append(
                f"| {result['config']} | {kind} | {s['bytes']:,.0f} | {s['requests']:.0f} | "
                f"{s['ready_ms']:,.0f} | {s['drawn_ms']:,.0f} ({s['drawn_max']:,.0f}) | {target} |"
            )
    lines += [
        "",
        "Bytes per response, first cold load:",
        "",
        "| response | " + " | ".join(r["config"] for r in results) + " |",
        "|---|" + "---:|" * len(results),
    ]
    names: dict[str, list[int]] = {}
    for i, result in enumerate(results):
        for url, n in result["cold"][0]["by_url"].items():
            names.setdefault(label(url), [0] * len(results))[i] += n
    for name, counts in sorted(names.items(), key=lambda kv: -max(kv[1])):
        lines.append(f"| `{name}` | " + " | ".join(f"{n:,}" for n in counts) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help="update benchmarks/README.md")
    parser.add_argument("--repeat", type=int, default=5, help="loads of each kind (default 5)")
    parser.add_argument("--replications", type=int, default=4, help="replications of the run (default 4)")
    args = parser.parse_args()
    measured = [measure(config, args.repeat, args.replications) for config in CONFIGS]
    results = [r for r in measured if r is not None]
    text = table(results, args.repeat, args.replications)
    print(text)
    if args.write:
        update_section("web_payload", "Dashboard payload", text)


if __name__ == "__main__":
    main()
