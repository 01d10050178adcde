"""GP-based multi-objective strategies: EHVI and PABO (issue 12).

Both fit one GP ensemble (MCMC over hyper-parameters, as the single-objective methods) per
black-box objective and none to an objective with an a-priori model, which enters as its known
value. Both reuse the single-objective machinery for everything else: Pr(measured constraints)
and Pr(valid result) multiply the acquisition, known budgets filter the search hard, pending jobs
and a batch's earlier picks are fantasies (each GP believes its own mean there, and the believed
objective vectors join the front), broken points are conditioned on without joining it.

* ``ehvi``: maximizes the expected hypervolume improvement over the measured-feasible front
  (``ehvi.ExpectedHypervolumeImprovement``, exact). Before any feasible result, with measured
  constraints to learn, it maximizes Pr(feasible) alone, as HW-CWEI does.
* ``pabo`` (Parsa et al. 2019, seed 003): one pseudo agent per objective proposes from its own
  posterior: HW-IECI on its GP for a black-box objective; for a known objective, the
  cheapest candidate the posterior means place off the current front (the model's own best
  among the points that could still join it). A supervisor takes the proposal of largest
  EHVI; scoring a handful of proposals instead of searching the space is the saving. It also
  skips what cannot change: while the feasible front is the same as at the last suggestion, the
  GPs keep their hyper-parameter samples (conditioned on the new data, no MCMC sweep) and an
  agent whose last proposal was not taken proposes it again without a new search.
  ``stats`` counts the searches and MCMC fits done and skipped.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hyperpower.optimize.acquisition import Acquisition, ConstraintWeightedEI
from hyperpower.optimize.candidates import TakenPoints, sobol_points
from hyperpower.optimize.ehvi import ExpectedHypervolumeImprovement, Known, expected_hvi
from hyperpower.optimize.ensemble import FittedEnsemble
from hyperpower.optimize.multiobjective_problem import MultiObjectiveProblem
from hyperpower.optimize.observations import Observations, feasible_front_indices
from hyperpower.optimize.pareto import nondominated_mask
from hyperpower.optimize.search import maximize_acquisition
from hyperpower.optimize.strategies import (
    BayesianStrategy, Fits, Problem, _measured_probabilities, build_ieci,
)

#: front points the acquisition search looks around (spread along the front)
FRONT_ANCHORS = 6


@dataclasses.dataclass
class MultiFits:
    """One suggestion round's ensembles: per objective a GP ensemble, or None where ``known``
    gives the value; the measured constraints and validity as in ``strategies.Fits``;
    ``believed``: (p, d) pending and batch points, whose believed objective vectors (each GP's
    mean there, which conditioning on it leaves unchanged) join the front."""

    objectives: list[FittedEnsemble | None]
    known: list[Known | None]
    constraints: dict[str, FittedEnsemble]
    validity: FittedEnsemble | None = None
    believed: np.ndarray | None = None

    def mean(self, points: np.ndarray) -> np.ndarray:
        """(n, d) -> (n, m) posterior means averaged over the samples; known values exactly."""
        points = np.atleast_2d(points)
        columns = [np.asarray(known(points), dtype=float) if ensemble is None else ensemble.predict(points)[0].mean(axis=0)
                   for ensemble, known in zip(self.objectives, self.known)]
        return np.column_stack(columns)

    def with_fantasies(self, points: np.ndarray, believed: bool = True) -> "MultiFits":
        """Every GP conditioned on its own mean at ``points``; ``believed`` ones (pending jobs,
        this batch's picks, not broken points) also join the front with those values."""
        points = np.atleast_2d(points)
        if points.size == 0:
            return self
        kept = self.believed
        if believed:
            kept = points if kept is None else np.vstack([kept, points])
        return MultiFits(
            [None if e is None else e.with_fantasies(points) for e in self.objectives], self.known,
            {k: v.with_fantasies(points) for k, v in self.constraints.items()},
            None if self.validity is None else self.validity.with_fantasies(points), kept,
        )

    def agent(self, index: int) -> Fits:
        """The single-objective view of black-box objective ``index`` (a PABO agent's posterior)."""
        return Fits(self.objectives[index], self.constraints, self.validity, self.believed)


class MultiObjectiveBayesian(BayesianStrategy):
    """The shared part: fitting (no GP for a known objective), the front, the reference."""

    def __init__(self, problem: MultiObjectiveProblem, rng: np.random.Generator) -> None:
        super().__init__(problem.base, rng, self.build_acquisition)
        self.multi = problem
        self.stats = {"searches": 0, "searches_skipped": 0, "mcmc_fits": 0, "mcmc_skipped": 0}

    def known(self) -> list[Known | None]:
        return [spec.known for spec in self.multi.objectives]

    def fit(self, observations: Observations) -> MultiFits:
        """One ensemble per black-box objective, each on the observations that measured it: a
        transfer source's extra observation is NaN in an objective it never measured
        (``optimize.transfer``), and that objective's GP leaves it out."""
        ensembles = [None if spec.known is not None else
                     self._ensemble(f"objective {spec.name}", spec.noiseless).fit(*measured_column(observations, j))
                     for j, spec in enumerate(self.multi.objectives)]
        self.stats["mcmc_fits"] += sum(e is not None for e in ensembles)
        return MultiFits(ensembles, self.known(), *self.fit_constraints(observations))

    def front(self, fits: MultiFits, observations: Observations) -> np.ndarray:
        """(k, m) the measured-feasible front plus the believed vectors; a noisy black-box
        objective is read through its posterior mean at the observed points (as y+ is)."""
        feasible = np.flatnonzero(observations.feasible)
        values = observations.objectives[feasible].copy()
        noisy = [j for j, spec in enumerate(self.multi.objectives) if spec.known is None and not spec.noiseless]
        if len(feasible) and noisy:
            values[:, noisy] = fits.mean(observations.points[feasible])[:, noisy]
        if fits.believed is not None and len(fits.believed):
            values = np.vstack([values, fits.mean(fits.believed)])
        return values[nondominated_mask(values)] if len(values) else values.reshape(0, len(self.multi.objectives))

    def ehvi(self, fits: MultiFits, observations: Observations) -> Acquisition:
        """EHVI × Π Pr(measured constraint) × Pr(valid); Pr(feasible) alone before any
        feasible result when there are measured constraints to learn."""
        probabilities = _measured_probabilities(self.problem, fits)
        if probabilities and not observations.feasible.any():
            return ConstraintWeightedEI(None, probabilities)
        reference = self.multi.reference_point(observations)
        base = ExpectedHypervolumeImprovement(fits.objectives, fits.known, self.front(fits, observations), reference)
        return ConstraintWeightedEI(base, probabilities) if probabilities else base

    def build_acquisition(self, problem: Problem, fits: MultiFits, observations: Observations) -> Acquisition:
        return self.ehvi(fits, observations)

    def anchors(self, observations: Observations) -> np.ndarray:
        """Up to FRONT_ANCHORS front points, spread along it."""
        front = feasible_front_indices(observations)
        if len(front) == 0:
            return observations.points[:0]
        order = front[np.argsort(observations.objectives[front, 0])]
        picks = np.unique(np.linspace(0, len(order) - 1, min(FRONT_ANCHORS, len(order))).round().astype(int))
        return observations.points[order[picks]]


class EHVIStrategy(MultiObjectiveBayesian):
    """ehvi: the single-objective suggestion loop (fantasies, hard known-budget filter, batch)
    with the exact EHVI as its acquisition."""

    def propose(self, observations: Observations, taken: TakenPoints, count: int) -> np.ndarray:
        points = super().propose(observations, taken, count)
        self.stats["searches"] += count
        return points


@dataclasses.dataclass
class _Cached:
    point: np.ndarray
    front_key: bytes


class PABOStrategy(MultiObjectiveBayesian):
    """pabo: pseudo agents (one per objective) propose, a supervisor picks by EHVI."""

    def __init__(self, problem: MultiObjectiveProblem, rng: np.random.Generator) -> None:
        super().__init__(problem, rng)
        self._cache: dict[int, _Cached] = {}
        self._base_fit: tuple[bytes, MultiFits] | None = None

    def _front_key(self, observations: Observations) -> bytes:
        front = observations.objectives[feasible_front_indices(observations)]
        return np.round(front[np.lexsort(front.T[::-1])], 12).tobytes() if len(front) else b""

    def fit(self, observations: Observations) -> MultiFits:
        """A full MCMC fit when the front changed since the last one; otherwise the same
        hyper-parameter samples conditioned on the new data (no MCMC)."""
        key = self._front_key(observations)
        if self._base_fit is None or self._base_fit[0] != key:
            fits = super().fit(observations)
        else:
            previous = self._base_fit[1]
            objectives = [None if e is None else e.refit(*measured_column(observations, j))
                          for j, e in enumerate(previous.objectives)]
            self.stats["mcmc_skipped"] += sum(e is not None for e in objectives)
            fits = MultiFits(objectives, self.known(), *self.fit_constraints(observations))
        self._base_fit = (key, fits)
        return fits

    def propose(self, observations: Observations, taken: TakenPoints, count: int) -> np.ndarray:
        key = self._front_key(observations)
        fits = self.fit(observations).with_fantasies(observations.pending).with_fantasies(observations.failed, believed=False)
        chosen: list[np.ndarray] = []
        for _ in range(count):
            proposals = self.proposals(fits, observations, taken, key)
            scores = self.ehvi(fits, observations)(proposals)
            best = int(np.argmax(scores))
            chosen.append(proposals[best])
            taken = taken.union(proposals[best])
            fits = fits.with_fantasies(proposals[best])
        return np.array(chosen)

    def proposals(self, fits: MultiFits, observations: Observations, taken: TakenPoints, key: bytes) -> np.ndarray:
        """(m, d): each agent's proposal, its cached one when the front is unchanged and the
        point is still free."""
        points = []
        for j, spec in enumerate(self.multi.objectives):
            cached = self._cache.get(j)
            if cached is not None and cached.front_key == key and taken.mask_new(cached.point)[0]:
                self.stats["searches_skipped"] += 1
                points.append(cached.point)
                continue
            self.stats["searches"] += 1
            point = self._known_agent(j, fits, observations, taken) if spec.known is not None else \
                self._model_agent(j, fits, observations, taken)
            self._cache[j] = _Cached(point, key)
            points.append(point)
        return np.array(points)

    def _model_agent(self, j: int, fits: MultiFits, observations: Observations, taken: TakenPoints) -> np.ndarray:
        """HW-IECI on objective j's own GP: EI below its best feasible value × Pr(...)."""
        spec = self.multi.objectives[j]
        single = dataclasses.replace(observations, objective=observations.objectives[:, j].copy())
        problem = dataclasses.replace(self.problem, objective_noiseless=spec.noiseless)
        acquisition = build_ieci(problem, fits.agent(j), single)
        point, _ = maximize_acquisition(acquisition, self.problem.space, self.rng, self.problem.search,
                                        self.problem.feasible_mask(), taken, self.anchors(observations))
        return point

    def _known_agent(self, j: int, fits: MultiFits, observations: Observations, taken: TakenPoints) -> np.ndarray:
        """The known objective's best candidate among those whose posterior-mean vector would
        join the current front; the lowest known value overall when none would."""
        candidates = _free_candidates(self.problem, self.rng, taken)
        values = fits.mean(candidates)
        front = self.front(fits, observations)
        gain = expected_hvi(values, np.zeros_like(values), front, self.multi.reference_point(observations))
        pool = np.flatnonzero(gain > 0) if (gain > 0).any() else np.arange(len(candidates))
        return candidates[pool[np.argmin(values[pool, j])]]


def measured_column(observations: Observations, column: int) -> tuple[np.ndarray, np.ndarray]:
    """(k, d) points and (k,) values of objective ``column`` where it was measured (finite)."""
    values = observations.objectives[:, column]
    measured = np.isfinite(values)
    return observations.points[measured], values[measured]


def _free_candidates(problem: Problem, rng: np.random.Generator, taken: TakenPoints) -> np.ndarray:
    """A Sobol set of the search's size, without taken points and known-budget violations."""
    candidates = sobol_points(problem.space, problem.search.sobol_candidates, rng)
    keep = taken.mask_new(candidates)
    mask = problem.feasible_mask()
    if mask is not None and keep.any():
        keep[keep] = mask(candidates[keep])
    if not keep.any():
        return candidates
    return candidates[keep]

