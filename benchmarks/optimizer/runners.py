"""One optimization run of one method on one problem: -> per-evaluation values and timings.

HyperPower's methods run through the public ``Optimizer`` exactly as the loop calls it. Peers
(Optuna TPE / GP, Ax/BoTorch) are imported lazily: they live in a separate benchmark-only venv.
Every runner returns {"values": [...], "feasible": [...], "seconds": [...]} with one entry per
evaluation, ``seconds`` being the time the method took to propose that point.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from problems import Problem

from benchmarks.common.peers import OPTUNA_DEFAULT_STARTUP, ax_client, optuna_sampler
from benchmarks.common.writeup import ALL_RANDOM

Runner = Callable[[Problem, int, int], dict]
#: relative error HW-CWEI assumes for the a-priori models (the paper's models: 4-7% RMSPE)
MODEL_RMSPE = 0.05
#: HyperPower's initial design (Sobol points before the first model-based suggestion)
HYPERPOWER_INITIAL = 5


def _record() -> dict:
    return {"values": [], "feasible": [], "seconds": []}


def _add(record: dict, problem: Problem, params: dict, seconds: float) -> tuple[float, dict, bool]:
    value, constraints, feasible = problem.evaluate(params)
    record["values"].append(value)
    record["feasible"].append(feasible)
    record["seconds"].append(seconds)
    return value, constraints, feasible


# -- HyperPower ---------------------------------------------------------------------------------
def _hyperpower_models(problem: Problem) -> dict:
    from hyperpower.optimize import LinearModel

    models = {}
    for constraint in problem.constraints:
        if constraint.known == "linear":
            coef = constraint.linear_coef
            models[constraint.name] = LinearModel(constraint.name, list(coef), list(coef.values()), constraint.intercept,
                                                  cv_rmspe=MODEL_RMSPE)
        elif constraint.known == "feature":
            models[constraint.name] = LinearModel(
                constraint.name, [constraint.name], [1.0], 0.0, feature_set="network", cv_rmspe=MODEL_RMSPE,
                feature_function=(lambda c: lambda params: {c.name: c.value(params)})(constraint),
            )
    return models


def shared_design(problem: Problem, seed: int, count: int) -> list[dict]:
    """The first ``count`` points of a scrambled Sobol sequence in the problem's bounds: the one
    initial design every "-design" runner starts from, HyperPower's and Optuna's alike."""
    from scipy.stats import qmc

    names = list(problem.bounds)
    unit = qmc.Sobol(len(names), scramble=True, rng=np.random.default_rng(10_000 + seed)).random_base2(
        int(np.ceil(np.log2(max(count, 2)))))[:count]
    return [{n: float(lo + (hi - lo) * u) for (n, (lo, hi)), u in zip(problem.bounds.items(), row)} for row in unit]


def hyperpower_runner(method: str, aware: bool, design: int = 0, noiseless: bool = False,
                      search: dict | None = None, **mcmc: object) -> Runner:
    """``mcmc``: MCMCSettings fields that differ from the defaults (engine variants, issue 18);
    ``design``: start from ``shared_design``'s points (else the Optimizer's own 5-point Sobol
    design); ``noiseless``: declare the objective and constraint tasks NOISELESS (as Optuna's
    ``deterministic_objective``); ``search``: SearchSettings fields that differ (issue 25)."""

    def run(problem: Problem, seed: int, evaluations: int) -> dict:
        from hyperpower.config import config_from_json
        from hyperpower.jobs import Job, JobStatus
        from hyperpower.optimize import Optimizer
        from hyperpower.optimize.ensemble import MCMCSettings
        from hyperpower.optimize.search import SearchSettings

        likelihood = {"likelihood": "NOISELESS"} if noiseless else {}
        tasks = {"error": {"type": "OBJECTIVE", **likelihood}}
        if noiseless:
            tasks.update({c.name: {"type": "CONSTRAINT", "budget": c.threshold, **likelihood} for c in problem.constraints})
        config = config_from_json({
            "experiment-name": problem.name,
            "variables": {n: {"type": "FLOAT", "min": lo, "max": hi} for n, (lo, hi) in problem.bounds.items()},
            "tasks": tasks,
            "hyperpower": {"method": method, "aware": aware, "initial_design": design or HYPERPOWER_INITIAL,
                           "budgets": {c.name: c.threshold for c in problem.constraints}},
        })
        optimizer = Optimizer(config, _hyperpower_models(problem), np.random.default_rng(seed), mcmc=MCMCSettings(**mcmc),
                              search=SearchSettings(**(search or {})))
        record, jobs = _record(), []
        fixed = shared_design(problem, seed, design) if design else []
        for index in range(evaluations):
            start = time.perf_counter()
            suggestion = optimizer.suggest(jobs)[0] if index >= len(fixed) else None
            raw_params = fixed[index] if suggestion is None else suggestion.raw_params
            seconds = time.perf_counter() - start
            value, constraints, feasible = _add(record, problem, raw_params, seconds)
            jobs.append(Job(id=index + 1, experiment=problem.name, status=JobStatus.COMPLETE, method=method,
                            raw_params=raw_params, values={"error": value, **constraints}, feasible=feasible))
        return record

    return run


# -- Optuna -------------------------------------------------------------------------------------
def optuna_runner(kind: str, startup: int | None = None, design: int = 0) -> Runner:
    """``startup``: the sampler's random startup trials (None: Optuna's default, 10); ``design``:
    the first trials are ``shared_design``'s points (enqueued) and the start-up is that many
    trials (the same initial design as HyperPower's "-design" runners)."""

    def run(problem: Problem, seed: int, evaluations: int) -> dict:
        import optuna

        constraints_func = lambda trial: trial.user_attrs["constraints"]  # noqa: E731  (<= 0 feasible)
        options = {} if kind == "tpe" else {"deterministic_objective": True}
        if startup is not None or design:
            options["n_startup_trials"] = design or startup
        sampler = optuna_sampler(kind, seed, constraints_func=constraints_func, **options)
        study = optuna.create_study(sampler=sampler)
        for params in shared_design(problem, seed, design) if design else []:
            study.enqueue_trial(params)
        record = _record()
        for _ in range(evaluations):
            start = time.perf_counter()
            trial = study.ask()
            params = {n: trial.suggest_float(n, lo, hi) for n, (lo, hi) in problem.bounds.items()}
            seconds = time.perf_counter() - start
            value, constraints, _ = _add(record, problem, params, seconds)
            trial.set_user_attr("constraints", [constraints[c.name] - c.threshold for c in problem.constraints])
            if np.isnan(value):  # a NaN result (branin-nan) is a failed trial for Optuna
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            else:
                study.tell(trial, value)
        return record

    return run


# -- Ax / BoTorch -------------------------------------------------------------------------------
def ax_runner(problem: Problem, seed: int, evaluations: int) -> dict:
    from ax.api.configs import RangeParameterConfig

    client = ax_client(seed)
    linear = [c for c in problem.constraints if c.known == "linear"]
    parameter_constraints = [
        " + ".join(f"{coef} * {name}" for name, coef in c.linear_coef.items()) + f" <= {c.threshold - c.intercept}"
        for c in linear
    ]
    client.configure_experiment(
        parameters=[RangeParameterConfig(name=n, bounds=(lo, hi), parameter_type="float") for n, (lo, hi) in problem.bounds.items()],
        parameter_constraints=parameter_constraints,
    )
    outcome = [f"{c.name} <= {c.threshold}" for c in problem.constraints if c.known != "linear"]
    client.configure_optimization(objective="-f", outcome_constraints=outcome)
    record = _record()
    for _ in range(evaluations):
        start = time.perf_counter()
        (index, params), = client.get_next_trials(max_trials=1).items()
        seconds = time.perf_counter() - start
        value, constraints, _ = _add(record, problem, dict(params), seconds)
        if np.isnan(value):  # a NaN result (branin-nan) is a failed trial for Ax too
            client.mark_trial_failed(index)
            continue
        client.complete_trial(index, raw_data={"f": value, **{c.name: constraints[c.name] for c in problem.constraints if c.known != "linear"}})
    return record


# -- plain random search --------------------------------------------------------------------------
def random_runner(problem: Problem, seed: int, evaluations: int) -> dict:
    rng = np.random.default_rng(seed)
    record = _record()
    for _ in range(evaluations):
        start = time.perf_counter()
        params = {n: float(lo + (hi - lo) * rng.random()) for n, (lo, hi) in problem.bounds.items()}
        _add(record, problem, params, time.perf_counter() - start)
    return record


RUNNERS: dict[str, Runner] = {
    "hw-ieci": hyperpower_runner("hw-ieci", True),
    "hw-cwei": hyperpower_runner("hw-cwei", True),
    "rand": hyperpower_runner("rand", True),
    "rand-walk": hyperpower_runner("rand-walk", True),
    "hw-ieci-unaware": hyperpower_runner("hw-ieci", False),
    # issue 18 variants: input warping on; every sample drawn afresh at every fit (no rolling pool)
    "hw-ieci-warp": hyperpower_runner("hw-ieci", True, warp=True),
    "hw-ieci-refresh-all": hyperpower_runner("hw-ieci", True, refresh_below=10**9),
    # issue 25: one shared 10-point design (``shared_design``) for HyperPower and GPSampler; the
    # exact/local/polished search (default) against the sampled search alone; NOISELESS tasks
    # as GPSampler's deterministic_objective
    "hw-ieci-design10": hyperpower_runner("hw-ieci", True, design=10),
    "hw-ieci-design10-sampled": hyperpower_runner("hw-ieci", True, design=10,
                                                  search={"local_search_rounds": 0, "polish_iterations": 0}),
    "hw-ieci-design10-noiseless": hyperpower_runner("hw-ieci", True, design=10, noiseless=True),
    "optuna-gp-design10": optuna_runner("gp", design=10),
    "optuna-tpe": optuna_runner("tpe"),
    "optuna-gp": optuna_runner("gp"),
    # GPSampler with HyperPower's initial design (5 random startup trials instead of its 10)
    "optuna-gp-init5": optuna_runner("gp", startup=HYPERPOWER_INITIAL),
    "ax-botorch": ax_runner,
    "random": random_runner,
}
#: points each method draws before its first model-based suggestion, as the write-up states them
#: (Ax's default strategy: the centre and 4 Sobol points, read from its log; random: every point)
INITIAL_DESIGNS: dict[str, int | str] = {
    **{name: HYPERPOWER_INITIAL for name in RUNNERS if name.startswith(("hw-", "rand"))},
    "optuna-gp": OPTUNA_DEFAULT_STARTUP["gp"], "optuna-tpe": OPTUNA_DEFAULT_STARTUP["tpe"],
    "optuna-gp-init5": HYPERPOWER_INITIAL, "ax-botorch": 5, "random": ALL_RANDOM,
    **{name: 10 for name in RUNNERS if "design10" in name},
}
