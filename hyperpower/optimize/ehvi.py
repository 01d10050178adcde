"""Expected hypervolume improvement (EHVI) under independent Gaussian objectives.

With the region the front leaves free cut into disjoint boxes (``boxes.nondominated_boxes``),
the improvement of a point y is HVI(y) = sum_b prod_j (u_bj - max(y_j, l_bj))^+. The GPs of
different objectives are independent, so the expectation of each product is the product of
one-dimensional expectations, and (u - max(Y, l))^+ = (u - Y)^+ - (l - Y)^+ for l < u gives

    EHVI(x) = sum_b prod_j [psi_j(u_bj) - psi_j(l_bj)],   psi_j(c) = E[(c - Y_j)^+],

psi being the expected improvement formula, evaluated once per distinct bound value ("edge",
k + 2 of them per objective) and gathered per box. For two objectives the boxes are the k + 1
strips under the staircase (the closed form of Emmerich et al.); for three and four, Lacour et
al.'s decomposition keeps them few (``boxes``), so the result stays exact.

**Cost bound.** A candidate costs O(m (B + k)) per GP sample for B boxes. Past ``max_boxes``
boxes (five objectives, or hundreds of front points in four) the exact sum is replaced by a
Monte Carlo estimate whose cost does not grow with the front (``MonteCarloEHVI``): the same
integral written over the free region, EHVI(x) = integral over free z of P(Y(x) <= z) dz, is
split into the part outside the box [ideal point, reference] (all of it free, exact in closed
form) and the part inside, estimated from ``mc_points`` fixed quasi-random points of the free
region (the same points for every candidate, so the estimate is a smooth, deterministic function
of x and candidates compare on common random numbers). ``MonteCarloEHVI.standard_error`` states
each estimate's error. Candidates are scored in blocks sized so that no temporary exceeds
``BLOCK_ELEMENTS`` floats, down to one candidate at a time.

An objective known a priori (a hardware model) has variance zero: psi_j(c) = (c - f_j(x))^+,
no GP and no integration, and for error x power EHVI becomes a one-dimensional closed form.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from scipy.special import ndtr

from hyperpower.optimize.acquisition import INV_SQRT_2PI
from hyperpower.optimize.boxes import BoxSet, TooManyBoxes, nondominated_boxes

#: floats of the largest (samples x candidates x boxes-or-points) temporary of one block
BLOCK_ELEMENTS = 4_000_000
#: past this many boxes EHVI is estimated by Monte Carlo (the per-candidate cost stays bounded)
MAX_EXACT_BOXES = 16_384
#: points of the free region the Monte Carlo estimate integrates over
MC_POINTS = 2048
#: raw quasi-random draws per kept point at most, when sampling the free region by rejection
MC_DRAW_ROUNDS = 64
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


def probability_below(mean: np.ndarray, variance: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """P(Y <= c) for Y ~ N(mean, variance), broadcast; the step 1[mean <= c] at variance zero."""
    sigma = np.sqrt(np.maximum(variance, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (bound - mean) / sigma
    return np.where(sigma > 0, ndtr(z), (mean <= bound).astype(float))


def expected_hvi_boxes(mean: np.ndarray, variance: np.ndarray, boxes: BoxSet) -> np.ndarray:
    """mean, variance (..., m) of independent Gaussians; boxes -> EHVI (...)."""
    total = None
    for j, edges in enumerate(boxes.edges):
        psi = improvement_below(mean[..., j, None], variance[..., j, None], edges)  # (..., E_j)
        factor = psi[..., boxes.upper_index[:, j]] - psi[..., boxes.lower_index[:, j]]  # (..., B)
        total = factor if total is None else total * factor
    return total.sum(axis=-1)


def expected_hvi(mean: np.ndarray, variance: np.ndarray, front: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """EHVI of points with independent Gaussian objectives (..., m) over ``front`` (k, m), exact."""
    boxes = BoxSet.of(*nondominated_boxes(front, reference))
    return expected_hvi_boxes(np.asarray(mean, dtype=float), np.asarray(variance, dtype=float), boxes)


class MonteCarloEHVI:
    """EHVI estimated over fixed quasi-random points of the free region (module docstring).

    ``ideal``: the front's best value per objective; the free region outside [ideal, reference]
    contributes prod_j psi_j(r_j) - prod_j (psi_j(r_j) - psi_j(ideal_j)) exactly; inside, the
    ``points`` (Q, m) are uniform over the free part, found by rejection from scrambled Sobol
    points of [ideal, reference], and ``volume`` is its volume (the box's volume times the share
    of draws kept). The estimate's error is ``standard_error``: the standard deviation of the
    integrand over the points times volume / sqrt(Q), the points' resolution volume / Q, the
    volume's own sampling error and the closed form's rounding.
    """

    def __init__(self, front: np.ndarray, reference: np.ndarray, count: int = MC_POINTS, seed: int = 0) -> None:
        front = np.asarray(front, dtype=float)
        self.reference = np.asarray(reference, dtype=float)
        self.ideal = front.min(axis=0)
        m = len(self.reference)
        from scipy.stats import qmc  # here: scipy.stats is most of the optimizer's import time

        engine = qmc.Sobol(m, scramble=True, rng=np.random.default_rng(seed))
        span = self.reference - self.ideal
        kept, drawn = [], 0
        while sum(len(k) for k in kept) < count and drawn < MC_DRAW_ROUNDS * count:
            raw = self.ideal + span * engine.random(count)
            drawn += count
            dominated = np.zeros(count, dtype=bool)
            for point in front:  # one pass per front point: (count, m) memory whatever the front's size
                dominated |= np.all(point <= raw, axis=1)
            kept.append(raw[~dominated])
        points = np.vstack(kept)
        self.share = len(points) / drawn
        self.points = points[:count]
        self.volume = float(np.prod(span) * self.share)
        self.volume_error = float(np.prod(span) * np.sqrt(self.share * (1 - self.share) / drawn))

    def __len__(self) -> int:
        return len(self.points)

    def _integrand(self, mean: np.ndarray, variance: np.ndarray) -> np.ndarray:
        """(..., m) -> (..., Q): P(Y <= z_q) at every point of the free region."""
        total = None
        for j in range(len(self.reference)):
            factor = probability_below(mean[..., j, None], variance[..., j, None], self.points[:, j])
            total = factor if total is None else total * factor
        return total

    def _outside(self, mean: np.ndarray, variance: np.ndarray) -> np.ndarray:
        top = improvement_below(mean, variance, self.reference)
        inside = top - improvement_below(mean, variance, self.ideal)
        return top.prod(axis=-1) - inside.prod(axis=-1)

    def __call__(self, mean: np.ndarray, variance: np.ndarray) -> np.ndarray:
        """mean, variance (..., m) -> EHVI estimates (...)."""
        return self._outside(mean, variance) + self.volume * self._integrand(mean, variance).mean(axis=-1)

    def standard_error(self, mean: np.ndarray, variance: np.ndarray) -> np.ndarray:
        """(..., m) -> the estimate's stated error (...): the sampling error of the points,
        their resolution (an improvement smaller than volume / Q can fall between the points
        and read zero, where the sample's spread is zero too), the volume's sampling error, and
        the rounding of the closed-form outside part (a difference of two products)."""
        values = self._integrand(mean, variance)
        count = len(self.points)
        sampling = self.volume * values.std(axis=-1) / np.sqrt(count)
        rounding = 1e-13 * improvement_below(mean, variance, self.reference).prod(axis=-1)
        return sampling + self.volume / count + self.volume_error * values.mean(axis=-1) + rounding


class ExpectedHypervolumeImprovement:
    """EHVI averaged over the MCMC samples of the black-box objectives' GPs.

    ``ensembles``: per objective a fitted ensemble (``predict`` -> (s, n) means and variances),
    or None for an objective given by ``known[j]``; all ensembles have the same sample count.
    The boxes (or the Monte Carlo points, past ``max_boxes``) are made once, here, so the
    search's thousands of calls only do the arithmetic. ``exact`` says which; ``width``: boxes
    or points per candidate and sample, the cost bound.
    """

    def __init__(self, ensembles: Sequence[object | None], known: Sequence[Known | None],
                 front: np.ndarray, reference: np.ndarray, max_boxes: int = MAX_EXACT_BOXES,
                 mc_points: int = MC_POINTS) -> None:
        self.ensembles = list(ensembles)
        self.known = list(known)
        try:
            self.boxes: BoxSet | None = BoxSet.of(*nondominated_boxes(front, reference, limit=max_boxes))
            self.estimate: MonteCarloEHVI | None = None
        except TooManyBoxes:
            self.boxes = None
            self.estimate = MonteCarloEHVI(self._front(front, reference), reference, mc_points)

    @staticmethod
    def _front(front: np.ndarray, reference: np.ndarray) -> np.ndarray:
        front = np.asarray(front, dtype=float)
        return front[np.all(front < np.asarray(reference, dtype=float), axis=1)]

    @property
    def exact(self) -> bool:
        return self.boxes is not None

    @property
    def width(self) -> int:
        return len(self.boxes) if self.boxes is not None else len(self.estimate)

    def moments(self, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(n, d) -> means and variances (s, n, m); a known objective's value with variance 0."""
        return self.moments_of(self.ensembles, self.known, candidates)

    @staticmethod
    def moments_of(ensembles: Sequence[object | None], known: Sequence[Known | None],
                   candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``moments`` of any objectives given as ensembles or known functions (PABO's agents)."""
        candidates = np.atleast_2d(candidates)
        columns = []
        for ensemble, known in zip(ensembles, known):
            if ensemble is None:
                value = np.asarray(known(candidates), dtype=float)[None, :]
                columns.append((value, np.zeros_like(value)))
            else:
                columns.append(ensemble.predict(candidates))
        samples = max(c[0].shape[0] for c in columns)
        means = np.stack([np.broadcast_to(c[0], (samples, len(candidates))) for c in columns], axis=-1)
        variances = np.stack([np.broadcast_to(c[1], (samples, len(candidates))) for c in columns], axis=-1)
        return means, variances

    def block_size(self) -> int:
        """Candidates per block: (samples x block x width) stays within BLOCK_ELEMENTS."""
        samples = max([len(getattr(e, "members", (None,))) for e in self.ensembles if e is not None] or [1])
        return max(1, BLOCK_ELEMENTS // (samples * max(self.width, 1)))

    def of_moments(self, means: np.ndarray, variances: np.ndarray) -> np.ndarray:
        """EHVI averaged over the samples from moments already predicted, (s, n, m) -> (n,):
        for a caller that has them (PABO's supervisor scores its agents' proposals so)."""
        values = expected_hvi_boxes(means, variances, self.boxes) if self.boxes is not None else self.estimate(means, variances)
        return values.mean(axis=0)

    def __call__(self, candidates: np.ndarray) -> np.ndarray:
        candidates = np.atleast_2d(candidates)
        scores = np.empty(len(candidates))
        block = self.block_size()
        for start in range(0, len(candidates), block):
            scores[start:start + block] = self.of_moments(*self.moments(candidates[start:start + block]))
        return scores
