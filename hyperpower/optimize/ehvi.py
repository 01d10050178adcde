"""Expected hypervolume improvement (EHVI) under independent Gaussian objectives, exact.

With the region the front leaves free cut into disjoint boxes (``pareto.nondominated_boxes``),
the improvement of a point y is HVI(y) = sum_b prod_j (u_bj - max(y_j, l_bj))^+. The GPs of
different objectives are independent, so the expectation of each product is the product of
one-dimensional expectations, and (u - max(Y, l))^+ = (u - Y)^+ - (l - Y)^+ for l < u gives

    EHVI(x) = sum_b prod_j [psi_j(u_bj) - psi_j(l_bj)],   psi_j(c) = E[(c - Y_j)^+],

psi being the expected improvement formula. For two objectives the boxes are the k + 1 strips
under the staircase (the closed form of Emmerich et al.); beyond, the (k + 1)^(m - 1) cell
columns keep the result exact, so no Monte Carlo noise reaches the acquisition search.

An objective known a priori (a hardware model) has variance zero: psi_j(c) = (c - f_j(x))^+,
no GP and no integration, and for error x power EHVI becomes a one-dimensional closed form.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from scipy.special import ndtr

from hyperpower.optimize.acquisition import INV_SQRT_2PI
from hyperpower.optimize.pareto import nondominated_boxes

#: (samples x candidates x boxes) elements per block: one block for two objectives, several
#: for three or more objectives, whose boxes grow as (k + 1)^(m - 1)
BLOCK_ELEMENTS = 4_000_000
TYPICAL_SAMPLES = 10
#: a-priori objective: unit-cube points (k, d) -> values (k,)
Known = Callable[[np.ndarray], np.ndarray]


def improvement_below(mean: np.ndarray, variance: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """psi(c) = E[(c - Y)^+] for Y ~ N(mean, variance), broadcast; 0 where c = -inf, and the
    plain (c - mean)^+ where the variance is zero (a known objective)."""
    mean, variance, bound = np.broadcast_arrays(mean, variance, bound)
    result = np.zeros(mean.shape)
    finite = np.isfinite(bound)
    certain = finite & (variance <= 0)
    result[certain] = np.maximum(bound[certain] - mean[certain], 0.0)
    uncertain = finite & (variance > 0)
    sigma = np.sqrt(variance[uncertain])
    z = (bound[uncertain] - mean[uncertain]) / sigma
    result[uncertain] = np.maximum(sigma * (z * ndtr(z) + INV_SQRT_2PI * np.exp(-0.5 * z * z)), 0.0)
    return result


def expected_hvi_boxes(mean: np.ndarray, variance: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """mean, variance (..., m) of independent Gaussians; boxes (B, m) -> EHVI (...)."""
    total = np.ones(mean.shape[:-1] + (len(lower),))
    for j in range(mean.shape[-1]):
        mu, var = mean[..., j, None], variance[..., j, None]
        total = total * (improvement_below(mu, var, upper[:, j]) - improvement_below(mu, var, lower[:, j]))
    return total.sum(axis=-1)


def expected_hvi(mean: np.ndarray, variance: np.ndarray, front: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """EHVI of points with independent Gaussian objectives (..., m) over ``front`` (k, m)."""
    lower, upper = nondominated_boxes(front, reference)
    return expected_hvi_boxes(np.asarray(mean, dtype=float), np.asarray(variance, dtype=float), lower, upper)


class ExpectedHypervolumeImprovement:
    """EHVI averaged over the MCMC samples of the black-box objectives' GPs.

    ``ensembles``: per objective a fitted ensemble (``predict`` -> (s, n) means and variances),
    or None for an objective given by ``known[j]``; all ensembles have the same sample count.
    The boxes are cut once, here, so the search's thousands of calls only do the arithmetic.
    """

    def __init__(self, ensembles: Sequence[object | None], known: Sequence[Known | None],
                 front: np.ndarray, reference: np.ndarray) -> None:
        self.ensembles = list(ensembles)
        self.known = list(known)
        self.lower, self.upper = nondominated_boxes(front, reference)

    def moments(self, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(n, d) -> means and variances (s, n, m); a known objective's value with variance 0."""
        candidates = np.atleast_2d(candidates)
        columns = []
        for ensemble, known in zip(self.ensembles, self.known):
            if ensemble is None:
                value = np.asarray(known(candidates), dtype=float)[None, :]
                columns.append((value, np.zeros_like(value)))
            else:
                columns.append(ensemble.predict(candidates))
        samples = max(c[0].shape[0] for c in columns)
        means = np.stack([np.broadcast_to(c[0], (samples, len(candidates))) for c in columns], axis=-1)
        variances = np.stack([np.broadcast_to(c[1], (samples, len(candidates))) for c in columns], axis=-1)
        return means, variances

    def __call__(self, candidates: np.ndarray) -> np.ndarray:
        candidates = np.atleast_2d(candidates)
        scores = np.empty(len(candidates))
        block = max(64, BLOCK_ELEMENTS // (TYPICAL_SAMPLES * len(self.lower)))
        for start in range(0, len(candidates), block):
            means, variances = self.moments(candidates[start:start + block])
            scores[start:start + block] = expected_hvi_boxes(means, variances, self.lower, self.upper).mean(axis=0)
        return scores
