"""Transfer from related tasks (issue 14, seed 002): finished experiments warm-start a new one.

Choice: a Gaussian-copula prior (Salinas et al., ICML 2020, "A quantile-based approach for
hyperparameter transfer learning"). Each source task's objective values are replaced by their
normal scores z = Φ⁻¹((rank − ½)/n), which removes what differs most between related tasks (the
scale and offset of the error: CIFAR-100 errors are 3× CIFAR-10's) and keeps what transfers (which
configurations are good). A GP regression (scikit-learn, Matérn 5/2 + white noise) on the pooled
normal scores over the variables the tasks share is the prior m(x). It is used twice, without
touching the GP engine of the strategies (so it works with every method that has a design phase):

1. **Initial design.** Instead of Sobol points, the first jobs are the configurations the prior
   ranks best (the sources' best configurations when every variable is shared, else prior-ranked
   Sobol points), kept apart so the design still spreads. With several objectives the sources'
   non-dominated configurations in normal-score space come first: an estimate of where the front
   lies, before a single evaluation of the new task.
2. **Extra observations with a task-similarity weight.** While the target task has few
   observations, up to ``MAX_PSEUDO`` source configurations join its GP as observations valued
   μ + σ z on the target's own scale (μ, σ of its observations). How many is set by the weight
   w = (n·max(τ, 0) + PRIOR_COUNT·½) / (n + PRIOR_COUNT), τ Kendall's rank correlation between m
   and the target's n observations: a related task keeps its sources, an unrelated one (τ ≤ 0)
   loses them within a few evaluations (w < ``MIN_WEIGHT``). Pseudo-observations are never
   measured-feasible, so they shape the GP's mean but never set EI's incumbent, and they fade out
   as the target gains observations of its own (none from ``RELEASE_AFTER`` on): the prior is for
   the start; kept longer it pins EI near the sources' optima.

So an unrelated source costs at most the initial design (which random points would spend as
blindly) plus the few evaluations τ needs to turn; ``benchmarks/devices/`` measures it.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any, Sequence

import numpy as np

from hyperpower.optimize.candidates import TakenPoints
from hyperpower.optimize.observations import Observations
from hyperpower.optimize.pareto import pareto_ranks
from hyperpower.space import SearchSpace, Variable, VariableType

MAX_PSEUDO = 20
MIN_WEIGHT = 0.2
PRIOR_COUNT = 5.0
#: extra observations fade out linearly and are gone once the target has this many of its own:
#: measured on NAS-Bench-201, sources kept at full weight pinned EI near their optima (the best
#: error stayed put from the 3rd to the 10th evaluation) while the cold start caught up
RELEASE_AFTER = 10
MAX_PRIOR_POINTS = 400  # the prior GP is O(n³): the best and a spread of the rest beyond this


@dataclasses.dataclass
class SourceTask:
    """One finished experiment: its name, its search space, and the raw params and objective
    values (n, m) of its complete jobs (columns in the target's objective order)."""

    name: str
    space: SearchSpace
    raw_params: list[dict[str, Any]]
    values: np.ndarray


def shared_variables(target: SearchSpace, source: SearchSpace) -> list[str]:
    """Target variables the source also has, of the same type and overlapping values."""
    return [name for name in target.names if name in source.names and _overlap(target[name], source[name])]


def _overlap(a: Variable, b: Variable) -> bool:
    if a.type is not b.type or a.size != b.size:
        return False
    if a.type is VariableType.ENUM:
        return bool(set(a.options) & set(b.options))
    return max(a.min, b.min) <= min(a.max, b.max)


def normal_scores(values: np.ndarray) -> np.ndarray:
    """Φ⁻¹((rank − ½)/n) per column (ties share their mean rank): the Gaussian copula transform."""
    from scipy.stats import norm, rankdata  # here: scipy.stats costs ~0.7 s CPU of every CLI start

    values = np.atleast_2d(values.T).T
    ranks = np.column_stack([rankdata(values[:, j]) for j in range(values.shape[1])])
    return norm.ppf((ranks - 0.5) / len(values))


class TransferPrior:
    """The copula prior over a target space, fitted on one or more source tasks."""

    def __init__(self, space: SearchSpace, sources: Sequence[SourceTask]) -> None:
        self.space = space
        self.names = [s.name for s in sources]
        self.shared = sorted({name for s in sources for name in shared_variables(space, s.space)},
                             key=space.names.index)
        self.columns = np.concatenate([np.arange(space.dim)[space.slice_of(n)] for n in self.shared])
        self.full = set(self.shared) == set(space.names)  # source points are points of the target
        rows, scores = [], []
        for source in sources:
            kept = [(i, self._shared_unit(p)) for i, p in enumerate(source.raw_params)]
            kept = [(i, u) for i, u in kept if u is not None]
            if len(kept) < 2:
                continue
            z = normal_scores(source.values[[i for i, _ in kept]])
            rows += [u for _, u in kept]
            scores.append(z)
        if not rows:
            raise ValueError("no source configuration lies in the target's search space")
        self.points = np.array(rows)  # (N, len(columns)) shared unit coordinates
        self.scores = np.vstack(scores)  # (N, m) normal scores
        self._model = self._fit()

    # -- the prior -----------------------------------------------------------------------------
    def _shared_unit(self, raw: dict[str, Any]) -> np.ndarray | None:
        """A source configuration's shared coordinates in the target's unit cube; None when a value
        lies outside the target's range or options (that configuration says nothing here)."""
        parts = []
        for name in self.shared:
            variable = self.space[name]
            value = raw.get(name)
            if value is None or not variable.contains(value):
                return None
            parts.append(variable.to_unit(value))
        return np.concatenate(parts)

    def _fit(self) -> Any:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

        order = self._prior_subset()
        kernel = ConstantKernel(1.0, (1e-2, 1e2)) * Matern(np.full(len(self.columns), 0.3), (1e-2, 1e1), nu=2.5) \
            + WhiteKernel(0.1, (1e-4, 1.0))
        model = GaussianProcessRegressor(kernel, normalize_y=True, random_state=0)
        with warnings.catch_warnings():  # a length scale at its bound (an irrelevant variable) is an answer
            warnings.simplefilter("ignore", ConvergenceWarning)
            return model.fit(self.points[order], self.scores[order, 0])

    def _prior_subset(self) -> np.ndarray:
        if len(self.points) <= MAX_PRIOR_POINTS:
            return np.arange(len(self.points))
        order = np.argsort(self.scores[:, 0])
        best = order[: MAX_PRIOR_POINTS // 2]
        rest = order[MAX_PRIOR_POINTS // 2:]
        spread = rest[np.linspace(0, len(rest) - 1, MAX_PRIOR_POINTS - len(best)).astype(int)]
        return np.concatenate([best, spread])

    def mean(self, points: np.ndarray) -> np.ndarray:
        """(n, dim) target unit points -> (n,) prior normal score of the (first) objective."""
        return self._model.predict(np.atleast_2d(points)[:, self.columns])

    # -- 1. initial design ----------------------------------------------------------------------
    def design(self, candidates: np.ndarray, count: int, min_distance: float = 0.15) -> np.ndarray:
        """``count`` rows of ``candidates`` (new, predicted-feasible target points) the prior ranks
        best, each at least ``min_distance`` (unit cube, shared columns) from those chosen before."""
        ranked = candidates[self._rank(candidates)]
        chosen: list[np.ndarray] = []
        for point in ranked:
            if all(np.linalg.norm((point - c)[self.columns]) >= min_distance for c in chosen):
                chosen.append(point)
            if len(chosen) == count:
                break
        for point in ranked:  # too few far apart: fill in prior order
            if len(chosen) == count:
                break
            if not any(np.array_equal(point, c) for c in chosen):
                chosen.append(point)
        return np.array(chosen).reshape(len(chosen), self.space.dim)

    def _rank(self, candidates: np.ndarray) -> np.ndarray:
        """Candidate order: several objectives -> non-dominated rank of the prior, then its mean."""
        mean = self.mean(candidates)
        if self.scores.shape[1] == 1:
            return np.argsort(mean, kind="stable")
        fronts = self.front_probability(candidates)
        return np.lexsort((mean, -fronts))

    def front_probability(self, candidates: np.ndarray, neighbours: int = 5) -> np.ndarray:
        """An estimate, per candidate, of the probability that it lies on the front: the share of its
        nearest source configurations (shared columns) that are non-dominated in normal-score space."""
        on_front = pareto_ranks(self.scores) == 0
        distances = np.linalg.norm(candidates[:, None, self.columns] - self.points[None, :, :], axis=2)
        nearest = np.argsort(distances, axis=1)[:, :neighbours]
        return on_front[nearest].mean(axis=1)

    def source_points(self) -> np.ndarray:
        """The sources' configurations as target points (only when every variable is shared)."""
        if not self.full:
            return np.zeros((0, self.space.dim))
        points = np.zeros((len(self.points), self.space.dim))
        points[:, self.columns] = self.points
        return points

    # -- 2. extra observations --------------------------------------------------------------------
    def weight(self, observations: Observations) -> float:
        """Task similarity in [0, 1]: Kendall's τ of prior and target, shrunk to ½ for few points."""
        from scipy.stats import kendalltau

        n = len(observations.objective)
        tau = 0.0
        if n >= 3 and np.ptp(observations.objective) > 0:
            tau = kendalltau(self.mean(observations.points), observations.objective).statistic
            tau = 0.0 if not math.isfinite(tau) else max(tau, 0.0)
        return (n * tau + PRIOR_COUNT * 0.5) / (n + PRIOR_COUNT)

    def augment(self, observations: Observations) -> Observations:
        """``observations`` with source configurations as extra, never-feasible observations
        (see the module doc); unchanged when the weight is below ``MIN_WEIGHT``, the target has
        fewer than 2 observations, or the sources' points are not target points."""
        n = len(observations.objective)
        weight = self.weight(observations)
        count = int(round(MAX_PSEUDO * weight * max(0.0, 1.0 - n / RELEASE_AFTER)))
        if n < 2 or weight < MIN_WEIGHT or not self.full or count == 0:
            return observations
        order = np.argsort(self.scores[:, 0])
        picks = np.unique(np.concatenate([order[: count // 2],
                                          order[np.linspace(0, len(order) - 1, count - count // 2).astype(int)]]))
        picks = picks[TakenPoints(observations.every_point).mask_new(self.source_points()[picks])]
        if not len(picks):
            return observations
        points = self.source_points()[picks]
        targets = observations.objectives
        centre, scale = targets.mean(axis=0), targets.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        columns = min(self.scores.shape[1], targets.shape[1])
        values = np.tile(centre, (len(picks), 1))
        values[:, :columns] = centre[:columns] + scale[:columns] * self.scores[picks, :columns]
        return dataclasses.replace(
            observations,
            points=np.vstack([observations.points, points]),
            objective=np.concatenate([observations.objective, values[:, 0]]),
            feasible=np.concatenate([observations.feasible, np.zeros(len(picks), dtype=bool)]),
            objectives=np.vstack([targets, values]))
