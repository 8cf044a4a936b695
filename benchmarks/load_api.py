"""Bounded load test of the web API on 127.0.0.1: reads of run summaries while runs execute.

    .venv/bin/python benchmarks/load_api.py            # 1,000 reads from 50 clients + 20 runs
    .venv/bin/python benchmarks/load_api.py --write    # ... and update benchmarks/README.md

Starts `aftershock serve` on a free port with a fresh SQLite store, waits for its demo run,
then sends 1,000 GETs of that run's summary from 50 concurrent clients, then starts 20 small
runs at once and polls their status until done (the runs execute in worker processes). Reports errors and
latency percentiles of the summary reads and of the status reads taken while runs execute.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from readme_table import update_section


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`aftershock serve` on 127.0.0.1 with a store in ``folder``."""
    port = free_port()
    exe = shutil.which("aftershock") or str(Path(sys.executable).parent / "aftershock")
    proc = subprocess.Popen(
        [exe, "serve", "--port", str(port), "--db", str(folder / "runs.db"), "--run-workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=folder,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(base + "/api/health", timeout=1)
            return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


async def load(base: str, reads: int, clients: int, runs: int) -> dict[str, object]:
    """The load; returns error counts and latency percentiles in milliseconds."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        demo = None
        for _ in range(300):
            items = (await client.get("/api/runs")).json()["items"]
            done = [r for r in items if r["status"] == "done"]
            if done:
                demo = done[0]["id"]
                break
            await asyncio.sleep(0.2)
        assert demo, "the demo run did not finish"
        read_ms: list[float] = []
        status_ms: list[float] = []
        errors = {"reads": 0, "runs": 0, "status": 0}
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(reads):
            queue.put_nowait(i)

        async def reader() -> None:
            while not queue.empty():
                queue.get_nowait()
                t = time.perf_counter()
                r = await client.get(f"/api/runs/{demo}")
                read_ms.append(1000 * (time.perf_counter() - t))
                if r.status_code != 200 or r.json()["status"] != "done":
                    errors["reads"] += 1

        async def one_run(seed: int) -> str:
            r = await client.post(
                "/api/runs",
                json={"scenario": "coop-kaseya-2021", "replications": 2, "seed": seed, "horizon_days": 12},
            )
            if r.status_code != 202:
                errors["runs"] += 1
                return "rejected"
            url = r.json()["url"]
            while True:
                t = time.perf_counter()
                s = await client.get(url)
                status_ms.append(1000 * (time.perf_counter() - t))
                if s.status_code != 200:
                    errors["status"] += 1
                    return "error"
                if s.json()["status"] in ("done", "failed"):
                    if s.json()["status"] == "failed":
                        errors["runs"] += 1
                    return s.json()["status"]
                await asyncio.sleep(0.05)

        # phase 1: the read flood; phase 2: runs execute while their status is polled
        started = time.perf_counter()
        await asyncio.gather(*[reader() for _ in range(clients)])
        results = await asyncio.gather(*[one_run(s) for s in range(runs)])
        wall = time.perf_counter() - started

    def pct(values: list[float]) -> dict[str, float]:
        a = np.array(values)
        return {"p50": float(np.percentile(a, 50)), "p95": float(np.percentile(a, 95)), "max": float(a.max())}

    return {
        "reads": len(read_ms),
        "runs_done": sum(1 for r in results if r == "done"),
        "errors": errors,
        "read_ms": pct(read_ms),
        "status_ms": pct(status_ms),
        "status_reads": len(status_ms),
        "wall_s": wall,
    }


def run(reads: int = 1000, clients: int = 50, runs: int = 20) -> dict[str, object]:
    """Start a server, load it, stop it."""
    folder = Path(tempfile.mkdtemp(prefix="aftershock-load-"))
    proc, base = start_server(folder)
    try:
        return asyncio.run(load(base, reads, clients, runs))
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def table(stats: dict[str, object]) -> str:
    r, s = stats["read_ms"], stats["status_ms"]  # type: ignore[index]
    cpu = platform.processor() or platform.machine()
    return "\n".join(
        [
            f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores ({cpu}), SQLite store, "
            "2 run workers, server and client on the same machine.",
            "",
            "| what | count | errors | p50 ms | p95 ms | max ms |",
            "|---|---:|---:|---:|---:|---:|",
            f"| run summary reads, 50 concurrent clients | {stats['reads']} | {stats['errors']['reads']} | "  # type: ignore[index]
            f"{r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} |",  # type: ignore[index]
            f"| status reads while 20 runs execute | {stats['status_reads']} | {stats['errors']['status']} | "  # type: ignore[index]
            f"{s['p50']:.1f} | {s['p95']:.1f} | {s['max']:.1f} |",  # type: ignore[index]
            f"| runs started concurrently | 20 | {stats['errors']['runs']} | | | |",  # type: ignore[index]
            "",
            f"All {stats['runs_done']} runs finished; wall time {stats['wall_s']:.1f} s. Target: 0 errors, "
            "p95 of a status read under 100 ms while runs execute.",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help="update benchmarks/README.md")
    args = parser.parse_args()
    stats = run()
    text = table(stats)
    print(text)
    if args.write:
        update_section("load", "Web API under load", text)


if __name__ == "__main__":
    main()
