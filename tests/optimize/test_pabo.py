"""pabo (issue 25.4): objective and scalarisation agents propose, an EHVI supervisor picks; the
agents are exact over a small discrete space; and the work per suggestion is bounded well below
ehvi's (one MCMC sweep, a few hundred predicted candidates)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hyperpower.jobs import Job, JobStatus
from hyperpower.optimize import ensemble as ensemble_module
from hyperpower.optimize.candidates import TakenPoints
from hyperpower.optimize.constraints import KnownConstraints
from hyperpower.optimize.ensemble import FittedEnsemble, MCMCSettings
from hyperpower.optimize.grid import enumerate_configurations
from hyperpower.optimize.multiobjective import MULTI_OBJECTIVE_STRATEGIES
from hyperpower.optimize.multiobjective_problem import MultiObjectiveProblem, ObjectiveSpec
from hyperpower.optimize.observations import collect_observations
from hyperpower.optimize.ehvi import ExpectedHypervolumeImprovement
from hyperpower.optimize.pabo import PABOSettings, PABOStrategy, _Supervisor, chebyshev_scores, simplex_weights
from hyperpower.optimize.strategies import Problem
from hyperpower.space import SearchSpace, Variable

from test_multiobjective_bayes import SPACE, branin_currin, job, problem

FAST = MCMCSettings(samples=4, burn_in=20)


def observed(count: int = 12, seed: int = 1):
    points = np.random.default_rng(seed).random((count, 2))
    jobs = [job(i, p, branin_currin(*p)) for i, p in enumerate(points)]
    return collect_observations(jobs, SPACE, ["branin", "currin"], [])


def test_weights_lie_strictly_between_the_ends_and_scores_are_the_chebyshev_bound() -> None:
    two = simplex_weights(3, 2)
    np.testing.assert_allclose(two, [[0.25, 0.75], [0.5, 0.5], [0.75, 0.25]])
    three = simplex_weights(7, 3)
    assert three.shape == (7, 3) and np.all(three > 0) and np.allclose(three.sum(axis=1), 1.0, atol=3e-3)
    mean, sigma = np.array([[1.0, 3.0], [2.0, 2.0]]), np.array([[0.5, 0.0], [0.0, 1.0]])
    ideal, span = np.array([0.0, 1.0]), np.array([2.0, 4.0])
    scores = chebyshev_scores(mean, sigma, two, ideal, span, exploration=1.0)
    for a, w in enumerate(two):
        for n in range(2):
            brute = -max(w[j] * (mean[n, j] - sigma[n, j] - ideal[j]) / span[j] for j in range(2))
            assert scores[a, n] == pytest.approx(brute)


def test_the_supervisor_picks_the_proposal_of_largest_ehvi_among_every_agents_best() -> None:
    observations = observed()
    settings = PABOSettings(refine_rounds=0, scalarisation_agents=4, proposals_per_agent=2)
    strategy = PABOStrategy(problem([ObjectiveSpec("branin", True), ObjectiveSpec("currin", True)]),
                            np.random.default_rng(0), settings)
    seen = {}
    original_pool, original_indices = strategy._pool, strategy._proposal_indices

    def pool(*args):
        seen["pool"] = original_pool(*args)
        return seen["pool"]

    def indices(fits, *args):
        seen["fits"], seen["indices"] = fits, original_indices(fits, *args)
        return seen["indices"]

    strategy._pool, strategy._proposal_indices = pool, indices  # type: ignore[method-assign]
    point = strategy.propose(observations, TakenPoints(observations.every_point), 1)[0]
    proposals = seen["pool"][seen["indices"]]
    assert 2 < len(proposals) <= 2 * (2 + 4)  # every agent's two best, some shared
    scores = strategy.ehvi(seen["fits"], observations)(proposals)
    np.testing.assert_array_equal(point, proposals[int(np.argmax(scores))])


def test_a_known_objective_agent_proposes_its_cheapest_points_that_could_join_the_front() -> None:
    observations = observed()
    model = lambda points: points[:, 0] + points[:, 1]  # noqa: E731
    strategy = PABOStrategy(problem([ObjectiveSpec("branin", True), ObjectiveSpec("cost", True, known=model)]),
                            np.random.default_rng(0))
    fits = strategy.fit(observations)
    pool = np.random.default_rng(3).random((300, 2))
    mean = fits.mean(pool)
    scores = strategy._known_agent(1, mean, _Supervisor(strategy, fits, observations))
    best = pool[int(np.argmax(scores))]
    front = strategy.front(fits, observations)
    best_mean = fits.mean(best[None])[0]
    assert not np.any(np.all(front <= best_mean, axis=1))  # not dominated by the front
    joining = np.isfinite(scores)
    assert model(best[None])[0] == pytest.approx(model(pool[joining]).min())


def test_agents_are_exact_over_a_small_discrete_space() -> None:
    """Every admissible configuration is scored: the objective agent's proposals are its
    acquisition's brute-force best over all of them."""
    space = SearchSpace([Variable("units", "INT", 1, 6), Variable("op", "ENUM", options=("a", "b", "c", "d"))])
    configurations = np.vstack(list(enumerate_configurations(space, 100)))
    rng = np.random.default_rng(2)
    chosen = configurations[rng.choice(len(configurations), 8, replace=False)]
    jobs = [Job(id=i, experiment="d", status=JobStatus.COMPLETE, raw_params=space.from_unit(p),
                values={"a": float(p[0] + rng.random()), "b": float(1 - p[0] + p[1] + rng.random())}, feasible=True)
            for i, p in enumerate(chosen)]
    observations = collect_observations(jobs, space, ["a", "b"], [])
    base = Problem(space=space, known=KnownConstraints(space, []), measured=[], mcmc=FAST)
    strategy = PABOStrategy(MultiObjectiveProblem(base, [ObjectiveSpec("a"), ObjectiveSpec("b")]), np.random.default_rng(0),
                            PABOSettings(proposals_per_agent=1, scalarisation_agents=0))
    taken = TakenPoints(observations.every_point)
    pool = strategy._pool(observations, taken, discrete=True)
    assert len(pool) == len(configurations) - len(chosen)
    fits = strategy.fit(observations)
    means, variances = ExpectedHypervolumeImprovement.moments_of(fits.objectives, fits.known, pool)
    indices = strategy._proposal_indices(fits, observations, means, variances, np.ones(len(pool)),
                                         _Supervisor(strategy, fits, observations))
    for j in range(2):
        agent = strategy._objective_agent(j, fits, observations, means[..., j], variances[..., j])
        assert int(np.argmax(agent)) in indices


