"""GP-based multi-objective strategies: the shared part, and EHVI (issue 12; PABO in ``pabo``).

Both fit one GP ensemble (MCMC over hyper-parameters, as the single-objective methods) per
black-box objective and none to an objective with an a-priori model, which enters as its known
value, or, when the models learn, as the model's corrected mean and variance
(``learned_model.LearnedObjective``, which answers like an ensemble of one sample). Both reuse the single-objective machinery for everything else: Pr(measured constraints)
and Pr(valid result) multiply the acquisition, known budgets filter the search hard, pending jobs
and a batch's earlier picks are fantasies (each GP believes its own mean there, and the believed
objective vectors join the front), broken points are conditioned on without joining it.

* ``ehvi``: maximizes the expected hypervolume improvement over the measured-feasible front
  (``ehvi.ExpectedHypervolumeImprovement``, exact). Before any feasible result, with measured
  constraints to learn, it maximizes Pr(feasible) alone, as HW-CWEI does.
* ``pabo`` (``pabo``): pseudo agents propose from their own posteriors, an EHVI supervisor
  picks among their proposals.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hyperpower.optimize.acquisition import Acquisition, ConstraintWeightedEI
from hyperpower.optimize.candidates import TakenPoints
from hyperpower.optimize.ehvi import ExpectedHypervolumeImprovement, Known
from hyperpower.optimize.ensemble import FittedEnsemble
from hyperpower.optimize.multiobjective_problem import MultiObjectiveProblem
from hyperpower.optimize.observations import Observations, feasible_front_indices
from hyperpower.optimize.pareto import nondominated_mask
from hyperpower.optimize.strategies import BayesianStrategy, Fits, Problem, _measured_probabilities

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
        (``optimize.transfer``), and that objective's GP leaves it out. A known objective has
        none: its learned mean and variance once measured (``_learned``), else its model's values."""
        ensembles = [self._learned(spec) if spec.known is not None else
                     self._ensemble(f"objective {spec.name}", spec.noiseless, spec.inputs).fit(
                         *measured_column(observations, j))
                     for j, spec in enumerate(self.multi.objectives)]
        self.stats["mcmc_fits"] += sum(spec.known is None for spec in self.multi.objectives)
        return MultiFits(ensembles, self.known(), *self.fit_constraints(observations))

    @staticmethod
    def _learned(spec) -> object | None:
        """A known objective's learned mean and variance once it has a measurement; None (its
        model's exact values) before, or when the models stay fixed."""
        learned = spec.learned
        return learned if learned is not None and learned.learned.measurements else None

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


def measured_column(observations: Observations, column: int) -> tuple[np.ndarray, np.ndarray]:
    """(k, d) points and (k,) values of objective ``column`` where it was measured (finite)."""
    values = observations.objectives[:, column]
    measured = np.isfinite(values)
    return observations.points[measured], values[measured]
