"""The multi-objective strategy contract: rand and rand-walk over several objectives."""

from __future__ import annotations

import numpy as np
import pytest

from hyperpower.jobs import Job, JobStatus
from hyperpower.optimize.candidates import TakenPoints
from hyperpower.optimize.constraints import KnownConstraints
from hyperpower.optimize.multiobjective import MULTI_OBJECTIVE_STRATEGIES
from hyperpower.optimize.multiobjective_problem import MultiObjectiveProblem, ObjectiveSpec
from hyperpower.optimize.observations import collect_observations, feasible_front_indices
from hyperpower.optimize.strategies import Problem
from hyperpower.space import SearchSpace, Variable

SPACE = SearchSpace([Variable("x", "FLOAT", 0.0, 1.0), Variable("y", "FLOAT", 0.0, 1.0)])


def observations(rows: list[tuple[float, float, float, float, bool]]):
    jobs = [Job(id=i, experiment="e", status=JobStatus.COMPLETE, raw_params={"x": x, "y": y},
                values={"error": e, "power": p}, feasible=ok) for i, (x, y, e, p, ok) in enumerate(rows)]
    return collect_observations(jobs, SPACE, ["error", "power"], [])


def problem(reference=None) -> MultiObjectiveProblem:
    base = Problem(space=SPACE, known=KnownConstraints(SPACE, []), measured=[], sigma0=0.05)
    return MultiObjectiveProblem(base, [ObjectiveSpec("error"), ObjectiveSpec("power")], reference)


def test_front_holds_feasible_non_dominated_observations_only() -> None:
    observed = observations([(0.1, 0.1, 0.1, 9.0, True), (0.2, 0.2, 0.5, 5.0, True),
                             (0.3, 0.3, 0.6, 6.0, True), (0.4, 0.4, 0.0, 0.0, False)])
    assert feasible_front_indices(observed).tolist() == [0, 1]
    assert problem().reference_point(observed).tolist() == pytest.approx([0.6 + 0.05, 9.0 + 0.4])
    assert problem(np.array([1.0, 10.0])).reference_point(observed).tolist() == [1.0, 10.0]


def test_rand_walk_steps_from_a_front_point() -> None:
    observed = observations([(0.1, 0.1, 0.1, 9.0, True), (0.9, 0.9, 0.5, 5.0, True), (0.5, 0.5, 0.9, 9.5, True)])
    strategy = MULTI_OBJECTIVE_STRATEGIES["rand-walk"](problem(), np.random.default_rng(0))
    assert strategy.ready(observed)
    points = np.vstack([strategy.propose(observed, TakenPoints(observed.every_point), 1) for _ in range(30)])
    near_front = np.minimum(np.abs(points - 0.1).max(axis=1), np.abs(points - 0.9).max(axis=1))
    assert (near_front < 0.3).all()
    assert MULTI_OBJECTIVE_STRATEGIES["rand"](problem(), np.random.default_rng(0)).propose(
        observed, TakenPoints(observed.every_point), 4).shape == (4, 2)