class _Counter:
    """Counts MCMC sweeps and predicted candidate rows, by patching the two places they happen."""

    def __init__(self, monkeypatch) -> None:
        self.sweeps = 0
        self.rows = 0
        original_chain, original_predict = ensemble_module.sample_chain, FittedEnsemble.predict

        def chain(*args, **kwargs):
            self.sweeps += kwargs.get("samples", 0) * kwargs.get("thinning", 1) + kwargs.get("burn_in", 0)
            return original_chain(*args, **kwargs)

        def predict(ensemble, candidates):
            self.rows += len(np.atleast_2d(candidates))
            return original_predict(ensemble, candidates)

        monkeypatch.setattr(ensemble_module, "sample_chain", chain)
        monkeypatch.setattr(FittedEnsemble, "predict", predict)


def test_the_work_per_suggestion_is_bounded_and_a_tenth_of_ehvis(monkeypatch) -> None:
    """After the first fit (burn-in), a PABO suggestion draws one MCMC sweep for one objective
    (they take turns) and predicts at most candidates + neighbours + proposals + refinement rows
    per objective and pick; ehvi draws ``samples`` sweeps per objective and searches thousands of
    points. Batches of two (the second pick conditioned on the first)."""
    counter, count = _Counter(monkeypatch), 2
    specs = [ObjectiveSpec("branin", True), ObjectiveSpec("currin", True)]
    settings = PABOSettings()
    work = {}
    for method in ("pabo", "ehvi"):
        multi = problem(specs)
        multi.base.mcmc, multi.base.search = MCMCSettings(samples=10, burn_in=20), dataclasses.replace(
            multi.base.search, sobol_candidates=1024, neighbours_per_anchor=64, refine_starts=5, refine_rounds=7, refine_draws=32)
        strategy = MULTI_OBJECTIVE_STRATEGIES[method](multi, np.random.default_rng(0))
        if method == "pabo":
            strategy.settings = settings
        observations = observed(12)
        strategy.propose(observations, TakenPoints(observations.every_point), count)  # burn-in
        counter.sweeps = counter.rows = 0
        for size in (13, 14):
            observations = observed(size)
            strategy.propose(observations, TakenPoints(observations.every_point), count)
        work[method] = (counter.sweeps / 2, counter.rows / 2)
    sweeps, rows = work["pabo"]
    assert sweeps == 1
    per_pick = settings.candidates + 6 * settings.neighbours_per_anchor + 2 * (2 + settings.scalarisation_agents) \
        + settings.refine_rounds * settings.refine_top * settings.refine_draws
    assert rows <= 2 * count * per_pick + 2 * 15  # two objectives (+ the front's means)
    assert work["ehvi"][0] >= 10 * sweeps and work["ehvi"][1] >= 5 * rows
