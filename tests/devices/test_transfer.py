"""Transfer from related tasks (issue 14 point 4): a Gaussian-copula prior from finished
experiments warm-starts the optimizer. A related task is solved faster than from a cold start;
an unrelated one loses its influence within a few evaluations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hyperpower.config import config_from_json
from hyperpower.jobs import Job, JobStatus
from hyperpower.optimize import Optimizer
from hyperpower.optimize.ensemble import MCMCSettings
from hyperpower.optimize.observations import collect_observations
from hyperpower.optimize.transfer import MIN_WEIGHT, SourceTask, TransferPrior, normal_scores

CONFIG = {"variables": {"x": {"type": "FLOAT", "min": 0.0, "max": 1.0}, "y": {"type": "FLOAT", "min": 0.0, "max": 1.0}},
          "tasks": {"objective": {"type": "OBJECTIVE", "likelihood": "NOISELESS"}},
          "hyperpower": {"method": "hw-ieci", "initial_design": 3}}


def branin(x: float, y: float, shift: float = 0.0) -> float:
    """Branin on the unit square (three minima of 0.397887), optionally moved by ``shift``."""
    a, b = 15 * (x + shift) - 5, 15 * y
    return (b - 5.1 / (4 * math.pi ** 2) * a ** 2 + 5 / math.pi * a - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(a) + 10


def _source(function, count: int = 60, seed: int = 7) -> SourceTask:
    rng = np.random.default_rng(seed)
    raw = [{"x": float(x), "y": float(y)} for x, y in rng.random((count, 2))]
    return SourceTask("source", config_from_json(CONFIG).space, raw,
                      np.array([[function(p["x"], p["y"])] for p in raw]))


def _optimize(function, prior: TransferPrior | None, evaluations: int, seed: int) -> list[float]:
    config = config_from_json(CONFIG)
    optimizer = Optimizer(config, {}, np.random.default_rng(seed), mcmc=MCMCSettings(samples=5, burn_in=30),
                          transfer=prior)
    jobs, values = [], []
    for index in range(evaluations):
        raw = optimizer.suggest(jobs, 1)[0].raw_params
        values.append(function(raw["x"], raw["y"]))
        jobs.append(Job(id=index + 1, experiment="t", status=JobStatus.COMPLETE, raw_params=raw, params=raw,
                        values={"objective": values[-1]}))
    return values


def test_normal_scores_remove_scale_and_keep_order() -> None:
    values = np.array([[3.0], [30.0], [0.3], [300.0]])
    assert np.allclose(normal_scores(values), normal_scores(values * 7 + 100))
    assert list(np.argsort(normal_scores(values)[:, 0])) == [2, 0, 1, 3]


def test_transfer_from_a_related_task_beats_the_cold_start() -> None:
    """Source: Branin; target: a scaled, offset and slightly moved Branin (related, not equal)."""
    target = lambda x, y: 3.0 * branin(x, y, shift=0.02) + 50.0  # noqa: E731
    prior = TransferPrior(config_from_json(CONFIG).space, [_source(branin)])
    best_warm, best_cold = [], []
    for seed in range(3):
        best_warm.append(min(_optimize(target, prior, 6, seed)))
        best_cold.append(min(_optimize(target, None, 6, seed)))
    optimum = 3.0 * 0.397887 + 50.0
    assert np.mean(best_warm) - optimum < 0.5 * (np.mean(best_cold) - optimum), (best_warm, best_cold)


def test_an_unrelated_task_loses_its_influence_within_a_few_evaluations() -> None:
    """The source is the target upside down: its best configurations are the target's worst."""
    target = lambda x, y: branin(x, y)  # noqa: E731
    prior = TransferPrior(config_from_json(CONFIG).space, [_source(lambda x, y: -branin(x, y))])
    values = _optimize(target, prior, 10, 0)
    rng = np.random.default_rng(1)
    raw = [{"x": float(x), "y": float(y)} for x, y in rng.random((8, 2))]
    observed = collect_observations(
        [Job(id=i + 1, experiment="t", status=JobStatus.COMPLETE, raw_params=p, values={"objective": target(**p)})
         for i, p in enumerate(raw)], prior.space, "objective", [])
    assert prior.weight(observed) < MIN_WEIGHT, "after 8 observations the anti-correlated source is dropped"
    assert len(prior.augment(observed).objective) == len(observed.objective)
    cold = _optimize(target, None, 10, 0)
    assert min(values) <= min(cold) + 5.0, (min(values), min(cold))
