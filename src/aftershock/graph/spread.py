"""Compromise spreading along control edges (attack paths)."""

from __future__ import annotations

import numpy as np

from aftershock.graph.compile import CompiledNetwork

#: Day value of a service that is never compromised.
NEVER = np.iinfo(np.int64).max // 4


def compromise_days(
    net: CompiledNetwork,
    start_service: int,
    start_day: int,
    live_edges: np.ndarray,
) -> np.ndarray:
    """Day each service is compromised (``NEVER`` if not), shape ``(batch, n_services)``.

    ``live_edges`` is ``(batch, n_edges)`` boolean: whether the compromise crosses each
    control edge in that replication. The earliest arrival over live paths wins
    (Bellman-Ford on edge delays, vectorised over the batch).
    """
    batch = live_edges.shape[0]
    day = np.full((batch, net.n_services), NEVER, dtype=np.int64)
    day[:, start_service] = start_day
    for _ in range(net.n_services):
        changed = False
        for e in range(net.control_from.size):
            src, dst = net.control_from[e], net.control_to[e]
            arrival = np.where(
                live_edges[:, e] & (day[:, src] < NEVER),
                day[:, src] + net.control_delay_days[e],
                NEVER,
            )
            better = arrival < day[:, dst]
            if better.any():
                day[:, dst] = np.where(better, arrival, day[:, dst])
                changed = True
        if not changed:
            break
    return day


def worst_case(net: CompiledNetwork, start_service: int, start_day: int = 0) -> np.ndarray:
    """Compromise days when every edge with ``p > 0`` carries the attack, shape ``(n_services,)``."""
    live = (net.control_p > 0)[None, :]
    return compromise_days(net, start_service, start_day, live)[0]


def sample_live_edges(
    net: CompiledNetwork, rng: np.random.Generator, batch: int, p_override: float | None = None
) -> np.ndarray:
    """Draw which control edges carry the attack, independently with their ``p``."""
    p = net.control_p if p_override is None else np.full_like(net.control_p, p_override)
    return rng.random((batch, p.size)) < p


def reach_probability(
    net: CompiledNetwork, start_service: int, rng: np.random.Generator, samples: int = 20000
) -> np.ndarray:
    """Monte Carlo probability that each service is compromised, shape ``(n_services,)``."""
    live = sample_live_edges(net, rng, samples)
    days = compromise_days(net, start_service, 0, live)
    return (days < NEVER).mean(axis=0)
