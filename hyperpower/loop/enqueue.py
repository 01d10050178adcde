"""Configurations the user queues (``hyperpower enqueue``), ahead of the optimizer's suggestions.

As Optuna's ``enqueue_trial`` and Syne Tune's ``points_to_evaluate``: a user who knows good or
telling configurations (last month's best network, the paper's setting) has them evaluated
first. They become PENDING jobs of the experiment with method ``enqueued``: workers claim the
lowest id first and the driver suggests only when no job waits for an idle worker, so they run
before any new suggestion, and once finished they are observations like any other job, so the
optimizer learns from them. They count toward ``--max-evals``; a run stopped by ``--max-time``
keeps them queued (``Driver._cancel_unclaimed_jobs``).

Each configuration is checked before anything is written: its values against the space
(``hyperpower.configurations``), against the experiment's jobs and the other given ones (the same
configuration twice), and against the budgets the a-priori models can check, tightened as the
aware methods tighten them (``optimizer.known_budgets``). A predicted violator is queued only with
``force``; one refusal queues nothing.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import numpy as np

from hyperpower.config import ExperimentConfig
from hyperpower.configurations import GivenConfiguration, raw_configuration
from hyperpower.devices import job_device
from hyperpower.errors import ConfigError
from hyperpower.jobs import ENQUEUED_METHOD, Job
from hyperpower.optimize.optimizer import known_budgets
from hyperpower.units import format_value

#: unit-cube distance under which two configurations are the same one
SAME_POINT = 1e-9


@dataclasses.dataclass
class QueuedConfiguration:
    """A checked configuration: its job (not yet stored) and the verdict of each model's budget."""

    job: Job
    given: GivenConfiguration
    checks: list[str]  # "memory 120 MB <= 150 MB (predicted)", one per budget a model covers
    violations: list[str]  # the checks it fails


def plan_enqueue(config: ExperimentConfig, models: dict[str, Any], existing: Sequence[Job],
                 configurations: Sequence[GivenConfiguration], force: bool = False) -> list[QueuedConfiguration]:
    """The jobs to queue, checked (see the module doc); ConfigError on the first refusal."""
    planned = [_checked(config, models, given) for given in configurations]
    _refuse_repeats(config, existing, planned, force)
    violators = [item for item in planned if item.violations]
    if violators and not force:
        parts = [f"{item.given.where} ({_params_text(item.job.params)}): {'; '.join(item.violations)}"
                 for item in violators]
        raise ConfigError(f"{len(violators)} configuration(s) are predicted to break a budget, so an aware run "
                          f"would never train them: {' | '.join(parts)}. Nothing was queued; give --force to queue "
                          f"them anyway (their measured values will tell), or change the values")
    return planned


def _checked(config: ExperimentConfig, models: dict[str, Any], given: GivenConfiguration) -> QueuedConfiguration:
    raw = raw_configuration(config.space, given)
    params = config.space.network_params(raw)
    predicted = {metric: float(model.predict(params)) for metric, model in models.items()}
    checks, violations = [], []
    for budget in known_budgets(config, models):
        metric = budget.model.metric
        value = predicted.get(metric, float(budget.model.predict(params)))
        limit = config.settings.budgets.limits.get(metric, budget.budget)
        tightened = "" if budget.budget == limit else f" (the aware methods' threshold {format_value(metric, budget.budget)})"
        verdict = "<=" if value <= budget.budget else ">"
        text = f"{metric} {format_value(metric, value)} predicted {verdict} budget {format_value(metric, limit)}{tightened}"
        checks.append(text)
        if value > budget.budget:
            violations.append(text)
    job = Job(id=0, experiment=config.name, method=ENQUEUED_METHOD, raw_params=raw, params=params,
              predicted=predicted, device=job_device(config.settings, raw), **_fidelity(config))
    return QueuedConfiguration(job, given, checks, violations)


def _fidelity(config: ExperimentConfig) -> dict[str, Any]:
    """Under a scheduler a queued configuration starts at the first rung, as a new suggestion of
    ASHA's does, and may be promoted; without one it trains the run's epochs."""
    if config.settings.schedule.scheduler is None:
        return {}
    from hyperpower.settings.schedule import ladder

    return {"rung": 0, "epochs": ladder(config.settings)[0]}


def _refuse_repeats(config: ExperimentConfig, existing: Sequence[Job], planned: list[QueuedConfiguration],
                    force: bool) -> None:
    """The same configuration twice (among the given ones, or an existing job's) is refused: a
    second evaluation of a point teaches the optimizer little and costs a full training. ``force``
    allows it (a noisy objective measured again)."""
    if force:
        return
    space = config.space
    seen: list[tuple[np.ndarray, str]] = []
    for job in existing:
        try:
            seen.append((space.to_unit(job.raw_params), f"job {job.id} ({job.status.value})"))
        except (KeyError, ValueError, TypeError):
            continue  # a job of an earlier space: not this configuration
    for item in planned:
        point = space.to_unit(item.job.raw_params)
        for other, name in seen:
            if np.max(np.abs(point - other)) <= SAME_POINT:
                raise ConfigError(f"{item.given.where}: {_params_text(item.job.params)} is the configuration of "
                                  f"{name} already; nothing was queued (give --force to evaluate it again)")
        seen.append((point, item.given.where))


def _params_text(params: dict[str, Any]) -> str:
    return ", ".join(f"{name}={format(value, '.6g') if isinstance(value, float) else value}"
                     for name, value in params.items())


def queued_lines(queued: Sequence[Job], planned: Sequence[QueuedConfiguration], budgets_without_model: list[str],
                 counted: int, max_evals: int, experiment_root: str) -> list[str]:
    """What ``enqueue`` prints: one line per queued job with its budget checks, then what runs
    them. ``counted``: the experiment's jobs ``--max-evals`` counts (finished, pending, running)
    before these."""
    lines = []
    for job, item in zip(queued, planned):
        checks = "; ".join(item.checks) if item.checks else "no budget a model checks"
        forced = " (queued with --force)" if item.violations else ""
        lines.append(f"hyperpower: queued job {job.id}: {_params_text(job.params)} | {checks}{forced}")
    if budgets_without_model:
        lines.append(f"hyperpower: not checked a priori (no model yet): {', '.join(budgets_without_model)}; "
                     f"`hyperpower run` profiles first and measures them after training")
    waiting = counted + len(queued)
    if waiting > max_evals:
        lines.append(f"hyperpower: with the {counted} job(s) the experiment had, that is {waiting} against "
                     f"--max-evals {max_evals}: `hyperpower run {experiment_root} --max-evals {waiting}` runs "
                     f"every queued one")
    else:
        lines.append(f"hyperpower: `hyperpower run {experiment_root}` runs them first, before any suggestion")
    return lines
