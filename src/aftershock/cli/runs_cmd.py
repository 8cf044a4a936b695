"""``runs``: list, show, delete and export stored runs; ``serve``: the dashboard and API."""

from __future__ import annotations

import dataclasses
import errno
import os
import socket
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from aftershock import api
from aftershock.cli.app import DbOpt, JsonOpt, app
from aftershock.cli.output import console, print_json
from aftershock.formatting import fmt
from aftershock.limits import SERVER as SERVER_LIMITS

runs_app = typer.Typer(help="Stored runs: list, show, delete, export.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")


def _day(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


@runs_app.command("list")
def runs_list(
    db: DbOpt = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Runs per page.")] = 20,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many (newest first).")] = 0,
    scenario: Annotated[
        str | None, typer.Option(help="Only runs of this scenario name (NAME:VARIANT for a variant's runs).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """List stored runs, newest first, with their headline metrics."""
    store = api.open_store(db)
    rows, total = store.list_runs(limit=limit, offset=offset, scenario=scenario)
    if json_out:
        print_json({"total": total, "runs": rows})
        return
    table = Table(
        title=f"Runs {offset + 1}–{offset + len(rows)} of {total} in {store.location}", title_justify="left"
    )
    for col in ("id", "scenario", "status", "created", "reps", "lost sales", "backlog clear", "service back"):
        table.add_column(col)
    for r in rows:
        m = r.get("metrics") or {}
        table.add_row(
            r["id"][:12],
            r["scenario"],
            r["status"],
            (r["created_at"] or "")[:19],
            str(r["params"].get("replications", "")),
            fmt("lost_sales_units", m.get("lost_sales_units")),
            _day(m.get("backlog_clear_day")),
            _day(m.get("service_restored_day")),
        )
    console.print(table)


def _resolve(store: api.RunStore, run_id: str) -> str:
    """A full run id from a unique prefix (as shown by `runs list`)."""
    from aftershock.errors import StoreError

    if len(run_id) == 32:
        return run_id
    rows, _ = store.list_runs(limit=10_000)
    hits = [r["id"] for r in rows if r["id"].startswith(run_id)]
    if len(hits) != 1:
        raise StoreError(
            f"no run with id '{run_id}'" if not hits else f"run id prefix '{run_id}' is ambiguous"
        )
    return hits[0]


@runs_app.command("show")
def runs_show(run_id: str, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Show one run: parameters, status and summary."""
    store = api.open_store(db)
    run = store.get_run(_resolve(store, run_id))
    if json_out:
        print_json(run)
        return
    console.print(
        f"[bold]run {run['id']}[/] {run['scenario']} — {run['status']}"
        f"{' (' + run['error'] + ')' if run['error'] else ''}; seed {run['seed']}, {run['params']}"
    )
    if run["summary"]:
        from aftershock.cli.simulate_view import render_summary

        render_summary(run["summary"])


@runs_app.command("delete")
def runs_delete(run_id: str, db: DbOpt = None) -> None:
    """Delete a run and its results."""
    store = api.open_store(db)
    full = _resolve(store, run_id)
    store.delete_run(full)
    console.print(f"deleted run {full}")


@runs_app.command("export")
def runs_export(
    run_id: str,
    out: Annotated[Path, typer.Option("--out", help="A .parquet or .csv file.")],
    db: DbOpt = None,
) -> None:
    """Write a run's daily series (replication × day) to Parquet or CSV."""
    from aftershock.io.results import check_output_path

    check_output_path(out, suffixes=(".parquet", ".csv"))
    store = api.open_store(db)
    store.export_run(_resolve(store, run_id), out)
    console.print(f"wrote {out}")


@app.command("serve")
def serve_cmd(
    host: Annotated[str, typer.Option(help="Address to bind (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
    db: DbOpt = None,
    token_file: Annotated[
        Path | None, typer.Option("--token-file", help="File holding the bearer token for writes.")
    ] = None,
    private_reads: Annotated[bool, typer.Option("--private-reads", help="Reads need the token too.")] = False,
    run_workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes for runs.")] = 2,
    demo_run: Annotated[bool, typer.Option(help="Start a demo run when the store has none.")] = True,
    run_timeout: Annotated[
        float,
        typer.Option(
            "--run-timeout",
            min=0,
            help="Seconds a run (or a plan or optimise request) may take before its worker is "
            "stopped and the run marked failed; 0 for no limit.",
        ),
    ] = 3600.0,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-host",
            help="A host name clients may use to reach the server (repeatable; '*' for any). "
            "Default: the loopback names and --host; any name when bound to 0.0.0.0. Requests "
            "naming another Host are refused (DNS rebinding).",
        ),
    ] = None,
    max_replications: Annotated[
        int, typer.Option("--max-replications", min=1, max=100_000, help="Most replications of one run.")
    ] = SERVER_LIMITS.replications,
    max_store_days: Annotated[
        int,
        typer.Option(
            "--max-store-days",
            min=1,
            help="Most replications × days × stores × items of one run (its work for the engine).",
        ),
    ] = SERVER_LIMITS.store_days,
) -> None:
    """Serve the dashboard and the REST API (OpenAPI docs at /docs); runs are stored in --db.

    Writes (upload, run, delete) need `Authorization: Bearer <token>` when the server is bound
    beyond loopback (a token is generated and printed if no --token-file is given) or when
    --token-file is set.
    """
    import secrets

    import uvicorn

    from aftershock.errors import UsageError
    from aftershock.runstore import RunStore
    from aftershock.web import Settings, create_app
    from aftershock.web.settings import LOOPBACK

    token = None
    generated = False
    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(f"--token-file {token_file}: {exc.strerror}") from None
        if len(token) < 16:
            raise UsageError(f"--token-file {token_file}: expected a token of at least 16 characters")
    elif host not in LOOPBACK:
        token = secrets.token_urlsafe(24)
        generated = True
    if private_reads and token is None:
        raise UsageError("--private-reads needs --token-file")
    RunStore(db).close()  # fail here, with a clear message, if the database is unreachable
    settings = Settings(
        db=db,
        host=host,
        token=token,
        public_reads=not private_reads,
        run_workers=run_workers,
        demo_run=demo_run,
        run_timeout_s=run_timeout,
        allowed_hosts=tuple(allowed_host or ()),
        limits=dataclasses.replace(SERVER_LIMITS, replications=max_replications, store_days=max_store_days),
    )
    sock = _bound_socket(host, port)  # a busy port is one clear line, before any announcement
    server = uvicorn.Server(
        # on SIGTERM or Ctrl-C: open requests get 5 s, then the app stops its workers
        uvicorn.Config(create_app(settings), log_level="warning", timeout_graceful_shutdown=5)
    )
    if generated:
        console.print(f"bound to {host}: writes need the bearer token [bold]{token}[/]")
    shown = f"[{host}]" if ":" in host else host
    console.print(f"aftershock dashboard on http://{shown}:{port}  (API docs: /docs)")
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    if not server.started:  # the app failed to start; uvicorn has logged why
        raise SystemExit(3)


def _bound_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` for the server to listen on; a one-line
    :class:`UsageError` if the port is taken or the address cannot be used."""
    from aftershock.errors import UsageError

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise UsageError(f"--host {host}: not an address of this machine ({exc})") from None
    sock = socket.socket(family, kind, proto)
    try:
        if os.name != "nt":  # as uvicorn: a port in TIME_WAIT can be bound again
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(
                f"port {port} on {host} is in use: {exc.strerror}; stop what uses it or choose another --port"
            ) from None
        raise UsageError(f"cannot listen on port {port} on {host}: {exc.strerror or exc}") from None
    return sock
