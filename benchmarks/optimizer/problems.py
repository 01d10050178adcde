"""Constrained test problems for the optimizer benchmark (all minimize, all on named variables).

* ``gramacy``: Gramacy et al. (2016) toy problem, min x1 + x2 on [0, 1]^2 with two black-box
  constraints (unknown to every method, learnt from measurements). Optimum 0.5998.
* ``branin-disk``: Branin on [-5, 10] x [0, 15] restricted to the disk
  (x1 - 2.5)^2 + (x2 - 7.5)^2 <= 20, which excludes all three unconstrained minima. The disk is
  known a priori (a "network feature" model for HyperPower; Ax can only learn it as an outcome
  constraint, since it is not linear in the parameters).
* ``hartmann6-power``: Hartmann-6 on [0, 1]^6 with a linear "power" model known a priori,
  power = 40 + 20 (x3 + x4 + x5 + x6) W <= 70 W; the unconstrained optimum draws 74.4 W, and
  about 19% of the cube is feasible.
* ``branin-nan``: Branin on [-5, 10] x [0, 15] that returns NaN outside 0 <= x1 <= 5, x2 <= 5 (a
  hidden constraint: Spearmint's constrained example returns NaN outside its valid region), with
  the black-box constraints x2 >= x1 and x2 <= 10. Optimum 0.8447 at (2.945, 2.945). A NaN result
  is infeasible: HyperPower learns Pr(valid), Optuna sees a failed trial.

A constraint value is "satisfied" when ``value <= threshold`` (budgets) — the Spearmint form
(value >= 0) is derived for the unknown Gramacy constraints.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable

import numpy as np

HARTMANN_A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
HARTMANN_P = 1e-4 * np.array([
    [1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
    [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381],
])
HARTMANN_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
#: a point on a budget's boundary is feasible even if float rounding puts it 1e-12 W over
FEASIBILITY_TOLERANCE = 1e-6


@dataclasses.dataclass(frozen=True)
class Constraint:
    """name; value(params) -> float; feasible when value <= threshold.
    known: "linear" (a LinearModel on variables), "feature" (a model on a computed feature),
    or None (black box, learnt from measurements)."""

    name: str
    value: Callable[[dict], float]
    threshold: float
    known: str | None = None
    linear_coef: dict[str, float] | None = None
    intercept: float = 0.0


@dataclasses.dataclass(frozen=True)
class Problem:
    name: str
    bounds: dict[str, tuple[float, float]]
    objective: Callable[[dict], float]
    constraints: tuple[Constraint, ...]
    optimum: float

    def evaluate(self, params: dict) -> tuple[float, dict[str, float], bool]:
        """-> objective (NaN where the problem gives no valid result), constraint values, feasible."""
        values = {c.name: float(c.value(params)) for c in self.constraints}
        objective = float(self.objective(params))
        feasible = math.isfinite(objective) and all(values[c.name] <= c.threshold + FEASIBILITY_TOLERANCE * max(1.0, abs(c.threshold)) for c in self.constraints)
        return objective, values, feasible


def _gramacy_c1(p: dict) -> float:
    x1, x2 = p["x1"], p["x2"]
    return 1.5 - x1 - 2 * x2 - 0.5 * math.sin(2 * math.pi * (x1**2 - 2 * x2))


def _gramacy_c2(p: dict) -> float:
    return p["x1"] ** 2 + p["x2"] ** 2 - 1.5


def _branin(p: dict) -> float:
    x, y = p["x1"], p["x2"]
    return (y - 5.1 / (4 * math.pi**2) * x**2 + 5 / math.pi * x - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x) + 10


def _branin_nan(p: dict) -> float:
    """Branin, NaN outside the valid box 0 <= x1 <= 5, x2 <= 5."""
    return _branin(p) if 0.0 <= p["x1"] <= 5.0 and p["x2"] <= 5.0 else math.nan


def _disk(p: dict) -> float:
    return (p["x1"] - 2.5) ** 2 + (p["x2"] - 7.5) ** 2


def _hartmann6(p: dict) -> float:
    x = np.array([p[f"x{i}"] for i in range(1, 7)])
    return float(-np.sum(HARTMANN_ALPHA * np.exp(-np.sum(HARTMANN_A * (x - HARTMANN_P) ** 2, axis=1))))


HARTMANN_POWER = {"x3": 20.0, "x4": 20.0, "x5": 20.0, "x6": 20.0}


def _hartmann_power(p: dict) -> float:
    return 40.0 + sum(coef * p[name] for name, coef in HARTMANN_POWER.items())


def constrained_optimum(problem: Problem, rng: np.random.Generator, samples: int = 200_000) -> float:
    """Best feasible value by dense random sampling plus local polishing (for regret plots)."""
    from scipy.optimize import minimize

    names = list(problem.bounds)
    low = np.array([problem.bounds[n][0] for n in names])
    high = np.array([problem.bounds[n][1] for n in names])
    points = low + (high - low) * rng.random((samples, len(names)))
    as_dict = lambda x: dict(zip(names, x))  # noqa: E731
    scored = [(problem.objective(as_dict(x)), x) for x in points if problem.evaluate(as_dict(x))[2]]
    scored.sort(key=lambda item: item[0])
    best = scored[0][0]
    cons = [{"type": "ineq", "fun": (lambda c: lambda x: c.threshold - c.value(as_dict(x)))(c)} for c in problem.constraints]
    for _, start in scored[:40]:
        result = minimize(lambda x: problem.objective(as_dict(x)), start, bounds=list(zip(low, high)),
                          constraints=cons, method="SLSQP", options={"ftol": 1e-12, "maxiter": 500})
        x = np.clip(result.x, low, high)
        if problem.evaluate(as_dict(x))[2]:  # accept any feasible end point, converged or not
            best = min(best, problem.objective(as_dict(x)))
    return best


PROBLEMS: dict[str, Problem] = {
    "gramacy": Problem(
        "gramacy", {"x1": (0.0, 1.0), "x2": (0.0, 1.0)}, lambda p: p["x1"] + p["x2"],
        (Constraint("c1", _gramacy_c1, 0.0), Constraint("c2", _gramacy_c2, 0.0)), optimum=0.5998,
    ),
    "branin-disk": Problem(
        "branin-disk", {"x1": (-5.0, 10.0), "x2": (0.0, 15.0)}, _branin,
        (Constraint("disk", _disk, 20.0, known="feature"),), optimum=float("nan"),
    ),
    "branin-nan": Problem(
        "branin-nan", {"x1": (-5.0, 10.0), "x2": (0.0, 15.0)}, _branin_nan,
        (Constraint("x1_minus_x2", lambda p: p["x1"] - p["x2"], 0.0), Constraint("x2", lambda p: p["x2"], 10.0)),
        optimum=0.8447,
    ),
    "hartmann6-power": Problem(
        "hartmann6-power", {f"x{i}": (0.0, 1.0) for i in range(1, 7)}, _hartmann6,
        (Constraint("power", _hartmann_power, 70.0, known="linear", linear_coef=HARTMANN_POWER, intercept=40.0),),
        optimum=float("nan"),
    ),
}
