"""The server's scenario files: parallel first requests never read a half-written scenario."""

from __future__ import annotations

import threading
from pathlib import Path

from aftershock import api
from aftershock.runstore import RunStore
from aftershock.web.settings import Settings
from aftershock.web.state import ServerState


def test_parallel_first_loads_of_a_scenario_all_succeed(tmp_path: Path) -> None:
    store = RunStore(str(tmp_path / "r.db"))
    sid = store.add_scenario(api.load("coop-kaseya-2021"), "bundled")
    errors: list[str] = []
    try:
        for _ in range(10):
            state = ServerState(settings=Settings(db=str(tmp_path / "r.db")), store=store, queue=None)  # type: ignore[arg-type]
            state.bundled = {"coop-kaseya-2021": sid}

            def first_load(state: ServerState = state) -> None:
                try:
                    state.load("coop-kaseya-2021")
                except Exception as exc:  # collected: the assertion below names them
                    errors.append(f"{type(exc).__name__}: {exc}")

            threads = [threading.Thread(target=first_load) for _ in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        store.close()
    assert errors == []
