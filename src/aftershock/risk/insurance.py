"""Insurance terms applied to simulated incidents: what the policy pays, what the company keeps.

For one incident (an occurrence of a threat or common cause):

- the *gross* loss is the engine's loss beyond a year without incident (lost margin, surge
  cost, margin of customers lost) plus the response cost;
- the *waiting period* of ``w`` days, counted from the compromise, removes from cover the
  business-interruption loss (lost margin and customers lost, day by day) that falls in it;
  the surge cost and the response cost are covered without it;
- the policy pays ``min(max(0, covered − deductible), cap)``, where ``cap`` is the limit,
  or for a supplier's incident (contingent business interruption) the smaller of the limit
  and the CBI sublimit;
- the *net* loss is what the company keeps: gross − paid.

Without terms nothing is paid and net equals gross.
"""

from __future__ import annotations

import numpy as np

from aftershock.model.insurance import InsuranceTerms


def recovery(covered: np.ndarray | float, deductible: float, cap: float | None) -> np.ndarray:
    """What the policy pays of a covered loss ``L``: ``min(max(0, L − deductible), cap)``."""
    paid = np.maximum(np.asarray(covered, dtype=float) - deductible, 0.0)
    return paid if cap is None else np.minimum(paid, cap)


def covered_share_of_days(
    horizon: int, start_day: int, start_share: float, waiting_days: float
) -> np.ndarray:
    """Share of each day's business-interruption loss that falls after the waiting period, ``(horizon,)``.

    The interruption starts at ``start_share`` of day ``start_day`` (0: the whole day) and
    the waiting period runs ``waiting_days`` from there. A day's loss is taken as spread
    evenly over the part of it after the start; days before the start are not cut.
    """
    days = np.arange(horizon, dtype=float)
    start = start_day + start_share
    end = start + waiting_days
    # the part of each day over which its loss is spread: [lo, d + 1)
    lo = np.where(days == start_day, start, days)
    width = days + 1.0 - lo
    after = days + 1.0 - np.maximum(end, lo)
    share = np.divide(after, width, out=(end <= days + 1.0).astype(float), where=width > 0)
    share = np.clip(share, 0.0, 1.0)
    share[days < start_day] = 1.0
    return share


def waiting_period_loss(
    daily: np.ndarray, start_day: int, start_share: float, waiting_days: float
) -> np.ndarray:
    """The business-interruption loss inside the waiting period, per row of ``daily`` (rows, days)."""
    if waiting_days <= 0:
        return np.zeros(daily.shape[0])
    share = covered_share_of_days(daily.shape[1], start_day, start_share, waiting_days)
    return daily @ (1.0 - share)


def paid_per_occurrence(
    terms: InsuranceTerms | None,
    engine_loss: np.ndarray,
    response: np.ndarray,
    waiting_loss: np.ndarray,
    supplier: np.ndarray,
) -> np.ndarray:
    """What the policy pays for each occurrence (zeros without terms).

    ``engine_loss`` is each occurrence's gross engine loss, ``waiting_loss`` the part of it in
    the waiting period (cut to ``[0, engine_loss]``), ``supplier`` whether a supplier caused it.
    """
    if terms is None:
        return np.zeros_like(engine_loss, dtype=float)
    covered = engine_loss - np.clip(waiting_loss, 0.0, engine_loss) + response
    paid = recovery(covered, terms.deductible, terms.limit)
    if terms.cbi_sublimit is not None:
        paid = np.where(supplier, np.minimum(paid, terms.cbi_sublimit), paid)
    return paid
