"""What the running server holds: the store, the run queue, scenario files on disk."""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aftershock import api
from aftershock.errors import NotFoundError
from aftershock.model.stores import LoadedScenario
from aftershock.runstore import RunStore
from aftershock.web.settings import Settings
from aftershock.web.worker import RunQueue, WorkerUnavailable

HASH = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class ServerState:
    """Shared by every request of one server process."""

    settings: Settings
    store: RunStore
    queue: RunQueue
    bundled: dict[str, str] = field(default_factory=dict)  # name -> scenario id
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="aftershock-web-")))
    loaded: dict[tuple[str, tuple[str, ...]], LoadedScenario] = field(default_factory=dict)

    def scenario_id(self, ref: str) -> str:
        """Store id of a bundled name or of a stored id; 404 otherwise."""
        if ref in self.bundled:
            return self.bundled[ref]
        if HASH.match(ref):
            return ref
        known = ", ".join(sorted(self.bundled))
        raise NotFoundError(f"no scenario '{ref}' (bundled: {known}; uploaded ones are addressed by id)")

    def scenario_path(self, scenario_id: str) -> Path:
        """The stored scenario as files on disk (written once).

        Requests run in parallel threads: the files are written into a fresh folder that is
        renamed into place, so no request ever reads a half-written scenario or table.
        """
        target = self.folder / scenario_id
        path = target / "scenario.yaml"
        if not path.is_file():
            staging = Path(tempfile.mkdtemp(prefix=f".{scenario_id[:12]}-", dir=self.folder))
            self.store.scenario_files(scenario_id, staging)
            try:
                staging.rename(target)
            except OSError:  # another request put it in place first: same content
                shutil.rmtree(staging, ignore_errors=True)
        return path

    def load(self, ref: str, overrides: list[str] | None = None) -> tuple[str, LoadedScenario]:
        """(store id, validated scenario) for a reference, with overrides applied.

        Stored scenarios never change (their id is their content), so validated ones are
        kept: starting many runs of one scenario validates it once.
        """
        sid = self.scenario_id(ref)
        key = (sid, tuple(overrides or ()))
        loaded = self.loaded.get(key)
        if loaded is None:
            loaded = api.load(self.scenario_path(sid), overrides, confine=True)
            if len(self.loaded) >= 64:
                self.loaded.pop(next(iter(self.loaded)))
            self.loaded[key] = loaded
        return sid, loaded

    def start_run(self, ref: str, params: dict[str, Any], seed: int) -> str:
        """Validate, queue and hand a run to the workers; return its id."""
        if not self.queue.room_for_run():
            raise WorkerUnavailable(f"{self.queue.max_queued} runs are already waiting; try again later")
        sid, loaded = self.load(ref, params.get("overrides"))
        api.check_work(loaded, int(params.get("replications", 100)), self.settings.limits)
        run_id = self.store.create_run(sid, params, seed, "web-worker")
        self.queue.submit(run_id, sid, params, seed)
        return run_id
