"""Promotion rules of asynchronous successive halving, as pure functions of a value matrix.

ASHA (Li et al., MLSys 2020) promotes a job finished at rung k as soon as it is in the top
1/eta of the jobs finished at rung k: no rung waits for a full cohort, so no worker idles.

"Top" needs an order. One objective: the value, lowest first. Several objectives (seed 002,
MOASHA): non-dominated sorting ranks the jobs by front (``pareto.pareto_ranks``), and within a
front the larger crowding distance (``pareto.crowding_distance``, NSGA-II) comes first. Crowding,
not an epsilon-net, because it needs no scale: it is normalized by each objective's range, and it
gives the front's extremes (the most accurate and the cheapest network) infinite distance, so
those are promoted first and the promoted set stays spread along the front instead of crowding
where the front is dense. Ties (equal rank and distance) go to the earlier row, so the order is
deterministic.

Rows that may not be promoted (infeasible, early-terminated, a non-finite value) still count in
the number of finished jobs but sort last: they can never take a promotion slot from a job that
can use it.
"""

from __future__ import annotations

import numpy as np

from hyperpower.optimize.pareto import crowding_distance, pareto_ranks


def promotion_order(values: np.ndarray, eligible: np.ndarray | None = None) -> np.ndarray:
    """Row indices of the ``(n, m)`` minimized ``values`` best first (see the module doc);
    ineligible rows, and rows with a non-finite value, last in index order."""
    matrix = np.asarray(values, dtype=float)
    matrix = matrix.reshape(len(matrix), -1) if matrix.size else matrix.reshape(0, 1)
    n = len(matrix)
    usable = np.all(np.isfinite(matrix), axis=1)
    if eligible is not None:
        usable &= np.asarray(eligible, dtype=bool)
    rows = np.flatnonzero(usable)
    rest = np.flatnonzero(~usable)
    if len(rows) == 0:
        return rest
    chosen = matrix[rows]
    if chosen.shape[1] == 1:
        order = rows[np.argsort(chosen[:, 0], kind="stable")]
    else:
        ranks = pareto_ranks(chosen)
        crowding = np.zeros(len(rows))
        for rank in np.unique(ranks):
            members = np.flatnonzero(ranks == rank)
            crowding[members] = crowding_distance(chosen[members])
        order = rows[np.lexsort((rows, -crowding, ranks))]
    return np.concatenate([order, rest]).astype(int) if n else np.zeros(0, dtype=int)


def promotable(values: np.ndarray, eta: int, eligible: np.ndarray | None = None,
               promoted: np.ndarray | None = None) -> list[int]:
    """Rows ASHA promotes now: among the top floor(n / eta) of ``promotion_order``, those eligible
    and not ``promoted`` already, best first. Fewer than eta finished jobs promote nobody."""
    n = len(np.asarray(values))
    top = promotion_order(values, eligible)[: n // int(eta)]
    usable = np.ones(n, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
    done = np.zeros(n, dtype=bool) if promoted is None else np.asarray(promoted, dtype=bool)
    finite = np.all(np.isfinite(np.asarray(values, dtype=float).reshape(n, -1)), axis=1) if n else usable
    return [int(i) for i in top if usable[i] and finite[i] and not done[i]]
