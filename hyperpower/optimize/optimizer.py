"""The adapter the run loop calls: jobs in, suggestions out.

``Optimizer`` resolves the config once (method, aware flag, budgets, a-priori models, Spearmint
constraint tasks) into a ``strategies.Problem``, then on each ``suggest``: jobs -> observations
-> a scrambled Sobol initial design or the method's strategy -> raw params with the models'
predictions. With several objectives (issue 12) the strategy comes from
``MULTI_OBJECTIVE_STRATEGIES`` over a ``MultiObjectiveProblem``: an aware run hands each modelled
hardware objective over as known (its model's predictions), an unaware run lets it learn them all. Hardware-aware methods except HW-CWEI (whose acquisition weighs the models'
budgets softly) never return a point the models predict to break a budget; when no such point
exists the user gets a HyperPowerError naming the budgets.

Models that learn (issue 25, the default of aware runs; ``models_fixed`` keeps the paper's pure
a-priori models): each model is the prior mean of a GP over its residuals (``learned_model``),
conditioned at every ``suggest`` on the values the jobs measured. Budget decisions and modelled
objectives then use the corrected prediction and its uncertainty, and each suggestion records the
corrected predictions. Before a metric's first measurement everything is as with fixed models.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import numpy as np
from scipy.special import ndtri

from hyperpower.config import ExperimentConfig
from hyperpower.devices import columns_without_device, device_independent
from hyperpower.settings.budgets import BudgetSettings
from hyperpower.errors import HyperPowerError
from hyperpower.jobs import Job
from hyperpower.optimize.candidates import NoFeasiblePoint, TakenPoints, sobol_points, unique_rows
from hyperpower.optimize.constraints import KnownConstraints, LinearModel, ModelBudget
from hyperpower.optimize.ensemble import MCMCSettings
from hyperpower.optimize.learned_model import LearnedObjective, learned_model
from hyperpower.optimize.model_range import coverage_sample
from hyperpower.optimize.multiobjective import MULTI_OBJECTIVE_STRATEGIES
from hyperpower.optimize.multiobjective_problem import KnownObjective, MultiObjectiveProblem, ObjectiveSpec
from hyperpower.optimize.observations import ConstraintRule, Observations, collect_observations, metric_measurements
from hyperpower.optimize.random_methods import random_search
from hyperpower.optimize.search import SearchSettings
from hyperpower.optimize.strategies import STRATEGIES, Problem, modelled_rules
from hyperpower.units import format_value

#: methods that start from a space-filling design (Rand is uniform from its first point)
DESIGN_METHODS = ("hw-ieci", "hw-cwei", "rand-walk", "ehvi", "pabo")
MAX_DESIGN_POINTS = 2**14


@dataclasses.dataclass
class Suggestion:
    """raw_params: optimizer values (before transforms), ready for Job.raw_params;
    predicted: a-priori model predictions for every model given (may be empty)."""

    raw_params: dict[str, Any]
    predicted: dict[str, float]


class InfeasibleBudgetsError(HyperPowerError):
    """The a-priori models predict every configuration examined to break a budget."""


def constraint_rules(config: ExperimentConfig) -> list[ConstraintRule]:
    """Budgets (value <= budget) and Spearmint CONSTRAINT tasks (value >= 0), one rule each."""
    budgets = dict(config.settings.budgets.limits)
    for task in config.constraint_tasks:
        if task.budget is not None:
            budgets.setdefault(task.name, task.budget)
    rules = [
        ConstraintRule(name, float(value), True, _noiseless(config, name)) for name, value in budgets.items()
    ]
    rules += [
        ConstraintRule(task.name, 0.0, False, task.likelihood == "NOISELESS")
        for task in config.constraint_tasks if task.budget is None and task.name not in budgets
    ]
    return rules


def _noiseless(config: ExperimentConfig, name: str) -> bool:
    task = config.tasks.get(name)
    return task is not None and task.likelihood == "NOISELESS"


def calibrated_threshold(budget: float, model: LinearModel, rate: float) -> float:
    """The value predictions must stay under for ``--violation-rate rate``: prediction × (1 + q)
    <= budget, q the model's split-conformal (1 - rate) relative error quantile
    (``LinearModel.conformal_quantile``; ConfigError naming the file when it has no residuals)."""
    quantile = model.conformal_quantile(rate)
    return budget / (1.0 + quantile) if budget > 0 else budget - quantile * abs(budget)


def budget_threshold(budget: float, model: LinearModel, budgets: BudgetSettings) -> float:
    """The one place the aware methods' threshold is decided: ``violation_rate`` when set (it
    replaces the margin; ``check_budget_tightening`` refuses both), else the margin."""
    if float(budgets.violation_rate or 0.0) > 0:
        return calibrated_threshold(budget, model, float(budgets.violation_rate))
    return safe_threshold(budget, model, float(budgets.margin))


#: while no configuration is yet as sure to stay within a learned budget as --violation-rate or
#: --model-margin ask, the share of a fixed sample of the space that comes closest is kept
ATTAINABLE_SHARE = 0.01


def learned_standard_deviations(budgets: BudgetSettings) -> float:
    """How many predictive standard deviations a learned prediction keeps under its budget: the
    normal (1 - A) quantile under ``--violation-rate A`` (Pr(measured <= budget) >= 1 - A), K under
    ``--model-margin K``, else 0 (the paper's indicator, on the corrected prediction)."""
    rate = float(budgets.violation_rate or 0.0)
    if rate > 0:
        return float(ndtri(1.0 - rate))
    return max(float(budgets.margin or 0.0), 0.0)


def independent_stream(rng: np.random.Generator, index: int) -> np.random.Generator:
    """A generator for a learning model's MCMC that leaves ``rng`` exactly as it was (its state
    and its seed sequence, which scipy's Sobol scrambling spawns from), so a run whose models have
    nothing to learn draws the very points a run with fixed models draws: the stream jumped ahead
    by ``index + 1`` times 2^127 steps."""
    return np.random.Generator(rng.bit_generator.jumped(index + 1))


def safe_threshold(budget: float, model: LinearModel, margin: float) -> float:
    """The value predictions must stay under: the budget less ``margin`` times the model's
    cross-validated error at the budget (``cv_rmspe`` × budget). Margin 0 is the paper's HW-IECI
    indicator 1[model <= budget]; margin 1 trades a little of the space for fewer measured
    violations when the model is imperfect near the budget."""
    if margin <= 0 or not model.cv_rmspe:
        return budget
    return budget - margin * float(model.cv_rmspe) * abs(budget)


def known_budgets(config: ExperimentConfig, models: dict[str, LinearModel]) -> list[ModelBudget]:
    """Budgets the models check a priori, tightened by ``budget_threshold`` (the calibrated
    error quantile of ``violation_rate``, or ``model_margin`` cross-validated errors): what an
    aware method never suggests beyond, and what ``hyperpower enqueue`` checks a given
    configuration against."""
    return [ModelBudget(models[rule.name], budget_threshold(rule.threshold, models[rule.name], config.settings.budgets),
                        limit=rule.threshold)
            for rule in constraint_rules(config) if rule.feasible_below and rule.name in models]


def _known_objective(model: LinearModel, space: Any) -> KnownObjective:
    """The a-priori objective of a modelled hardware metric: unit-cube points -> predictions."""
    return lambda points: model.predict_unit(space, points)


class Optimizer:
    """Suggests configurations for one experiment; keeps MCMC chains between calls."""

    def __init__(
        self, config: ExperimentConfig, models: dict[str, LinearModel], rng: np.random.Generator,
        mcmc: MCMCSettings = MCMCSettings(), search: SearchSettings = SearchSettings(),
        transfer: Any = None,
    ) -> None:
        settings = config.settings
        self.transfer = transfer  # a ``transfer.TransferPrior`` from --transfer-from, or None
        self.config = config
        self.space = config.space
        self.models = dict(models)
        self.rng = rng
        self.method = settings.search.method
        self.aware = bool(settings.search.aware)
        self.rules = constraint_rules(config)
        # an unaware run uses no model in its search: its recorded predictions stay a priori
        self.learned = {} if settings.budgets.models_fixed or not self.aware else {
            metric: learned_model(model, self.space, independent_stream(rng, index))
            for index, (metric, model) in enumerate(self.models.items())}
        known = [dataclasses.replace(budget, learned=self.learned.get(budget.model.metric),
                                     sds=learned_standard_deviations(settings.budgets))
                 for budget in known_budgets(config, self.models)] if self.aware else []
        for budget in known:
            budget.model.check_space(self.space)
        measured = modelled_rules(self.method, self.aware, self.rules, {b.model.metric for b in known})
        self.problem = Problem(
            space=self.space, known=KnownConstraints(self.space, known), measured=measured,
            objective_noiseless=config.objective_task.likelihood == "NOISELESS",  # the primary objective
            sigma0=float(settings.search.sigma0), mcmc=mcmc, search=search,
            objective_inputs=self._inputs(settings.objectives.primary),
        )
        self.objectives = settings.objectives.names
        self.multi_problem: MultiObjectiveProblem | None = None
        self.strategy = self._strategy(rng)
        self._design_seed = int(rng.integers(2**63))
        self._coverage: np.ndarray | None = None  # the fixed sample learned budgets are checked on

    def _strategy(self, rng: np.random.Generator) -> Any:
        """The method's strategy: over the one objective, or over several as a MultiObjectiveProblem."""
        if len(self.objectives) < 2:
            if self.method not in STRATEGIES:
                raise HyperPowerError(f"unknown method {self.method!r} for one objective; use one of "
                                      f"{', '.join(STRATEGIES)}")
            return STRATEGIES[self.method](self.problem, rng)
        if self.method not in MULTI_OBJECTIVE_STRATEGIES:
            raise HyperPowerError(f"method {self.method!r} for several objectives is not available; use one of "
                                  f"{', '.join(MULTI_OBJECTIVE_STRATEGIES)}")
        self.multi_problem = MultiObjectiveProblem(base=self.problem, objectives=self._objective_specs(),
                                                   reference=self._fixed_reference())
        return MULTI_OBJECTIVE_STRATEGIES[self.method](self.multi_problem, rng)

    def _objective_specs(self) -> list[ObjectiveSpec]:
        """One spec per objective task; an aware run knows a hardware objective with a model a
        priori (``known``: its predictions), an unaware one learns every objective."""
        specs = []
        for task in self.config.objective_tasks:
            model = self.models.get(task.name) if self.aware else None
            if model is not None:
                model.check_space(self.space)
            learned = self.learned.get(task.name) if model is not None else None
            specs.append(ObjectiveSpec(task.name, noiseless=task.likelihood == "NOISELESS",
                                       known=None if model is None else _known_objective(model, self.space),
                                       inputs=self._inputs(task.name),
                                       learned=None if learned is None else LearnedObjective(learned)))
        return specs

    def _inputs(self, name: str) -> np.ndarray | None:
        """The columns the GP of objective ``name`` reads: all but the device variable's when the
        device chosen cannot change it (``devices.device_independent``); None (all) otherwise."""
        if not device_independent(name):
            return None
        return columns_without_device(self.space, self.config.settings.devices.variable)

    def _fixed_reference(self) -> np.ndarray | None:
        reference = self.config.settings.objectives.reference
        if not reference:
            return None
        return np.array([reference[name] for name in self.objectives], dtype=float)

    # -- public API ---------------------------------------------------------------------------
    def suggest(self, jobs: Sequence[Job], count: int = 1) -> list[Suggestion]:
        """``count`` new configurations given every job of the experiment (see observations)."""
        observations = collect_observations(jobs, self.space, self.objectives, self.rules)
        self._learn(jobs)
        taken = TakenPoints(observations.every_point)
        if self.transfer is not None:  # related tasks' results as extra observations (optimize.transfer)
            observations = self.transfer.augment(observations)
        try:
            points = self._propose(observations, taken, len(jobs), count)
        except NoFeasiblePoint as failure:
            raise self._infeasible_error(failure.tried) from None
        suggestions = []
        for point in points:
            raw = self.space.from_unit(point)
            suggestions.append(Suggestion(raw_params=raw, predicted=self._corrected(point, self.predict(self.space.network_params(raw)))))
        return suggestions

    def predict(self, network_params: dict) -> dict[str, float]:
        """A-priori predictions of every model for one configuration (network values)."""
        return {metric: model.predict(network_params) for metric, model in self.models.items()}

    def _learn(self, jobs: Sequence[Job]) -> None:
        """Condition every learning model on what the jobs measured of its metric, and hand the
        strategy snapshots of them: an acquisition built now keeps answering as it did when it
        was built, whatever later suggestions learn."""
        if not self.learned:
            return
        measured = metric_measurements(jobs, self.space, list(self.learned))
        for metric, learned in self.learned.items():
            learned.update(*measured[metric])
        self.problem.known = KnownConstraints(self.space, [
            self._learned_budget(budget) if budget.learned is not None else budget
            for budget in self.problem.known.budgets])
        for spec in self.multi_problem.objectives if self.multi_problem is not None else []:
            if spec.learned is not None:
                spec.learned = LearnedObjective(self.learned[spec.name].snapshot())

    def _learned_budget(self, budget: ModelBudget) -> ModelBudget:
        """The budget with this suggestion's snapshot of its learned model, and the standard
        deviations asked for (``learned_standard_deviations``) as far as they are attainable:
        while no configuration of the space is yet that sure to stay within the budget, the
        share ``ATTAINABLE_SHARE`` of a fixed sample that comes closest is kept, instead of
        refusing every configuration."""
        requested = learned_standard_deviations(self.config.settings.budgets)
        learned = dataclasses.replace(budget, learned=self.learned[budget.model.metric].snapshot(), sds=requested,
                                      requested_sds=None)
        if requested <= 0 or not learned.learned.measurements:
            return learned
        attainable = learned.attainable_sds(self._coverage_sample(budget.model), ATTAINABLE_SHARE)
        return learned if attainable >= requested else dataclasses.replace(learned, sds=attainable, requested_sds=requested)

    def _coverage_sample(self, model: Any) -> np.ndarray:
        if self._coverage is None:
            self._coverage = coverage_sample(self.space, model.feature_function is not None)
        return self._coverage

    def _corrected(self, point: np.ndarray, predicted: dict[str, float]) -> dict[str, float]:
        """The a-priori predictions with each learning model's corrected mean where measurements
        inform it (what the job records as ``predicted``)."""
        corrected = dict(predicted)
        for metric, learned in self.learned.items():
            prediction = learned.predict(point[None, :])
            if prediction.learned[0]:
                corrected[metric] = float(prediction.mean[0])
        return corrected

    # -- internals ----------------------------------------------------------------------------
    def _propose(self, observations: Observations, taken: TakenPoints, job_count: int, count: int) -> np.ndarray:
        in_design = self.method in DESIGN_METHODS and job_count < self.config.settings.search.initial_design
        if in_design or not self.strategy.ready(observations):
            if self.method in DESIGN_METHODS:
                return self._design_points(taken, count)
        return self.strategy.propose(observations, taken, count)

    def _design_points(self, taken: TakenPoints, count: int) -> np.ndarray:
        """The next ``count`` new (and, when aware, predicted-feasible) points of the
        experiment's own scrambled Sobol sequence; uniform search when it runs dry."""
        feasible = self.problem.feasible_mask()
        size = 64
        while size <= MAX_DESIGN_POINTS:
            sequence = unique_rows(sobol_points(self.space, size, np.random.default_rng(self._design_seed)))
            if self.transfer is not None:  # the related tasks' best configurations first (optimize.transfer)
                sequence = np.vstack([self.transfer.source_points(), sequence])
            mask = taken.mask_new(sequence)
            if feasible is not None:
                mask &= feasible(sequence)
            if mask.sum() >= count:
                return sequence[mask][:count] if self.transfer is None else self.transfer.design(sequence[mask], count)
            size *= 4
        return random_search(self.space, self.rng, count, feasible, taken)

    def _infeasible_error(self, tried: np.ndarray) -> InfeasibleBudgetsError:
        predictions = self.problem.known.predictions(tried)
        parts = [
            f"{b.rule_text()} (lowest prediction found: "
            f"{format_value(b.model.metric, float(predictions[b.model.metric].min()))})"
            for b in self.problem.known.budgets
        ]
        learning = any(b.learned is not None and b.learned.measurements for b in self.problem.known.budgets)
        return InfeasibleBudgetsError(
            f"the budgets look infeasible under the {'models corrected by the measurements so far' if learning else 'a-priori models'}: "
            f"no configuration among {len(tried)} examined satisfies {'; '.join(parts)} together. Raise the "
            "budget(s) (--budget), narrow the search space towards smaller networks, or check the model files (--model)."
        )
