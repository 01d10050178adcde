"""Gradient polish of the acquisition's best points along their continuous coordinates.

A sampled search (Sobol candidates, then ever smaller Gaussian steps) gets within about 1e-3 of
the acquisition's peak in the unit cube; where the optimum sits on a curved constraint boundary
(Gramacy's toy) the last digits are what separate two optimizers. Spearmint polishes its best
candidates with L-BFGS-B, and so do Optuna's GPSampler and BoTorch; this module does the same on
the continuous (FLOAT) coordinates only, the discrete ones staying where the search put them.

What is optimized is log(acquisition): EI and EHVI span many orders of magnitude (1e-12 next to
1e-2), and a quasi-Newton method on the raw value stops at once where the value is tiny. The
gradient is a central finite difference of the MCMC-averaged acquisition: exact enough (the
acquisition is a smooth, deterministic function of the candidate once the GPs are fitted) and
it works for every acquisition the strategies compose, products of probabilities included,
without each wrapper carrying its own derivative. All starts are polished together as one
L-BFGS-B problem over the stacked coordinates (the objective is a sum of independent terms, so
its Hessian is block diagonal; BoTorch's ``gen_candidates_scipy`` does the same), so every
function evaluation is one batched call of the acquisition: starts x (1 + 2 x continuous
coordinates) points.

A point the hard filter rejects (``feasible``) scores zero; the best point seen for each start
over every evaluation is kept, so the polish never returns anything worse than its start.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

Acquisition = Callable[[np.ndarray], np.ndarray]
FeasibleMask = Callable[[np.ndarray], np.ndarray]

#: floor of the acquisition under the logarithm (zero where a hard constraint rejects a point)
LOG_FLOOR = 1e-300
#: central-difference step in the unit cube
STEP = 1e-6


@dataclasses.dataclass
class _Best:
    """The best (point, acquisition value) seen for each start."""

    points: np.ndarray
    scores: np.ndarray

    def update(self, points: np.ndarray, scores: np.ndarray) -> None:
        better = scores > self.scores
        self.points[better] = points[better]
        self.scores[better] = scores[better]


def _scored(acquisition: Acquisition, points: np.ndarray, feasible: FeasibleMask | None) -> np.ndarray:
    scores = np.asarray(acquisition(points), dtype=float)
    if feasible is not None:
        scores = np.where(feasible(points), scores, 0.0)
    return np.where(np.isfinite(scores), scores, 0.0)


def polish(
    acquisition: Acquisition, starts: np.ndarray, columns: np.ndarray,
    feasible: FeasibleMask | None = None, iterations: int = 50,
) -> tuple[np.ndarray, np.ndarray]:
    """Move each start (k, dim) along ``columns`` (c,) to a local maximum of the acquisition.

    Returns the best points (k, dim) and their acquisition values (k,), each at least as good
    as its start; coordinates outside ``columns`` are never changed. The work is ``iterations``
    L-BFGS-B steps (a step costs one or a few acquisition calls on k (1 + 2c) points).
    """
    from scipy.optimize import minimize  # here, not at import: every CLI start would pay for it

    starts = np.array(np.atleast_2d(starts), dtype=float)
    count, width = len(starts), len(columns)
    best = _Best(starts.copy(), _scored(acquisition, starts, feasible))
    if width == 0 or count == 0 or iterations <= 0:
        return best.points, best.scores
    offsets = np.concatenate([np.zeros((1, width)), np.eye(width), -np.eye(width)]) * STEP  # (1 + 2c, c)

    def value_and_gradient(flat: np.ndarray) -> tuple[float, np.ndarray]:
        coordinates = flat.reshape(count, width)
        probes = np.clip(coordinates[:, None, :] + offsets[None, :, :], 0.0, 1.0)  # (k, 1 + 2c, c)
        points = np.repeat(starts[:, None, :], len(offsets), axis=1)
        points[:, :, columns] = probes
        scores = _scored(acquisition, points.reshape(-1, starts.shape[1]), feasible).reshape(count, len(offsets))
        best.update(points[:, 0, :], scores[:, 0])
        logs = np.log(np.maximum(scores, LOG_FLOOR))
        spans = probes[:, 1:1 + width, :] - probes[:, 1 + width:, :]  # (k, c, c): the actual steps at the bounds
        steps = np.maximum(np.einsum("kcc->kc", spans), 1e-300)
        gradient = (logs[:, 1:1 + width] - logs[:, 1 + width:]) / steps
        return -float(logs[:, 0].sum()), -gradient.ravel()

    minimize(value_and_gradient, starts[:, columns].ravel(), jac=True, method="L-BFGS-B",
             bounds=[(0.0, 1.0)] * (count * width), options={"maxiter": iterations})
    return best.points, best.scores
