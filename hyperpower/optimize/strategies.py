"""The four methods of the paper as strategies: observations -> new unit-cube points.

``STRATEGIES`` is the one factory (method name -> constructor); aware/unaware is not a branch
here but data: an unaware ``Problem`` simply has no ``known`` constraints, and its budgets are
``measured`` rules learnt from the jobs, as in the paper's "default" baselines.

HW-IECI (paper eq. 3): EI averaged over GP samples × Π 1[model <= budget]; constraints no model
covers (Spearmint CONSTRAINT tasks, unmodelled budgets) enter as probabilities of feasibility.
Unaware, it is plain EI with y+ over the measured-feasible jobs.
HW-CWEI (paper §3.5, Gelbart et al.): EI × Π Pr(constraint satisfied), the probability from the
model with its cross-validated error when aware (soft: no hard filter on top, so ``--model-margin``
or ``--violation-rate`` shifts the probability's threshold once), from a GP on the measured values otherwise.
When the models learn (the default), a budget's feasibility and probability come from the model
corrected by the measurements so far (``constraints.ModelBudget``, ``learned_model``).

Both, aware and unaware, multiply in Pr(valid result) once a job returned NaN (the hidden
constraint of Spearmint, Gelbart et al. 2014): a GP fitted to the 0/1 validity outcomes of the
complete jobs, squashed through the Gaussian CDF as Pr(g(x) >= 1/2). Rand and Rand-Walk ignore it
(uniform / local draws, as in the paper); their NaN points are simply never drawn again.

y+ (EI's incumbent) is the best measured-feasible value for a NOISELESS objective, and the lowest
posterior mean at the measured-feasible points for a GAUSSIAN (noisy) one, so one lucky noisy
observation does not set the bar.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Callable

import numpy as np

from hyperpower.optimize.acquisition import (
    Acquisition, ConstraintWeightedEI, KnownConstraintEI, SampleAveragedEI, SampleAveragedFeasibility,
)
from hyperpower.optimize.candidates import TakenPoints
from hyperpower.optimize.constraints import KnownConstraints
from hyperpower.optimize.ensemble import FittedEnsemble, GaussianProcessEnsemble, MCMCSettings
from hyperpower.optimize.observations import ConstraintRule, Observations
from hyperpower.optimize.random_methods import random_search, random_walk
from hyperpower.optimize.search import SearchSettings, maximize_acquisition
from hyperpower.space import SearchSpace

MIN_CONSTRAINT_OBSERVATIONS = 2
ANCHORS = 3
#: the ensemble of the 0/1 validity outcomes (a name no task can have: tasks are identifiers)
VALIDITY = "<valid result>"
VALIDITY_THRESHOLD = 0.5


@dataclasses.dataclass
class Problem:
    """What a strategy needs to know about the experiment, already resolved from the config."""

    space: SearchSpace
    known: KnownConstraints
    measured: list[ConstraintRule]
    objective_noiseless: bool = False
    sigma0: float = 0.1
    mcmc: MCMCSettings = MCMCSettings()
    search: SearchSettings = SearchSettings()
    #: the unit-cube columns the objective's GP reads (None: all; the device variable's columns
    #: are left out for a metric the device cannot change, ``devices.device_independent``)
    objective_inputs: np.ndarray | None = None

    def feasible_mask(self) -> Callable[[np.ndarray], np.ndarray] | None:
        return self.known.feasible if self.known else None


@dataclasses.dataclass
class Fits:
    """GP ensembles of one suggestion round: the objective, each measured constraint and, once a
    job returned NaN, the validity outcomes. ``believed``: the points of pending jobs (and of
    this batch's earlier suggestions), whose fantasized values count as observed for y+."""

    objective: FittedEnsemble
    constraints: dict[str, FittedEnsemble]
    validity: FittedEnsemble | None = None
    believed: np.ndarray | None = None

    def with_fantasies(self, points: np.ndarray, believed: bool = True) -> "Fits":
        """Condition every GP on its own mean at ``points``; ``believed`` (pending jobs, not the
        points of broken ones) also lets those values lower the incumbent, so the acquisition
        sees no certain improvement at a point already being evaluated."""
        points = np.atleast_2d(points)
        validity = None if self.validity is None else self.validity.with_fantasies(points)
        kept = self.believed
        if believed and points.size:
            kept = points if kept is None else np.vstack([kept, points])
        return Fits(self.objective.with_fantasies(points),
                    {k: v.with_fantasies(points) for k, v in self.constraints.items()}, validity, kept)


def incumbent(problem: Problem, fits: Fits, observations: Observations, feasible_only: bool) -> np.ndarray | None:
    """y+ of each hyper-parameter sample, (s,): over the measured-feasible observations (all of
    them unless ``feasible_only``; None when there is none), the lowest observed value (NOISELESS)
    or the sample's lowest posterior mean (GAUSSIAN; Spearmint's choice for noisy objectives),
    lowered by the sample's believed values at pending points (kriging believer)."""
    indices = np.flatnonzero(observations.feasible)
    if len(indices) == 0:
        if feasible_only:
            return None
        # every observation that has a value (a transfer source's extra one may lack this objective)
        indices = np.flatnonzero(np.isfinite(observations.objective))
    members = len(fits.objective.members)
    if problem.objective_noiseless:
        best = np.full(members, float(observations.objective[indices].min()))
    else:
        best = fits.objective.predict_mean(observations.points[indices]).min(axis=1)
    if fits.believed is not None and len(fits.believed):
        best = np.minimum(best, fits.objective.predict_mean(fits.believed).min(axis=1))
    return best


def _expected_improvement(fits: Fits, best: np.ndarray | None) -> Acquisition | None:
    if best is None:
        return None
    return SampleAveragedEI(fits.objective, best)


def _measured_probabilities(problem: Problem, fits: Fits) -> list[Acquisition]:
    """Pr(constraint satisfied) from the GPs on measured constraints, then Pr(valid result)."""
    rules = {rule.name: rule for rule in problem.measured}
    probabilities: list[Acquisition] = [
        SampleAveragedFeasibility(ensemble, rules[name].threshold, rules[name].feasible_below)
        for name, ensemble in fits.constraints.items()
    ]
    if fits.validity is not None:
        probabilities.append(SampleAveragedFeasibility(fits.validity, VALIDITY_THRESHOLD, feasible_below=False))
    return probabilities


def build_ieci(problem: Problem, fits: Fits, observations: Observations) -> Acquisition:
    # y+ over anything seen while nothing measured is feasible yet
    acquisition: Acquisition = _expected_improvement(fits, incumbent(problem, fits, observations, feasible_only=False))
    probabilities = _measured_probabilities(problem, fits)
    if probabilities:
        acquisition = ConstraintWeightedEI(acquisition, probabilities)
    if problem.known:
        acquisition = KnownConstraintEI(acquisition, problem.known.feasible)
    return acquisition


def build_cwei(problem: Problem, fits: Fits, observations: Observations) -> Acquisition:
    """EI × Π Pr(...): soft everywhere, the models' budgets included (the search applies no
    hard filter for this method; ``KnownConstraints`` budgets already carry ``--model-margin`` or
    ``--violation-rate``)."""
    probabilities = _measured_probabilities(problem, fits)
    for budget in problem.known.budgets:
        probabilities.append(functools.partial(budget.probability, problem.space))
    base = _expected_improvement(fits, incumbent(problem, fits, observations, feasible_only=True))
    if base is None and not probabilities:
        base = _expected_improvement(fits, incumbent(problem, fits, observations, feasible_only=False))
    return ConstraintWeightedEI(base, probabilities)


AcquisitionBuilder = Callable[[Problem, Fits, Observations], Acquisition]


def modelled_rules(method: str, aware: bool, rules: list[ConstraintRule], known_metrics: set[str]) -> list[ConstraintRule]:
    """The measured constraints a method fits GPs to: those no a-priori model covers; none for
    unaware HW-IECI, the constraint-ignorant "default" baseline of the paper."""
    if method == "hw-ieci" and not aware:
        return []
    return [rule for rule in rules if rule.name not in known_metrics]


def _anchors(observations: Observations) -> np.ndarray:
    """The best measured-feasible points and the best point overall: the places worth a
    closer look by the acquisition search, (<= ANCHORS + 1, dim)."""
    order = np.argsort(observations.objective)
    feasible_first = [i for i in order if observations.feasible[i]][:ANCHORS]
    return observations.points[feasible_first + [int(order[0])]]


class BayesianStrategy:
    """GP-based suggestion; the GP chains persist across calls (warm-started MCMC)."""

    minimum_observations = 2

    def __init__(self, problem: Problem, rng: np.random.Generator, build: AcquisitionBuilder,
                 hard_filter: bool = True) -> None:
        self.problem = problem
        self.rng = rng
        self.build = build
        self.hard_filter = hard_filter  # False: the acquisition weighs the models' budgets itself
        self.ensembles: dict[str, GaussianProcessEnsemble] = {}

    def ready(self, observations: Observations) -> bool:
        """Two results to fit, valid or not, one of them valid: when most of the space returns
        NaN, Pr(valid) steers the search off the design sooner than waiting for a second valid one."""
        outcomes = len(observations.validity[1]) if observations.has_invalid() else len(observations.objective)
        return len(observations.objective) >= 1 and outcomes >= self.minimum_observations

    def _ensemble(self, name: str, noiseless: bool, inputs: np.ndarray | None = None) -> GaussianProcessEnsemble:
        """The named GP ensemble (its chain kept between fits); ``inputs``: the columns it reads."""
        if name not in self.ensembles:
            self.ensembles[name] = GaussianProcessEnsemble(self.rng, noiseless, self.problem.mcmc, inputs)
        return self.ensembles[name]

    def fit(self, observations: Observations) -> Fits:
        objective = self._ensemble("objective", self.problem.objective_noiseless, self.problem.objective_inputs).fit(
            observations.points, observations.objective)
        return Fits(objective, *self.fit_constraints(observations))

    def fit_constraints(self, observations: Observations) -> tuple[dict[str, FittedEnsemble], FittedEnsemble | None]:
        """The ensembles of the measured constraints (those with enough values) and, once a job
        returned NaN, of the validity outcomes: shared by the multi-objective strategies."""
        constraints = {}
        for rule in self.problem.measured:
            points, values = observations.constraints[rule.name]
            if len(values) >= MIN_CONSTRAINT_OBSERVATIONS:
                constraints[rule.name] = self._ensemble(rule.name, rule.noiseless).fit(points, values)
        validity = None
        if observations.has_invalid():
            points, valid = observations.validity
            validity = self._ensemble(VALIDITY, False).fit(points, valid.astype(float))
        return constraints, validity

    def anchors(self, observations: Observations) -> np.ndarray:
        """Points the acquisition search looks around (the best observations)."""
        return _anchors(observations)

    def propose(self, observations: Observations, taken: TakenPoints, count: int) -> np.ndarray:
        fits = self.fit(observations).with_fantasies(observations.pending).with_fantasies(observations.failed, believed=False)
        anchors = self.anchors(observations)
        chosen: list[np.ndarray] = []
        for index in range(count):
            acquisition = self.build(self.problem, fits, observations)
            point, _ = maximize_acquisition(
                acquisition, self.problem.space, self.rng, self.problem.search,
                self.problem.feasible_mask() if self.hard_filter else None, taken, anchors,
            )
            chosen.append(point)
            if index + 1 < count:  # the last point needs no fantasy: nothing is chosen after it
                taken = taken.union(point)
                fits = fits.with_fantasies(point)
        return np.array(chosen)


class RandomStrategy:
    """Rand: uniform points; rejection against the models when aware."""

    minimum_observations = 0

    def __init__(self, problem: Problem, rng: np.random.Generator) -> None:
        self.problem = problem
        self.rng = rng

    def ready(self, observations: Observations) -> bool:
        return True

    def propose(self, observations: Observations, taken: TakenPoints, count: int) -> np.ndarray:
        return random_search(self.problem.space, self.rng, count, self.problem.feasible_mask(), taken)


class RandomWalkStrategy(RandomStrategy):
    """Rand-Walk: N(x_best, sigma0^2) around the best measured-feasible job."""

    def ready(self, observations: Observations) -> bool:
        return observations.best_feasible_index() is not None

    def propose(self, observations: Observations, taken: TakenPoints, count: int) -> np.ndarray:
        center = observations.points[observations.best_feasible_index()]
        return random_walk(self.problem.space, self.rng, center, self.problem.sigma0, count, self.problem.feasible_mask(), taken)


STRATEGIES: dict[str, Callable[[Problem, np.random.Generator], object]] = {
    "hw-ieci": lambda problem, rng: BayesianStrategy(problem, rng, build_ieci),
    "hw-cwei": lambda problem, rng: BayesianStrategy(problem, rng, build_cwei, hard_filter=False),
    "rand": RandomStrategy,
    "rand-walk": RandomWalkStrategy,
}
