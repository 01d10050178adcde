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

**Several objectives** (issue 22.4). A source passes every objective of the target it measured:
``SourceTask.values`` has one column per target objective, NaN where the source has no value (a
metric it never measured, or a job that lacks it). Normal scores are taken per column over the
values that exist, one prior GP is fitted per column that has values, and an extra observation
carries a value only for the objectives its source measured: each objective's GP is conditioned
on measured values alone (``multiobjective_bayes`` leaves NaN entries out of that objective's
fit), never on a value filled in for it.

**Which source jobs are used.** A configuration counts when every shared variable's value lies in
the target's range or options; a value beyond a bound by no more than floating-point rounding (a
log-scale 0.010000000000000004 against a max of 0.01) is that bound (``Variable.clipped``).
``usage`` says, per source, how many configurations were used and why the others were left out.

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
    values (n, m) of its complete jobs, one column per target objective in the target's order,
    NaN where the source did not measure that objective."""

    name: str
    space: SearchSpace
    raw_params: list[dict[str, Any]]
    values: np.ndarray


@dataclasses.dataclass
class SourceUsage:
    """How many of a source's configurations the prior uses, and why the others were left out
    (reason -> count)."""

    used: int = 0
    left_out: dict[str, int] = dataclasses.field(default_factory=dict)


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
    """Φ⁻¹((rank − ½)/n) per column (ties share their mean rank): the Gaussian copula transform.
    NaN entries (not measured) stay NaN; each column is ranked over the values it has."""
    from scipy.stats import norm, rankdata  # here: scipy.stats costs ~0.7 s CPU of every CLI start

    values = np.atleast_2d(np.asarray(values, dtype=float).T).T
    scores = np.full(values.shape, np.nan)
    for j in range(values.shape[1]):
        present = np.isfinite(values[:, j])
        if present.any():
            scores[present, j] = norm.ppf((rankdata(values[present, j]) - 0.5) / present.sum())
    return scores


class TransferPrior:
    """The copula prior over a target space, fitted on one or more source tasks."""

    def __init__(self, space: SearchSpace, sources: Sequence[SourceTask]) -> None:
        self.space = space
        self.names = [s.name for s in sources]
        self.shared = sorted({name for s in sources for name in shared_variables(space, s.space)},
                             key=space.names.index)
        self.columns = np.concatenate([np.arange(space.dim)[space.slice_of(n)] for n in self.shared])
        self.full = set(self.shared) == set(space.names)  # source points are points of the target
        self.usage: dict[str, SourceUsage] = {}
        rows, scores = [], []
        for source in sources:
            usage = self.usage.setdefault(source.name, SourceUsage())
            kept = []
            for index, raw in enumerate(source.raw_params):
                unit, reason = self._shared_unit(raw)
                if unit is None:
                    usage.left_out[reason] = usage.left_out.get(reason, 0) + 1
                else:
                    kept.append((index, unit))
            if len(kept) < 2:
                if kept:
                    usage.left_out["the only one inside this experiment's space (2 are needed to rank)"] = 1
                continue
            usage.used = len(kept)
            rows += [u for _, u in kept]
            scores.append(normal_scores(np.atleast_2d(source.values.T).T[[i for i, _ in kept]]))
        if not rows:
            raise ValueError("no source configuration lies in the target's search space")
        self.points = np.array(rows)  # (N, len(columns)) shared unit coordinates
        self.scores = np.vstack(scores)  # (N, m) normal scores, NaN where a source did not measure
        self._models = [self._fit(j) for j in range(self.scores.shape[1])]  # None: no source measured it
        self.modelled = [j for j, model in enumerate(self._models) if model is not None]
        if not self.modelled:
            raise ValueError("the sources measured none of the target's objectives at two configurations")
        self.primary = self.modelled[0]  # the first objective the sources measured
        self._order = self._source_order()

    # -- the prior -----------------------------------------------------------------------------
    def _shared_unit(self, raw: dict[str, Any]) -> tuple[np.ndarray | None, str]:
        """A source configuration's shared coordinates in the target's unit cube, or None and why:
        a value outside the target's range or options says nothing here. A value beyond a bound
        by rounding only is that bound (``Variable.clipped``)."""
        parts = []
        for name in self.shared:
            variable = self.space[name]
            value = variable.clipped(raw.get(name)) if name in raw else None
            if value is None:
                return None, f"outside this experiment's values of {name}"
            parts.append(variable.to_unit(value))
        return np.concatenate(parts), ""

    def _fit(self, column: int) -> Any:
        """The prior GP of one objective over the source configurations that measured it."""
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

        rows = np.flatnonzero(np.isfinite(self.scores[:, column]))
        if len(rows) < 2:
            return None
        rows = rows[self._prior_subset(self.scores[rows, column])]
        kernel = ConstantKernel(1.0, (1e-2, 1e2)) * Matern(np.full(len(self.columns), 0.3), (1e-2, 1e1), nu=2.5) \
            + WhiteKernel(0.1, (1e-4, 1.0))
        model = GaussianProcessRegressor(kernel, normalize_y=True, random_state=0)
        with warnings.catch_warnings():  # a length scale at its bound (an irrelevant variable) is an answer
            warnings.simplefilter("ignore", ConvergenceWarning)
            return model.fit(self.points[rows], self.scores[rows, column])

    @staticmethod
    def _prior_subset(scores: np.ndarray) -> np.ndarray:
        """Indices into ``scores`` the prior GP is fitted on: all, or the best and a spread."""
        if len(scores) <= MAX_PRIOR_POINTS:
            return np.arange(len(scores))
        order = np.argsort(scores)
        best = order[: MAX_PRIOR_POINTS // 2]
        rest = order[MAX_PRIOR_POINTS // 2:]
        spread = rest[np.linspace(0, len(rest) - 1, MAX_PRIOR_POINTS - len(best)).astype(int)]
        return np.concatenate([best, spread])

    def mean(self, points: np.ndarray, column: int | None = None) -> np.ndarray:
        """(n, dim) target unit points -> (n,) prior normal score of objective ``column`` (default:
        the first objective the sources measured)."""
        model = self._models[self.primary if column is None else column]
        return model.predict(np.atleast_2d(points)[:, self.columns])

    def _source_order(self) -> np.ndarray:
        """The source configurations, most promising first: by the primary score with one
        objective; with several, by non-dominated rank over the objectives the sources measured
        (configurations that lack one of them after those that have all), then the mean score."""
        scores = self.scores[:, self.modelled]
        if len(self.modelled) == 1:
            return np.argsort(scores[:, 0], kind="stable")
        complete = np.all(np.isfinite(scores), axis=1)
        ranks = np.full(len(scores), len(scores), dtype=int)
        if complete.any():
            ranks[complete] = pareto_ranks(scores[complete])
        return np.lexsort((np.nanmean(scores, axis=1), ranks))

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
        """Candidate order: several measured objectives -> how likely on the sources' front, then
        the primary prior mean; one -> the prior mean."""
        mean = self.mean(candidates)
        if len(self.modelled) == 1:
            return np.argsort(mean, kind="stable")
        fronts = self.front_probability(candidates)
        return np.lexsort((mean, -fronts))

    def front_probability(self, candidates: np.ndarray, neighbours: int = 5) -> np.ndarray:
        """An estimate, per candidate, of the probability that it lies on the front: the share of its
        nearest source configurations (shared columns) that are non-dominated in normal-score space,
        among those that measured every objective the sources measured."""
        scores = self.scores[:, self.modelled]
        complete = np.flatnonzero(np.all(np.isfinite(scores), axis=1))
        if len(complete) == 0:
            return np.zeros(len(candidates))
        on_front = pareto_ranks(scores[complete]) == 0
        distances = np.linalg.norm(candidates[:, None, self.columns] - self.points[None, complete, :], axis=2)
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
        """Task similarity in [0, 1]: Kendall's τ of prior and target (averaged over the objectives
        the sources measured), shrunk to ½ for few points."""
        n = len(observations.objective)
        tau = 0.0
        if n >= 3:
            taus = [self._tau(observations, column) for column in self.modelled
                    if column < observations.objectives.shape[1]]
            tau = float(np.mean(taus)) if taus else 0.0
        return (n * tau + PRIOR_COUNT * 0.5) / (n + PRIOR_COUNT)

    def _tau(self, observations: Observations, column: int) -> float:
        from scipy.stats import kendalltau

        values = observations.objectives[:, column]
        if np.ptp(values) <= 0:
            return 0.0
        tau = kendalltau(self.mean(observations.points, column), values).statistic
        return 0.0 if not math.isfinite(tau) else max(tau, 0.0)

    def augment(self, observations: Observations) -> Observations:
        """``observations`` with source configurations as extra, never-feasible observations
        (see the module doc); unchanged when the weight is below ``MIN_WEIGHT``, the target has
        fewer than 2 observations, or the sources' points are not target points."""
        n = len(observations.objective)
        weight = self.weight(observations)
        count = int(round(MAX_PSEUDO * weight * max(0.0, 1.0 - n / RELEASE_AFTER)))
        if n < 2 or weight < MIN_WEIGHT or not self.full or count == 0:
            return observations
        order = self._order
        picks = np.unique(np.concatenate([order[: count // 2],
                                          order[np.linspace(0, len(order) - 1, count - count // 2).astype(int)]]))
        picks = picks[TakenPoints(observations.every_point).mask_new(self.source_points()[picks])]
        if not len(picks):
            return observations
        points = self.source_points()[picks]
        targets = observations.objectives
        centre, scale = targets.mean(axis=0), targets.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        # a source's value on the target's scale where it measured the objective, NaN (left out
        # of that objective's GP) where it did not: no value is ever made up
        values = np.full((len(picks), targets.shape[1]), np.nan)
        columns = min(self.scores.shape[1], targets.shape[1])
        values[:, :columns] = centre[:columns] + scale[:columns] * self.scores[picks, :columns]
        return dataclasses.replace(
            observations,
            points=np.vstack([observations.points, points]),
            objective=np.concatenate([observations.objective, values[:, 0]]),
            feasible=np.concatenate([observations.feasible, np.zeros(len(picks), dtype=bool)]),
            objectives=np.vstack([targets, values]))
