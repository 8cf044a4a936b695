"""`aftershock serve` as a real process (issue 11): a busy port, SIGTERM with a run going."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from aftershock.runstore import RunStore
from aftershock.runstore.models import RunRow
from aftershock.testing import alive, console_script, descendants

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signals and /proc")

LONG = {"scenario": "coop-kaseya-2021", "replications": 300, "horizon_days": 365, "seed": 1}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_busy_port_is_one_line_and_exit_1(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [console_script(), "serve", "--port", str(port), "--db", str(tmp_path / "r.db"), "--no-demo-run"],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "COLUMNS": "200"},
        )
    assert done.returncode == 1, done
    assert "dashboard on" not in done.stdout  # announced only once the port is bound
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"port {port} on 127.0.0.1 is in use" in lines[0]


@pytest.mark.slow
def test_sigterm_marks_the_running_run_failed_and_leaves_no_worker(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    port = free_port()
    server = subprocess.Popen(
        [console_script(), "serve", "--port", str(port), "--db", str(db), "--no-demo-run", "--run-workers=2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.communicate()
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.2)
        run_id = httpx.post(f"{base}/api/runs", json=LONG, timeout=30).json()["id"]
        while httpx.get(f"{base}/api/runs/{run_id}", timeout=10).json()["status"] != "running":
            assert time.monotonic() < deadline, "the run never started"
            time.sleep(0.1)
        workers = descendants(server.pid)
        assert workers, "no worker process"

        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()

    store = RunStore(str(db), recover=False)  # recover=True would hide a run left "running"
    try:
        run = store.get_run(run_id)
        with store.session() as s:
            worker_pid = s.get(RunRow, run_id).owner_pid
    finally:
        store.close()
    assert (run["status"], run["error"]) == ("failed", "server stopped")
    assert worker_pid in workers
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if alive(pid)], "worker processes outlived the server"
