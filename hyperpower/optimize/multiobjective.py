"""Several objectives: strategies that grow the feasible Pareto front instead of lowering one value.

The contract the run loop's ``Optimizer`` relies on (issue 12): a ``MultiObjectiveProblem``
(``multiobjective_problem``) wraps the single-objective ``Problem`` with the ordered objectives;
``MULTI_OBJECTIVE_STRATEGIES`` maps a method name to
a constructor ``(problem, rng) -> strategy`` whose ``ready(observations)`` and
``propose(observations, taken, count)`` behave as the single-objective strategies'.
``observations.objectives`` has one column per ``problem.objectives`` entry, in that order.

An objective with an a-priori model (``ObjectiveSpec.known``, the hardware metric of a template
whose model was profiled) is a known function of the configuration: strategies evaluate it
instead of fitting a GP from scratch; when the models learn (``ObjectiveSpec.learned``) they take
its corrected mean and variance, once it has a measurement. An unaware run passes no ``known``
and learns every objective.

``ehvi`` (``multiobjective_bayes``) and ``pabo`` (``pabo``) are the GP-based members: expected
hypervolume improvement, and PABO's objective and scalarisation agents with an EHVI supervisor.

Rand and Rand-Walk keep their single-objective meaning: uniform points, and a Gaussian step around
a point of the feasible front (chosen uniformly, so the walk explores the whole front), both
rejecting configurations the models predict to break a budget when aware.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from hyperpower.optimize.candidates import TakenPoints
from hyperpower.optimize.multiobjective_bayes import EHVIStrategy
from hyperpower.optimize.multiobjective_problem import MultiObjectiveProblem
from hyperpower.optimize.observations import Observations, feasible_front_indices
from hyperpower.optimize.pabo import PABOStrategy
from hyperpower.optimize.random_methods import random_walk
from hyperpower.optimize.strategies import RandomStrategy

class MultiObjectiveRandom(RandomStrategy):
    """Rand: uniform points; the objectives play no part (rejection against the models when aware)."""

    def __init__(self, problem: MultiObjectiveProblem, rng: np.random.Generator) -> None:
        super().__init__(problem.base, rng)
        self.multi = problem


class MultiObjectiveRandomWalk(MultiObjectiveRandom):
    """Rand-Walk: N(x, sigma0^2) around a uniformly chosen point of the feasible front."""

    def ready(self, observations: Observations) -> bool:
        return len(feasible_front_indices(observations)) > 0

    def propose(self, observations: Observations, taken: TakenPoints, count: int) -> np.ndarray:
        front = feasible_front_indices(observations)
        center = observations.points[int(self.rng.choice(front))]
        return random_walk(self.problem.space, self.rng, center, self.problem.sigma0, count,
                           self.problem.feasible_mask(), taken)


MULTI_OBJECTIVE_STRATEGIES: dict[str, Callable[[MultiObjectiveProblem, np.random.Generator], object]] = {
    "rand": MultiObjectiveRandom,
    "rand-walk": MultiObjectiveRandomWalk,
    "ehvi": EHVIStrategy,
    "pabo": PABOStrategy,
}
