"""Ctrl-C on a long command with a process pool (issue 11): out at once, no workers left behind,
a saved run marked cancelled rather than left "running"."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aftershock.testing import alive, console_script, descendants

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signals and /proc")


def run_status(db: Path) -> str | None:
    try:
        with sqlite3.connect(db, timeout=5) as con:
            row = con.execute("select status from runs").fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


@pytest.mark.slow
def test_ctrl_c_on_simulate_with_a_process_pool(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    args = ["simulate", "coop-kaseya-2021", "-n", "400", "--set", "horizon_days=730", "-q"]
    args += ["--executor", "processes", "--workers", "2", "--save", "--db", str(db)]
    proc = subprocess.Popen(
        [console_script(), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        deadline = time.monotonic() + 120
        while run_status(db) != "running":
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run never started"
            time.sleep(0.2)
        time.sleep(2)  # the chunks are in the workers
        workers = descendants(proc.pid)
        assert len(workers) >= 2, "no worker processes"

        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the whole foreground group
        interrupted = time.monotonic()
        _, err = proc.communicate(timeout=60)
        took = time.monotonic() - interrupted
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130
    assert err.strip().splitlines()[-1].strip() == "interrupted"
    assert took < 8, f"exit took {took:.1f} s: it waited for the chunks left"
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if alive(pid)], "worker processes outlived the command"
    assert run_status(db) == "cancelled"
