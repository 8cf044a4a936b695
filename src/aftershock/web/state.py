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
from aftershock.io.bundled import split_variant
from aftershock.model.stores import LoadedScenario
from aftershock.runstore import RunStore
from aftershock.runstore.database import scenario_row
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
    loaded: dict[tuple[str, str, tuple[str, ...]], tuple[str, LoadedScenario]] = field(default_factory=dict)

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

        ``ref`` may end in ``:VARIANT`` (``ocs-2022:spread``, ``<id>:no-backup``): the named
        what-if of the scenario, applied before the overrides. The id is then that of the
        variant, stored on first use (the scenario with the variant's values, named
        ``NAME:VARIANT``), so every job that reads the stored files runs the variant.
        Stored scenarios never change (their id is their content), so validated ones are
        kept: starting many runs of one scenario validates it once.
        """
        base, variant = split_variant(ref, files=False)
        sid = self.scenario_id(str(base))
        key = (sid, variant or "", tuple(overrides or ()))
        found = self.loaded.get(key)
        if found is None:
            loaded = api.load(self.scenario_path(sid), overrides, confine=True, variant=variant)
            stored = sid
            if variant is not None:
                plain = self.load(ref)[1] if overrides else loaded
                stored = self.store.add_scenario(plain, scenario_row(self.store, sid)["source"])
            if len(self.loaded) >= 64:
                self.loaded.pop(next(iter(self.loaded)))
            found = self.loaded[key] = (stored, loaded)
        return found

    def start_run(self, ref: str, params: dict[str, Any], seed: int) -> str:
        """Validate, queue and hand a run to the workers; return its id."""
        if not self.queue.room_for_run():
            raise WorkerUnavailable(f"{self.queue.max_queued} runs are already waiting; try again later")
        sid, loaded = self.load(ref, params.get("overrides"))
        api.check_work(loaded, int(params.get("replications", 100)), self.settings.limits)
        if loaded.variant is not None:  # the worker names the result after it (ocs-2022:spread)
            params = {**params, "variant": loaded.variant}
        run_id = self.store.create_run(sid, params, seed, "web-worker")
        self.queue.submit(run_id, sid, params, seed)
        return run_id
