"""pabo: pseudo agents propose, a supervisor picks by expected hypervolume improvement.

PABO (Parsa et al. 2019, seed 003) keeps the multi-objective acquisition off the search: each
pseudo agent maximizes a cheap single-objective acquisition on its own posterior, and a
supervisor compares only the agents' proposals, there by EHVI. With one proposal per objective
the supervisor can only choose between the two ends of the front, where little hypervolume is
(27.0 against ``ehvi``'s 57.9 on Branin-Currin after 80 evaluations, issue 25); so here the
supervisor chooses among enough proposals to cover the front:

* **objective agents**, one per objective: EI of a black-box objective's GP below its
  incumbent (HW-IECI's acquisition, times Pr(measured constraints) and Pr(valid)); for an
  objective known a priori, its lowest values among the candidates whose posterior-mean vector
  would join the front (the model's own best that could still improve it);
* **scalarisation agents** between the ends: for each weight vector w of ``scalarisation_agents``
  spread over the simplex, the optimistic Chebyshev scalarisation
  max_j w_j (mu_j - beta sigma_j - ideal_j) / range_j (ParEGO's scalarisation on a lower
  confidence bound), so every direction of the front has an agent;
* each agent proposes its ``proposals_per_agent`` best candidates; the supervisor scores the
  union by EHVI (times the probabilities, from the moments the agents already have) and refines
  its best few by small Gaussian steps (sampled spaces only: a small discrete space is scored
  whole).

**Where the saving is.** The agents share one candidate set and one prediction of every GP on
it (a small Sobol set plus neighbours of the front in a continuous space; every admissible
configuration of a small discrete one), agents are arithmetic on those moments, and EHVI is
computed for a few dozen points instead of thousands. The GPs' hyper-parameters move by one
MCMC sweep per suggestion, the black-box objectives taking turns (every other suggestion past
25 results, every third past 50, ...), over a rolling pool of the last ``members`` sweeps (the
first fit burns in as every strategy's does), instead of ``samples`` fresh sweeps per objective;
the other objectives keep their samples conditioned on the new data. ``stats`` counts the pools
scored, the agents' proposals, and the full and one-sweep fits.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

import numpy as np

from hyperpower.optimize.acquisition import expected_improvement
from hyperpower.optimize.candidates import TakenPoints, gaussian_neighbours, unique_rows
from hyperpower.optimize.ehvi import ExpectedHypervolumeImprovement, expected_hvi
from hyperpower.optimize.encoding import snap_points
from hyperpower.optimize.ensemble import FittedEnsemble, GaussianProcessEnsemble
from hyperpower.optimize.multiobjective_bayes import MultiFits, MultiObjectiveBayesian, measured_column
from hyperpower.optimize.multiobjective_problem import MultiObjectiveProblem
from hyperpower.optimize.observations import Observations
from hyperpower.optimize.search import admissible_configurations, admissible_points, exact_search_applies, initial_candidates
from hyperpower.optimize.strategies import _measured_probabilities, incumbent

if TYPE_CHECKING:
    from scipy.stats import qmc


@dataclasses.dataclass(frozen=True)
class PABOSettings:
    """candidates, neighbours_per_anchor: the shared candidate set of a sampled space; members:
    MCMC samples each agent's GP carries; sweep_every_results: one MCMC sweep every
    ceil(n / sweep_every_results) suggestions (every suggestion up to 25 results, every other
    one up to 50, every third up to 75, ...), the black-box objectives taking turns;
    proposals_per_agent; scalarisation_agents (weight vectors between the ends); exploration
    (beta of the scalarisation agents' lower confidence bound); refine_rounds, refine_draws,
    refine_sigma: the supervisor's Gaussian steps around its best proposals (halving)."""

    candidates: int = 128
    members: int = 5
    sweep_every_results: int = 25
    neighbours_per_anchor: int = 16
    proposals_per_agent: int = 2
    scalarisation_agents: int = 6
    exploration: float = 1.0
    refine_top: int = 2
    refine_rounds: int = 1
    refine_draws: int = 12
    refine_sigma: float = 0.02


def simplex_weights(count: int, objectives: int) -> np.ndarray:
    """(count, m) weight vectors strictly between the ends: evenly spaced for two objectives,
    an unscrambled Sobol set mapped onto the simplex (the spacings of its sorted coordinates)
    for more."""
    if count <= 0:
        return np.zeros((0, objectives))
    if objectives == 2:
        first = np.arange(1, count + 1) / (count + 1)
        return np.column_stack([first, 1.0 - first])
    from scipy.stats import qmc  # here: scipy.stats is most of the optimizer's import time

    cuts = np.sort(qmc.Sobol(objectives - 1, scramble=False).random(count + 1)[1:], axis=1)
    edges = np.column_stack([np.zeros(count), cuts, np.ones(count)])
    return np.maximum(np.diff(edges, axis=1), 1e-3)


def chebyshev_scores(mean: np.ndarray, sigma: np.ndarray, weights: np.ndarray, ideal: np.ndarray,
                     span: np.ndarray, exploration: float) -> np.ndarray:
    """(n, m) moments, (a, m) weights -> (a, n) agent scores (higher is better): minus the
    weighted Chebyshev distance of the lower confidence bound beyond the ideal point."""
    optimistic = (mean - exploration * sigma - ideal) / span  # (n, m)
    return -np.max(weights[:, None, :] * optimistic[None, :, :], axis=2)


def _best_indices(scores: np.ndarray, count: int) -> np.ndarray:
    return np.argsort(-scores, kind="stable")[:count]


class PABOStrategy(MultiObjectiveBayesian):
    """pabo: objective and scalarisation agents propose, an EHVI supervisor picks."""

    def __init__(self, problem: MultiObjectiveProblem, rng: np.random.Generator,
                 settings: PABOSettings = PABOSettings()) -> None:
        self.settings = settings
        super().__init__(problem, rng)
        self.stats.update({"proposals": 0})
        self._fitted: dict[int, FittedEnsemble] = {}
        self._turn = 0
        self._sobol: qmc.Sobol | None = None

    def _ensemble(self, name: str, noiseless: bool, inputs: np.ndarray | None = None) -> GaussianProcessEnsemble:
        """A rolling pool of ``members`` samples: the first fit burns in, every later one draws a
        single fresh sweep; past ``members_below`` results fewer of them carry the agents, as
        ``MCMCSettings.member_count`` says (at least ``min_members``)."""
        if name not in self.ensembles:
            samples = min(self.settings.members, self.problem.mcmc.samples)
            rolling = dataclasses.replace(self.problem.mcmc, samples=samples, refresh_below=0, fresh_scale=0,
                                          min_members=min(samples, self.problem.mcmc.min_members))
            self.ensembles[name] = GaussianProcessEnsemble(self.rng, noiseless, rolling, inputs)
        return self.ensembles[name]

    def fit(self, observations: Observations) -> MultiFits:
        """The black-box objectives take turns: one of them draws a fresh MCMC sweep (every
        suggestion up to ``sweep_every_results`` results, then more rarely), the others keep
        their samples conditioned on the new data (every GP is fitted by MCMC once first)."""
        objectives = []
        black_box = [j for j, spec in enumerate(self.multi.objectives) if spec.known is None]
        every = max(1, math.ceil(len(observations.objective) / self.settings.sweep_every_results))
        turn = black_box[(self._turn // every) % len(black_box)] if black_box and self._turn % every == 0 else None
        for j, spec in enumerate(self.multi.objectives):
            if spec.known is not None:
                objectives.append(self._learned(spec))  # its learned mean and variance, or None: its model's values
                continue
            previous = self._fitted.get(j)
            measured = measured_column(observations, j)  # a transfer source may lack this objective
            if previous is None or j == turn:
                fitted = self._ensemble(f"objective {spec.name}", spec.noiseless, spec.inputs).fit(*measured)
                self.stats["mcmc_fits" if previous is None else "mcmc_skipped"] += 1
            else:
                fitted = previous.refit(*measured)
            self._fitted[j] = fitted
            objectives.append(fitted)
        self._turn += 1
        # EHVI pairs the objectives' samples: each carries as many as the fewest (its newest)
        count = min([len(e.members) for e in objectives if isinstance(e, FittedEnsemble)] or [0])
        objectives = [e if not isinstance(e, FittedEnsemble) or len(e.members) == count else
                      FittedEnsemble(e.members[-count:], e.offset, e.scale, e.inputs) for e in objectives]
        return MultiFits(objectives, self.known(), *self.fit_constraints(observations))

    def propose(self, observations: Observations, taken: TakenPoints, count: int) -> np.ndarray:
        fits = self.fit(observations).with_fantasies(observations.pending).with_fantasies(observations.failed, believed=False)
        chosen: list[np.ndarray] = []
        for index in range(count):
            chosen.append(self._pick(fits, observations, taken))
            if index + 1 < count:
                taken = taken.union(chosen[-1])
                fits = fits.with_fantasies(chosen[-1])
        return np.array(chosen)

    # -- one pick ------------------------------------------------------------------------------
    def _pick(self, fits: MultiFits, observations: Observations, taken: TakenPoints) -> np.ndarray:
        supervisor = _Supervisor(self, fits, observations)
        discrete = exact_search_applies(self.problem.space, self.problem.search)
        pool = self._pool(observations, taken, discrete)
        self.stats["searches"] += 1
        means, variances = ExpectedHypervolumeImprovement.moments_of(fits.objectives, fits.known, pool)  # (s, n, m)
        probability = supervisor.probability(pool)
        indices = self._proposal_indices(fits, observations, means, variances, probability, supervisor)
        self.stats["proposals"] += len(indices)
        proposals = pool[indices]
        scores = supervisor.of_moments(means[:, indices], variances[:, indices], probability[indices])
        if not discrete:
            proposals, scores = self._refine(supervisor, proposals, scores, taken)
        return proposals[int(np.argmax(scores))]

    def _pool(self, observations: Observations, taken: TakenPoints, discrete: bool) -> np.ndarray:
        """The candidates every agent scores: every admissible configuration of a small discrete
        space, else the next points of the strategy's own scrambled Sobol sequence plus neighbours
        of the front (admissible; the sampled search's wide search when none is)."""
        space, search, feasible = self.problem.space, self.problem.search, self.problem.feasible_mask()
        if discrete:
            return admissible_configurations(space, search, feasible, taken)
        if self._sobol is None:
            from scipy.stats import qmc

            self._sobol = qmc.Sobol(space.dim, scramble=True, rng=self.rng)
        anchors = self.anchors(observations)
        points = [snap_points(space, self._sobol.random(self.settings.candidates))]
        if len(anchors):
            points.append(gaussian_neighbours(space, anchors, search.anchor_sigma, self.settings.neighbours_per_anchor, self.rng))
        pool = admissible_points(np.vstack(points), feasible, taken)
        if len(pool):
            return pool
        sizes = dataclasses.replace(search, sobol_candidates=self.settings.candidates,
                                    neighbours_per_anchor=self.settings.neighbours_per_anchor)
        return initial_candidates(space, self.rng, sizes, anchors, feasible, taken)

    def _proposal_indices(self, fits: MultiFits, observations: Observations, means: np.ndarray,
                          variances: np.ndarray, probability: np.ndarray, supervisor: "_Supervisor") -> np.ndarray:
        """Indices into the pool (whose moments are ``means``, ``variances`` (s, n, m)) of every
        agent's best few candidates (each once)."""
        per_agent = self.settings.proposals_per_agent
        mean = means.mean(axis=0)
        chosen = []
        for j, spec in enumerate(self.multi.objectives):
            if spec.known is None:
                scores = self._objective_agent(j, fits, observations, means[..., j], variances[..., j]) * probability
            else:
                scores = self._known_agent(j, mean, supervisor)
            chosen.append(_best_indices(scores, per_agent))
        sigma = np.sqrt(variances.mean(axis=0) + means.var(axis=0))
        ideal = supervisor.front.min(axis=0) if len(supervisor.front) else observations.objectives.min(axis=0)
        span = np.maximum(supervisor.reference - ideal, 1e-12)
        weights = simplex_weights(self.settings.scalarisation_agents, len(self.multi.objectives))
        for scores in chebyshev_scores(mean, sigma, weights, ideal, span, self.settings.exploration):
            chosen.append(_best_indices(scores, per_agent))
        return np.unique(np.concatenate(chosen))

    def _objective_agent(self, j: int, fits: MultiFits, observations: Observations,
                         mean: np.ndarray, variance: np.ndarray) -> np.ndarray:
        """EI of objective j's GP samples (s, n) below each sample's incumbent, averaged."""
        spec = self.multi.objectives[j]
        single = dataclasses.replace(observations, objective=observations.objectives[:, j].copy())
        problem = dataclasses.replace(self.problem, objective_noiseless=spec.noiseless)
        best = incumbent(problem, fits.agent(j), single, feasible_only=False)
        return expected_improvement(mean, variance, best[:, None]).mean(axis=0)

    def _known_agent(self, j: int, mean: np.ndarray, supervisor: "_Supervisor") -> np.ndarray:
        """Lower known value is better, among candidates whose mean vector (n, m) would join the
        front (every candidate when none would)."""
        gain = expected_hvi(mean, np.zeros_like(mean), supervisor.front, supervisor.reference)
        scores = -mean[:, j]
        if (gain > 0).any():
            scores = np.where(gain > 0, scores, -np.inf)
        return scores

    def _refine(self, supervisor: "_Supervisor", proposals: np.ndarray, scores: np.ndarray,
                taken: TakenPoints) -> tuple[np.ndarray, np.ndarray]:
        """Rounds of small Gaussian steps around the supervisor's best proposals (halving)."""
        space, feasible = self.problem.space, self.problem.feasible_mask()
        seen = TakenPoints(proposals)
        sigma = self.settings.refine_sigma
        for _ in range(self.settings.refine_rounds):
            top = proposals[_best_indices(scores, self.settings.refine_top)]
            draws = unique_rows(gaussian_neighbours(space, top, sigma, self.settings.refine_draws, self.rng))
            keep = taken.mask_new(draws) & seen.mask_new(draws)
            if feasible is not None and keep.any():
                keep[keep] = feasible(draws[keep])
            draws = draws[keep]
            if len(draws):
                seen.add(draws)
                proposals = np.vstack([proposals, draws])
                scores = np.concatenate([scores, supervisor.of_points(draws)])
            sigma /= 2.0
        return proposals, scores


class _Supervisor:
    """EHVI over the front (times Pr(measured constraints) and Pr(valid)), or the probabilities
    alone before any feasible result, as ``ehvi``'s acquisition; scored from moments the agents
    already predicted, or from points. The front and its boxes are made once per pick."""

    def __init__(self, strategy: PABOStrategy, fits: MultiFits, observations: Observations) -> None:
        self.front = strategy.front(fits, observations)
        self.reference = strategy.multi.reference_point(observations)
        self.probabilities = _measured_probabilities(strategy.problem, fits)
        self.feasibility_only = bool(self.probabilities) and not observations.feasible.any()
        self.ehvi = ExpectedHypervolumeImprovement(fits.objectives, fits.known, self.front, self.reference)

    def probability(self, points: np.ndarray) -> np.ndarray:
        probability = np.ones(len(points))
        for factor in self.probabilities:
            probability = probability * factor(points)
        return probability

    def of_moments(self, means: np.ndarray, variances: np.ndarray, probability: np.ndarray) -> np.ndarray:
        return probability if self.feasibility_only else self.ehvi.of_moments(means, variances) * probability

    def of_points(self, points: np.ndarray) -> np.ndarray:
        return self.of_moments(*self.ehvi.moments(points), self.probability(points))
