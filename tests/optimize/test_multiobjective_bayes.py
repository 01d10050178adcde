"""ehvi and pabo: better fronts than random on Branin-Currin, agents, known objectives, caching."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hyperpower.jobs import Job, JobStatus
from hyperpower.optimize.candidates import TakenPoints
from hyperpower.optimize.constraints import KnownConstraints
from hyperpower.optimize.ensemble import MCMCSettings
from hyperpower.optimize.multiobjective import MULTI_OBJECTIVE_STRATEGIES
from hyperpower.optimize.multiobjective_problem import MultiObjectiveProblem, ObjectiveSpec
from hyperpower.optimize.observations import collect_observations
from hyperpower.optimize.pareto import hypervolume
from hyperpower.optimize.search import SearchSettings
from hyperpower.optimize.strategies import Problem
from hyperpower.space import SearchSpace, Variable

SPACE = SearchSpace([Variable("x", "FLOAT", 0.0, 1.0), Variable("y", "FLOAT", 0.0, 1.0)])
FAST = MCMCSettings(samples=3, thinning=1, burn_in=20)
SMALL = SearchSettings(sobol_candidates=256, neighbours_per_anchor=16, refine_starts=3, refine_rounds=4, refine_draws=16)
REFERENCE = np.array([18.0, 6.0])


def branin_currin(x: float, y: float) -> tuple[float, float]:
    """Both minimized on the unit square (BoTorch's BraninCurrin, negated back)."""
    u, v = 15 * x - 5, 15 * y
    branin = (v - 5.1 / (4 * math.pi**2) * u**2 + 5 / math.pi * u - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(u) + 10
    factor = 1.0 if y == 0 else 1 - math.exp(-1 / (2 * y))
    currin = factor * (2300 * x**3 + 1900 * x**2 + 2092 * x + 60) / (100 * x**3 + 500 * x**2 + 4 * x + 20)
    return branin, currin


def problem(objectives: list[ObjectiveSpec], reference=REFERENCE) -> MultiObjectiveProblem:
    base = Problem(space=SPACE, known=KnownConstraints(SPACE, []), measured=[], objective_noiseless=True,
                   mcmc=FAST, search=SMALL)
    return MultiObjectiveProblem(base, objectives, reference)


def job(index: int, point: np.ndarray, values: tuple[float, float]) -> Job:
    return Job(id=index, experiment="bc", status=JobStatus.COMPLETE, raw_params={"x": float(point[0]), "y": float(point[1])},
               values={"branin": values[0], "currin": values[1]}, feasible=True)


def run(method: str, seed: int, evaluations: int, initial: int = 5) -> np.ndarray:
    """(evaluations, 2) values of a sequential run from ``initial`` uniform points."""
    rng = np.random.default_rng(seed)
    strategy = MULTI_OBJECTIVE_STRATEGIES[method](
        problem([ObjectiveSpec("branin", noiseless=True), ObjectiveSpec("currin", noiseless=True)]), rng)
    jobs: list[Job] = []
    for index in range(evaluations):
        observed = collect_observations(jobs, SPACE, ["branin", "currin"], [])
        if index < initial or not strategy.ready(observed):
            point = rng.random(2)
        else:
            point = strategy.propose(observed, TakenPoints(observed.every_point), 1)[0]
        jobs.append(job(index, point, branin_currin(*point)))
    return np.array([[j.values["branin"], j.values["currin"]] for j in jobs])


@pytest.mark.parametrize("method", ["ehvi", "pabo"])
def test_front_beats_random_at_equal_evaluations(method: str) -> None:
    """A short run (14 evaluations, 5 of them random) on the Branin-Currin front (optimum 59.36)."""
    for seed in range(2):
        model_based = hypervolume(run(method, seed, 14), REFERENCE)
        random = hypervolume(run("rand", seed, 14), REFERENCE)
        assert model_based > random + 10.0
        assert model_based <= 59.37


def observed_points() -> tuple:
    rng = np.random.default_rng(1)
    points = rng.random((8, 2))
    jobs = [job(i, p, branin_currin(*p)) for i, p in enumerate(points)]
    return collect_observations(jobs, SPACE, ["branin", "currin"], []), points


@pytest.mark.parametrize("method", ["ehvi", "pabo"])
def test_a_known_objective_is_evaluated_never_fitted(method: str) -> None:
    observed, _ = observed_points()
    calls: list[int] = []

    def currin_model(points: np.ndarray) -> np.ndarray:
        calls.append(len(points))
        return np.array([branin_currin(*p)[1] for p in points])

    strategy = MULTI_OBJECTIVE_STRATEGIES[method](
        problem([ObjectiveSpec("branin", True), ObjectiveSpec("currin", True, known=currin_model)]), np.random.default_rng(0))
    fits = strategy.fit(observed)
    assert fits.objectives[1] is None and fits.objectives[0] is not None
    assert list(strategy.ensembles) == ["objective branin"]
    point = strategy.propose(observed, TakenPoints(observed.every_point), 1)[0]
    assert calls and list(strategy.ensembles) == ["objective branin"]
    assert SPACE.dim == len(point)


def test_before_any_feasible_result_ehvi_looks_for_feasibility() -> None:
    """All measured jobs broke the measured memory budget: the acquisition is Pr(feasible) alone
    (as HW-CWEI's), and it prefers where the memory GP predicts values under the budget."""
    from hyperpower.optimize.acquisition import ConstraintWeightedEI
    from hyperpower.optimize.observations import ConstraintRule

    rule = ConstraintRule("memory", 1.0, feasible_below=True)
    points = np.random.default_rng(2).random((6, 2))
    jobs = [Job(id=i, experiment="bc", status=JobStatus.COMPLETE, raw_params={"x": float(p[0]), "y": float(p[1])},
                values={"branin": branin_currin(*p)[0], "currin": branin_currin(*p)[1], "memory": 1.5 + p[0]}, feasible=False)
            for i, p in enumerate(points)]
    observed = collect_observations(jobs, SPACE, ["branin", "currin"], [rule])
    multi = problem([ObjectiveSpec("branin", True), ObjectiveSpec("currin", True)], reference=None)
    multi.base.measured = [rule]
    strategy = MULTI_OBJECTIVE_STRATEGIES["ehvi"](multi, np.random.default_rng(0))
    fits = strategy.fit(observed)
    acquisition = strategy.ehvi(fits, observed)
    assert isinstance(acquisition, ConstraintWeightedEI) and acquisition.base is None
    low, high = acquisition(np.array([[0.0, 0.5], [1.0, 0.5]]))
    assert low > high
