"""How a run ended is said once: a later failure never rewrites a cancelled or done run."""

from __future__ import annotations

from pathlib import Path

from aftershock import api
from aftershock.runstore import RunStore
from aftershock.runstore.database import STATUSES


def test_end_run_changes_only_unfinished_runs(tmp_path: Path) -> None:
    store = RunStore(str(tmp_path / "runs.db"))
    try:
        sid = store.add_scenario(api.load("coop-kaseya-2021"))
        queued = store.create_run(sid, {"replications": 1}, 0)
        assert store.end_run(queued, "cancelled", "cancelled")
        store.fail_run(queued, "SystemExit: 143")  # the stopped worker's last words
        assert (store.get_run(queued)["status"], store.get_run(queued)["error"]) == ("cancelled", "cancelled")
        assert not store.end_run(queued, "failed", "worker process died (signal 9, SIGKILL)")

        running = store.create_run(sid, {"replications": 1}, 0)
        store.start_run(running)
        assert store.end_run(running, "failed", "time limit of 3 s exceeded")
        assert store.get_run(running)["error"] == "time limit of 3 s exceeded"
        assert not store.end_run("0" * 32, "failed", "gone")  # a deleted run: nothing to do
        assert "cancelled" in STATUSES
    finally:
        store.close()


def test_a_cancelled_run_is_neither_started_nor_completed_afterwards(tmp_path: Path) -> None:
    """A worker that finishes while its run is being cancelled must not turn it into 'done'."""
    import pytest

    from aftershock.errors import StoreError

    store = RunStore(str(tmp_path / "runs.db"))
    try:
        loaded = api.load("coop-kaseya-2021")
        sid = store.add_scenario(loaded)
        result = api.simulate(loaded, replications=1, seed=1)
        queued = store.create_run(sid, {"replications": 1}, 0)
        store.end_run(queued, "cancelled", "cancelled")
        with pytest.raises(StoreError, match="cannot start: it is cancelled"):
            store.start_run(queued)
        running = store.create_run(sid, {"replications": 1}, 0)
        store.start_run(running)
        store.end_run(running, "cancelled", "cancelled")
        store.complete_run(running, result)
        run = store.get_run(running)
        assert run["status"] == "cancelled" and not run.get("summary")
    finally:
        store.close()
