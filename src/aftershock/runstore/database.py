"""The run store: SQLite file by default, PostgreSQL by URL; one transaction per finished run."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import io
import json
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import numpy as np
import yaml
from sqlalchemy import Engine, create_engine, delete, event, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from aftershock.errors import NotFoundError, StoreError, UsageError
from aftershock.model.stores import LoadedScenario, StoreFrame
from aftershock.runstore.models import METRIC_COLUMNS, ResultRow, RunRow, ScenarioRow, utcnow

#: Name of the SQLite file in the user's data folder (see :func:`default_db_path`).
DEFAULT_DB = "aftershock.db"
#: Seconds a write waits for a lock held by another process (``$AFTERSHOCK_DB_LOCK_TIMEOUT``).
LOCK_TIMEOUT = 60.0
STATUSES = ("queued", "running", "done", "failed", "cancelled")
#: Statuses of a run that has not ended yet.
ACTIVE = ("queued", "running")

T = TypeVar("T")
P = ParamSpec("P")


def default_db_path() -> Path:
    """The SQLite file used when neither ``--db`` nor ``$AFTERSHOCK_DB`` is given.

    It lives in the user's data folder (``platformdirs``: ``~/.local/share/aftershock`` or
    ``$XDG_DATA_HOME/aftershock`` on Linux, ``~/Library/Application Support/aftershock`` on
    macOS, ``%LOCALAPPDATA%\\aftershock`` on Windows), so every command and the dashboard find
    the same runs wherever they are started.
    """
    import platformdirs

    return platformdirs.user_data_path("aftershock", appauthor=False) / DEFAULT_DB


def normalise_url(url: str | None) -> str:
    """``None`` → ``$AFTERSHOCK_DB`` or :func:`default_db_path`; a path → SQLite; postgres → psycopg 3."""
    url = url or os.environ.get("AFTERSHOCK_DB") or str(default_db_path())
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    return url


def lock_timeout_from_env() -> float:
    """``$AFTERSHOCK_DB_LOCK_TIMEOUT`` in seconds, or :data:`LOCK_TIMEOUT`."""
    text = os.environ.get("AFTERSHOCK_DB_LOCK_TIMEOUT", "").strip()
    if not text:
        return LOCK_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 <= value < float("inf"):
        raise UsageError(f"AFTERSHOCK_DB_LOCK_TIMEOUT: expected a number of seconds >= 0, got '{text}'")
    return value


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}@{host}"
    return url


def _sqlite_pragmas(busy_ms: int) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # the busy timeout first: switching to WAL waits for a lock too
        cursor.execute(f"PRAGMA busy_timeout={busy_ms:d}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return on_connect


def _is_locked(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite's "database is locked" (SQLITE_BUSY or SQLITE_LOCKED)."""
    orig = getattr(exc, "orig", exc)
    if not isinstance(orig, sqlite3.OperationalError):
        return False
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(orig)


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stores_to_csv(stores: StoreFrame) -> str:
    """The store table as CSV text (every column the loader reads back)."""
    import csv

    numeric = {
        "demand_units_per_day": stores.demand_units_per_day,
        "on_hand_units": stores.on_hand_units,
        "order_up_to_units": stores.order_up_to_units,
        "lead_time_days": stores.lead_time_days,
        "review_period_days": stores.review_period_days,
        "order_weekday": stores.order_weekday,
    }
    # coordinates only where the table had them: the copy (and id) of a table without is unchanged
    where = {"latitude": stores.latitude, "longitude": stores.longitude}
    numeric.update({k: v for k, v in where.items() if v is not None})
    text_cols = [c for c in stores.attributes if c != "id"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    has_s = bool((stores.reorder_point_units < float("inf")).any())
    writer.writerow(["id", *text_cols, *numeric, *(["reorder_point_units"] if has_s else [])])
    for i in range(len(stores)):
        row = [stores.ids[i], *(stores.attributes[c][i] for c in text_cols)]
        row += [_cell(v[i]) for v in numeric.values()]
        if has_s:
            s = stores.reorder_point_units[i]
            row.append("" if s == float("inf") else repr(float(s)))
        writer.writerow(row)
    return out.getvalue()


def _cell(value: Any) -> str | int:
    """A numeric cell: whole numbers as ints, NaN (not given) as an empty cell."""
    if isinstance(value, np.integer):
        return int(value)
    number = float(value)
    return "" if number != number else repr(number)


def scenario_document(loaded: LoadedScenario) -> tuple[str, str]:
    """(scenario YAML pointing at ``stores.csv``, store CSV): a self-contained copy.

    A variant's copy has the variant's values and declares that variant alone (the others
    are what-ifs of the file as written, not of the variant): loading it with the variant
    again gives the same scenario, named ``NAME:VARIANT``.
    """
    data = loaded.scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["sites"]["stores"]["table"] = "stores.csv"
    if loaded.variant is not None:
        data["variants"] = {loaded.variant: data["variants"][loaded.variant]}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True), stores_to_csv(loaded.stores)


