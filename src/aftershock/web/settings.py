"""Server settings."""

from __future__ import annotations

from dataclasses import dataclass

from aftershock.limits import SERVER as SERVER_LIMITS
from aftershock.limits import Limits

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Settings:
    """How the server runs: database, who may write and read, limits."""

    db: str | None = None
    host: str = "127.0.0.1"
    token: str | None = None
    public_reads: bool = True
    max_body_bytes: int = 5 * 2**20
    run_workers: int = 2
    #: Seconds a run (or a plan/optimise call) may take in its worker before it is stopped
    #: and marked failed; 0 for no limit.
    run_timeout_s: float = 3600.0
    limits: Limits = SERVER_LIMITS
    demo_run: bool = True
    #: Host names requests may use (``*`` for any); empty: see ``guard.allowed_hosts``.
    allowed_hosts: tuple[str, ...] = ()

    @property
    def max_replications(self) -> int:
        """Most replications of one run or replay on this server."""
        return self.limits.replications

    @property
    def writes_need_token(self) -> bool:
        """Writes need the bearer token when bound beyond loopback or when a token is set."""
        return self.token is not None or self.host not in LOOPBACK
