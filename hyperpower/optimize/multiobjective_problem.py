"""What a multi-objective strategy is asked to solve: the single-objective ``Problem`` (space,
a-priori budgets, measured constraint rules, MCMC and search settings) with the ordered objectives
and, when the user fixed one, the hypervolume reference point.

Kept apart from the strategies (``multiobjective``, ``multiobjective_bayes``), which all read it.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np

from hyperpower.optimize.observations import Observations, feasible_values
from hyperpower.optimize.pareto import default_reference
from hyperpower.optimize.strategies import Problem

#: a-priori objective: unit-cube points (k, dim) -> predicted values (k,)
KnownObjective = Callable[[np.ndarray], np.ndarray]


@dataclasses.dataclass
class ObjectiveSpec:
    """One minimized objective: its task name, whether its observations are noiseless, its
    a-priori model when it has one (then no GP is fitted to it), and the unit-cube columns its GP
    reads (None: all; the device variable's are left out for a metric the device cannot change).
    ``learned``: the model learning from measurements (``learned_model.LearnedObjective``, mean and
    variance like a GP ensemble), used in place of ``known`` once the objective has a measurement."""

    name: str
    noiseless: bool = False
    known: KnownObjective | None = None
    inputs: np.ndarray | None = None
    learned: Any = None


@dataclasses.dataclass
class MultiObjectiveProblem:
    """The single-objective ``Problem`` plus the ordered objectives and, when the user fixed one,
    the hypervolume reference point (else ``reference_point`` derives it from the data)."""

    base: Problem
    objectives: list[ObjectiveSpec]
    reference: np.ndarray | None = None

    def reference_point(self, observations: Observations) -> np.ndarray:
        """The fixed reference, or the default rule over the measured-feasible observed values."""
        if self.reference is not None:
            return np.asarray(self.reference, dtype=float)
        values = feasible_values(observations)
        if not len(values):  # rows with every objective (a transfer source's extra one may lack some)
            values = observations.objectives[np.all(np.isfinite(observations.objectives), axis=1)]
        return default_reference(values)