def scenario_hash(content_yaml: str, stores_csv: str, variant: str | None = None) -> str:
    """Content address of a scenario: SHA-256 of its canonical data and its store table (and
    of the variant applied, so a variant stays apart from its scenario even where it changes
    nothing)."""
    canonical = json.dumps(yaml.safe_load(content_yaml), sort_keys=True, separators=(",", ":"))
    tail = "" if variant is None else "\nvariant:" + variant
    return hashlib.sha256((canonical + "\n" + stores_csv + tail).encode()).hexdigest()


def _sqlite_folder(path: str, given: str | None) -> None:
    """Make sure the SQLite file's folder exists: created for the default location, a clear
    error for a path the user gave (``given`` names the flag or variable it came from)."""
    if not path or path.startswith(":memory:") or path.startswith("file:"):
        return
    folder = Path(path).parent
    if folder.is_dir():
        return
    if given is not None:
        raise StoreError(f"{given} {path}: the folder '{folder}' does not exist")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the folder of the run store '{folder}': {exc.strerror or exc}; "
            "choose another place with --db PATH or AFTERSHOCK_DB"
        ) from None


def _retrying(method: Callable[Concatenate[RunStore, P], T]) -> Callable[Concatenate[RunStore, P], T]:
    """Run the method (one transaction) again while another process holds SQLite's lock."""

    @functools.wraps(method)
    def wrapper(self: RunStore, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._retry(lambda: method(self, *args, **kwargs))

    return wrapper


class RunStore:
    """Scenarios, runs and results in one database."""

    def __init__(
        self, url: str | None = None, *, recover: bool = True, lock_timeout: float | None = None
    ) -> None:
        """Open (and migrate) the store at ``url``: a URL, a SQLite path, or ``None`` for
        ``$AFTERSHOCK_DB`` or :func:`default_db_path`.

        ``lock_timeout`` is how long, in seconds, a write waits (retrying with backoff) while
        another process holds SQLite's write lock before it fails with a :class:`StoreError`
        (default ``$AFTERSHOCK_DB_LOCK_TIMEOUT`` or 60).
        """
        given = "--db" if url else "AFTERSHOCK_DB" if os.environ.get("AFTERSHOCK_DB") else None
        self.url = normalise_url(url)
        self.lock_timeout = lock_timeout_from_env() if lock_timeout is None else float(lock_timeout)
        kwargs: dict[str, Any] = {"future": True}
        if self.url.startswith("postgresql"):
            kwargs["connect_args"] = {"connect_timeout": 5}
            kwargs["pool_pre_ping"] = True
        elif self.url.startswith("sqlite"):
            _sqlite_folder(self.url.removeprefix("sqlite:///"), given)
        try:
            self.engine: Engine = create_engine(self.url, **kwargs)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise StoreError(f"cannot use database {redact(self.url)}: {exc}") from None
        if self.url.startswith("sqlite"):
            busy_ms = int(1000 * min(1.0, self.lock_timeout / 4))
            event.listen(self.engine, "connect", _sqlite_pragmas(busy_ms))
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        self.migrate()
        if recover:
            self.recover_orphans()

    @property
    def location(self) -> str:
        """Where the runs are: the SQLite file's path, or the URL without its password."""
        if self.url.startswith("sqlite:///"):
            return self.url.removeprefix("sqlite:///")
        return redact(self.url)

    def _retry(self, op: Callable[[], T], *, timeout: float | None = None, doing: str = "use") -> T:
        """Run ``op`` (one whole transaction); while SQLite says another process holds the
        lock, roll back, wait (backoff 0.05 s doubling to 1 s) and run it again, for up to
        ``timeout`` seconds (default :attr:`lock_timeout`); then a clear :class:`StoreError`.

        Any other failure of the database itself (disk full, disk I/O error, connection lost)
        is a :class:`StoreError` "cannot ``doing`` <store>: <reason>".
        """
        limit = self.lock_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        delay = 0.05
        while True:
            try:
                return op()
            except OperationalError as exc:
                if not _is_locked(exc):
                    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
                    raise StoreError(f"cannot {doing} {redact(self.url)}: {reason}") from None
                left = deadline - time.monotonic()
                if left <= 0:
                    raise StoreError(
                        f"the run store {self.location} is locked by another process; waited {limit:g} s. "
                        "Try again when that process is done, or wait longer with "
                        "AFTERSHOCK_DB_LOCK_TIMEOUT=<seconds>"
                    ) from None
                time.sleep(min(delay, left))
                delay = min(2 * delay, 1.0)

    # -- schema -------------------------------------------------------------------------
    def migrate(self) -> None:
        """Bring the schema to the newest revision (Alembic)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))

        def upgrade() -> None:
            with self.engine.begin() as connection:
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, "head")

        self._retry(upgrade, doing="connect to")

    def session(self) -> Session:
        """A new ORM session."""
        return self._session()

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()

    # -- scenarios ----------------------------------------------------------------------
    @_retrying
    def add_scenario(self, loaded: LoadedScenario, source: str = "file") -> str:
        """Store a validated scenario (once per content); return its id.

        A variant is stored as run: the scenario with the variant's values, under the name
        ``NAME:VARIANT``; loading it with the variant again gives the same scenario. A new
        content under a known name is that name's next version (1, 2, …).
        """
        content, stores_csv = scenario_document(loaded)
        ident = scenario_hash(content, stores_csv, loaded.variant)
        name = loaded.name[:128]  # the column's width (a name and a variant: 257)
        for _ in range(3):
            try:
                with self.session() as s, s.begin():
                    if s.get(ScenarioRow, ident) is not None:
                        return ident
                    last = s.scalar(select(func.max(ScenarioRow.version)).where(ScenarioRow.name == name))
                    s.add(
                        ScenarioRow(
                            id=ident,
                            name=name,
                            title=loaded.scenario.title,
                            source=source,
                            content_yaml=content,
                            stores_csv=stores_csv,
                            version=(last or 0) + 1,
                        )
                    )
                return ident
            except IntegrityError:  # another process stored it, or took that version: look again
                continue
        raise StoreError(f"cannot store scenario '{name}': other processes keep adding versions of it")

    @_retrying
    def scenario_files(self, scenario_id: str, folder: Path) -> Path:
        """Write a stored scenario into ``folder``; return the YAML path."""
        with self.session() as s:
            row = s.get(ScenarioRow, scenario_id)
            if row is None:
                raise NotFoundError(f"no scenario with id '{scenario_id}'")
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "stores.csv").write_text(row.stores_csv, encoding="utf-8")
            path = folder / "scenario.yaml"
            path.write_text(row.content_yaml, encoding="utf-8")
            return path

    @_retrying
    def list_scenarios(self) -> list[dict[str, Any]]:
        """Stored scenarios, newest first, with their version and how many runs use each."""
        with self.session() as s:
            rows = s.scalars(select(ScenarioRow).order_by(ScenarioRow.created_at.desc())).all()
            counted = select(RunRow.scenario_id, func.count()).group_by(RunRow.scenario_id)
            runs = {sid: int(n) for sid, n in s.execute(counted).all()}
            return [
                {
                    "id": r.id,
                    "name": r.name,
                    "title": r.title,
                    "source": r.source,
                    "created_at": r.created_at,
                    "version": r.version,
                    "runs": runs.get(r.id, 0),
                }
                for r in rows
            ]

    @_retrying
    def scenario_by_version(self, name: str, version: int) -> str:
        """The id of version ``version`` of the scenario named ``name``."""
        with self.session() as s:
            found = s.scalar(
                select(ScenarioRow.id).where(ScenarioRow.name == name, ScenarioRow.version == version)
            )
            if found is None:
                raise NotFoundError(f"no version {version} of a scenario named '{name}'")
            return found

    @_retrying
    def scenario_runs(self, scenario_id: str) -> list[str]:
        """Ids of the runs of a scenario (what deleting it deletes too)."""
        with self.session() as s:
            return list(s.scalars(select(RunRow.id).where(RunRow.scenario_id == scenario_id)))

    @_retrying
    def delete_scenario(self, scenario_id: str) -> int:
        """Delete a scenario with its runs and their results, in one transaction (all or
        nothing); return how many runs went. Stop its active runs before."""
        with self.session() as s, s.begin():
            if s.get(ScenarioRow, scenario_id) is None:
                raise NotFoundError(f"no scenario with id '{scenario_id}'")
            runs = select(RunRow.id).where(RunRow.scenario_id == scenario_id)
            s.execute(delete(ResultRow).where(ResultRow.run_id.in_(runs)))
            gone = s.execute(delete(RunRow).where(RunRow.scenario_id == scenario_id)).rowcount
            s.execute(delete(ScenarioRow).where(ScenarioRow.id == scenario_id))
            return int(gone or 0)

    # -- runs ---------------------------------------------------------------------------
    @_retrying
    def create_run(
        self, scenario_id: str, params: dict[str, Any], seed: int, executor: str = "in-process"
    ) -> str:
        """A queued run owned by this process; returns its id."""
        from aftershock import __version__

        ident = uuid.uuid4().hex
        with self.session() as s, s.begin():
            s.add(
                RunRow(
                    id=ident,
                    scenario_id=scenario_id,
                    params=params,
                    seed=seed,
                    executor=executor,
                    status="queued",
                    progress=0.0,
                    version=__version__,
                    owner_pid=os.getpid(),
                    owner_host=socket.gethostname(),
                )
            )
        return ident

    @_retrying
    def start_run(self, run_id: str) -> None:
        """Mark a queued run running, owned by the calling process.

        A run that has already ended (cancelled while queued) is not revived: a StoreError
        says so, and the caller's work stops before it starts.
        """
        with self.session() as s, s.begin():
            started = s.execute(
                update(RunRow)
                .where(RunRow.id == run_id, RunRow.status == "queued")
                .values(
                    status="running",
                    started_at=utcnow(),
                    owner_pid=os.getpid(),
                    owner_host=socket.gethostname(),
                )
            )
            if started.rowcount == 0:
                status = s.scalar(select(RunRow.status).where(RunRow.id == run_id))
                raise StoreError(f"run {run_id} cannot start: it is {status or 'gone'}")

    def set_progress(self, run_id: str, share: float) -> None:
        """Record progress in [0, 1]; skipped (not an error) while another process holds the lock
        for more than a second: progress is advice, the run goes on."""

        def write() -> None:
            with self.session() as s, s.begin():
                s.execute(
                    update(RunRow)
                    .where(RunRow.id == run_id)
                    .values(progress=float(min(max(share, 0.0), 1.0)))
                )

        with contextlib.suppress(StoreError):
            self._retry(write, timeout=min(self.lock_timeout, 1.0))

    def complete_run(self, run_id: str, result: Any) -> None:
        """Store the result and mark the run done, in one transaction."""
        summary = json.loads(json.dumps(result.summary, default=float))
        metrics = summary.get("metrics", {})
        daily = _daily_parquet(result)
        regions = _regions_parquet(result)

        def write() -> None:
            with self.session() as s, s.begin():
                # a run cancelled or timed out meanwhile keeps how it ended: no result is stored
                done = s.execute(
                    update(RunRow)
                    .where(RunRow.id == run_id, RunRow.status.in_(ACTIVE))
                    .values(status="done", progress=1.0, finished_at=utcnow())
                )
                if done.rowcount == 0:
                    return
                s.add(
                    ResultRow(
                        run_id=run_id,
                        summary=summary,
                        daily_parquet=daily,
                        regions_parquet=regions,
                        **{c: (metrics.get(c) or {}).get("mean") for c in METRIC_COLUMNS},
                    )
                )

        self._retry(write)

    def fail_run(self, run_id: str, error: str) -> None:
        """Mark a run failed with a message, unless it has already ended."""
        self.end_run(run_id, "failed", error)

    @_retrying
    def end_run(self, run_id: str, status: str, error: str) -> bool:
        """Mark a queued or running run ``failed`` or ``cancelled`` with a message.

        A run that has already ended (done, failed, cancelled) or no longer exists is left
        as it is, so the first word on how a run ended stays: a worker stopped after its run
        was cancelled cannot turn it into "failed". Returns whether the run was changed.
        """
        if status not in ("failed", "cancelled"):
            raise ValueError(f"end_run: status must be failed or cancelled, got {status!r}")
        with self.session() as s, s.begin():
            changed = s.execute(
                update(RunRow)
                .where(RunRow.id == run_id, RunRow.status.in_(ACTIVE))
                .values(status=status, error=error[:2000], finished_at=utcnow())
            )
            return bool(changed.rowcount)

    @_retrying
    def recover_orphans(self) -> int:
        """Mark queued/running runs of this host whose process is gone as failed; return how many."""
        host = socket.gethostname()
        with self.session() as s, s.begin():
            rows = s.scalars(
                select(RunRow).where(RunRow.status.in_(("queued", "running")), RunRow.owner_host == host)
            ).all()
            dead = [r for r in rows if not _alive(r.owner_pid)]
            for r in dead:
                r.status = "failed"
                r.error = "interrupted: the process running it stopped (crash or kill) before it finished"
                r.finished_at = utcnow()
            return len(dead)

    @_retrying
    def list_runs(
        self, *, limit: int = 50, offset: int = 0, scenario: str | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of runs, newest first, and the total count."""
        query = select(RunRow, ScenarioRow.name).join(ScenarioRow)
        count = select(func.count()).select_from(RunRow).join(ScenarioRow)
        if scenario:
            query = query.where(ScenarioRow.name == scenario)
            count = count.where(ScenarioRow.name == scenario)
        with self.session() as s:
            total = int(s.scalar(count) or 0)
            rows = s.execute(query.order_by(RunRow.created_at.desc()).limit(limit).offset(offset)).all()
            out = []
            for run, name in rows:
                item = _run_dict(run, name)
                result = s.get(ResultRow, run.id) if run.status == "done" else None
                if result is not None:
                    item["metrics"] = {c: getattr(result, c) for c in METRIC_COLUMNS}
                out.append(item)
            return out, total

    @_retrying
    def get_run(self, run_id: str) -> dict[str, Any]:
        """A run with its summary (when done)."""
        with self.session() as s:
            found = s.execute(
                select(RunRow, ScenarioRow.name, ResultRow.summary)
                .join(ScenarioRow, RunRow.scenario_id == ScenarioRow.id)
                .outerjoin(ResultRow, ResultRow.run_id == RunRow.id)
                .where(RunRow.id == run_id)
            ).first()
            if found is None:
                raise NotFoundError(f"no run with id '{run_id}'")
            run, name, summary = found
            item = _run_dict(run, name)
            item["summary"] = summary
            return item

    @_retrying
    def daily(self, run_id: str) -> Any:
        """Daily series of a finished run as a pandas DataFrame (replication, day, variables)."""
        import pandas as pd

        with self.session() as s:
            result = s.get(ResultRow, run_id)
            if result is None:
                raise NotFoundError(f"run '{run_id}' has no result (not done, or no such run)")
            return pd.read_parquet(io.BytesIO(result.daily_parquet))

    @_retrying
    def regions(self, run_id: str) -> Any:
        """Lost sales per region and replication of a finished run (DataFrame)."""
        import pandas as pd

        with self.session() as s:
            result = s.get(ResultRow, run_id)
            if result is None or result.regions_parquet is None:
                raise NotFoundError(f"run '{run_id}' has no regional result")
            return pd.read_parquet(io.BytesIO(result.regions_parquet))

    def export_run(self, run_id: str, path: Path) -> None:
        """Write a finished run's daily series to Parquet or CSV (atomically)."""
        from aftershock.io.results import write_atomic

        frame = self.daily(run_id)
        suffix = Path(path).suffix.lower()
        if suffix == ".parquet":
            write_atomic(Path(path), lambda tmp: frame.to_parquet(tmp, index=False))
        elif suffix == ".csv":
            write_atomic(Path(path), lambda tmp: frame.to_csv(tmp, index=False))
        else:
            from aftershock.errors import UsageError

            raise UsageError(f"--out {path}: expected a .parquet or .csv file name")

    @_retrying
    def delete_run(self, run_id: str) -> None:
        """Delete a run and its result."""
        with self.session() as s, s.begin():
            if s.get(RunRow, run_id) is None:
                raise NotFoundError(f"no run with id '{run_id}'")
            s.execute(delete(ResultRow).where(ResultRow.run_id == run_id))
            s.execute(delete(RunRow).where(RunRow.id == run_id))


def _run_dict(run: RunRow, scenario_name: str) -> dict[str, Any]:
    def iso(t: dt.datetime | None) -> str | None:
        return None if t is None else t.isoformat()

    return {
        "id": run.id,
        "scenario": scenario_name,
        "scenario_id": run.scenario_id,
        "kind": run.kind,
        "params": run.params,
        "seed": run.seed,
        "executor": run.executor,
        "status": run.status,
        "progress": run.progress,
        "error": run.error,
        "version": run.version,
        "created_at": iso(run.created_at),
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
    }


def _daily_parquet(result: Any) -> bytes:
    ds = result.dataset
    names = [v for v in ds.data_vars if ds[v].dims == ("replication", "day")]
    frame = ds[names].drop_vars([c for c in ("date",) if c in ds.coords]).to_dataframe().reset_index()
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def _regions_parquet(result: Any) -> bytes | None:
    ds = result.dataset
    if "region" not in ds.coords or "store_lost_revenue_total" not in ds:
        return None
    lost = ds[["store_lost_revenue_total", "store_lost_units_total", "store_stockout_days"]]
    by_region = lost.groupby("region").sum().to_dataframe().reset_index()
    buf = io.BytesIO()
    by_region.to_parquet(buf, index=False)
    return buf.getvalue()


def scenario_row(store: RunStore, scenario_id: str) -> dict[str, Any]:
    """A stored scenario's metadata and YAML text."""
    return store._retry(lambda: _scenario_row(store, scenario_id))


def _scenario_row(store: RunStore, scenario_id: str) -> dict[str, Any]:
    with store.session() as s:
        row = s.get(ScenarioRow, scenario_id)
        if row is None:
            raise NotFoundError(f"no scenario with id '{scenario_id}'")
        return {
            "id": row.id,
            "name": row.name,
            "title": row.title,
            "source": row.source,
            "content_yaml": row.content_yaml,
            "stores": row.stores_csv.count("\n") - 1,
            "created_at": row.created_at.isoformat(),
            "version": row.version,
        }
