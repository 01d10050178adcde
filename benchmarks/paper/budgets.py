"""Budgets for the paper benchmark: one percentile for memory and latency, chosen so that about
half of the search space is predicted infeasible jointly.

Why one shared percentile: the paper sets each budget by hand near the middle of the space; here
the two models are correlated (both grow with the network), so their medians alone would leave
more than half of the space feasible. Bisecting one percentile q for both metrics until the joint
predicted-feasible fraction of a fixed random sample is ~0.5 gives a reproducible rule.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

#: metrics the benchmark puts budgets on (the two a CPU-only machine measures)
BUDGET_METRICS: tuple[str, ...] = ("memory", "latency")


@dataclasses.dataclass(frozen=True)
class BudgetChoice:
    """The chosen budgets and the evidence for them (written to budgets.json)."""

    percentile: float
    budgets: dict[str, float]
    infeasible_fraction: float          # jointly predicted infeasible, of the sample
    single_infeasible: dict[str, float]  # per metric, of the sample
    sample_size: int
    seed: int


def predictions(model_paths: dict[str, Path], template_path: Path, sample_size: int,
                seed: int) -> dict[str, np.ndarray]:
    """metric -> (sample_size,) model predictions over uniform random points of the space."""
    from hyperpower.experiment import resolve_experiment
    from hyperpower.loop.preparation import template_feature_function_factory
    from hyperpower.optimize import load_linear_model
    from hyperpower.template import parse_template

    space = parse_template(template_path).space
    points = space.sample(np.random.default_rng(seed), sample_size)
    factory = template_feature_function_factory(resolve_experiment(template_path.parent.parent))
    result = {}
    for metric, path in model_paths.items():
        model = load_linear_model(path)
        if model.missing_features(space):
            model = load_linear_model(path, factory())
        result[metric] = np.asarray(model.predict_unit(space, points), dtype=float)
    return result


def joint_infeasible(predicted: dict[str, np.ndarray], budgets: dict[str, float]) -> float:
    """Fraction of points predicted to break at least one budget."""
    broken = np.zeros(len(next(iter(predicted.values()))), dtype=bool)
    for metric, values in predicted.items():
        broken |= values > budgets[metric]
    return float(broken.mean())


def choose_budgets(predicted: dict[str, np.ndarray], target: float = 0.5, sample_seed: int = 0) -> BudgetChoice:
    """Bisect the shared percentile q so the joint infeasible fraction is closest to ``target``."""
    def budgets_at(q: float) -> dict[str, float]:
        return {metric: float(np.percentile(values, q)) for metric, values in predicted.items()}

    low, high = 1.0, 99.0
    for _ in range(40):
        middle = (low + high) / 2
        if joint_infeasible(predicted, budgets_at(middle)) > target:
            low = middle
        else:
            high = middle
    q = round(high, 2)
    budgets = budgets_at(q)
    return BudgetChoice(
        percentile=q, budgets=budgets, infeasible_fraction=joint_infeasible(predicted, budgets),
        single_infeasible={m: float((v > budgets[m]).mean()) for m, v in predicted.items()},
        sample_size=len(next(iter(predicted.values()))), seed=sample_seed)
