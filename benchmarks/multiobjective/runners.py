"""One run of one method on one multi-objective problem -> per-evaluation values and timings.

HyperPower's methods are the strategies of ``MULTI_OBJECTIVE_STRATEGIES`` driven the way the run
loop drives a strategy (observations from jobs, ``propose`` one point at a time), with 5 uniform
initial points and the default MCMC and search settings. ("The way the loop drives it": the
Optimizer's multi-objective wiring lands in parallel, so this benchmark calls the strategies.)
Peers (Optuna, Ax/BoTorch) are imported lazily from the benchmark-only venv. Every runner
returns {"values": [[...], ...], "seconds": [...]} with one entry per evaluation, ``seconds``
being the time the method took to propose that point, plus "stats" and "cpu_seconds" (process
time of each proposal, which the machine's load does not inflate) for HyperPower's methods.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from problems import MOProblem, latency_model

from benchmarks.common.peers import OPTUNA_DEFAULT_STARTUP, ax_client, one_torch_thread, optuna_sampler
from benchmarks.common.writeup import ALL_RANDOM

Runner = Callable[[MOProblem, int, int], dict]
INITIAL = 5
NSGA2_POPULATION = 10


def _space(problem: MOProblem):
    from hyperpower.space import SearchSpace, Variable

    return SearchSpace([Variable(name, "ENUM", options=spec) if kind == "ENUM" else
                        Variable(name, "FLOAT", spec[0], spec[1]) for name, (kind, spec) in problem.variables.items()])


def _strategy(method: str, problem: MOProblem, apriori: bool, rng: np.random.Generator):
    """(space, the strategy, the "rand" strategy of the initial design)."""
    from hyperpower.optimize.constraints import KnownConstraints
    from hyperpower.optimize.multiobjective import MULTI_OBJECTIVE_STRATEGIES
    from hyperpower.optimize.multiobjective_problem import MultiObjectiveProblem, ObjectiveSpec
    from hyperpower.optimize.strategies import Problem

    space = _space(problem)
    specs = [ObjectiveSpec(name, problem.noiseless) for name in problem.objectives]
    if apriori:
        model = latency_model(problem)[0]
        specs[-1].known = lambda points: model.predict_unit(space, points)
    multi = MultiObjectiveProblem(Problem(space=space, known=KnownConstraints(space, []), measured=[]), specs)
    return space, MULTI_OBJECTIVE_STRATEGIES[method](multi, rng), MULTI_OBJECTIVE_STRATEGIES["rand"](multi, rng)


def _job(index: int, problem: MOProblem, method: str, params: dict, values: tuple):
    from hyperpower.jobs import Job, JobStatus

    return Job(id=index + 1, experiment=problem.name, status=JobStatus.COMPLETE, method=method,
               raw_params=params, values=dict(zip(problem.objectives, values)), feasible=True)


def continue_run(name: str, problem: MOProblem, size: int, rounds: int) -> dict:
    """CPU seconds of ``rounds`` sequential suggestions after ``size`` uniform evaluations (the
    first suggestion, which burns the MCMC chains in, is timed apart as ``first_cpu_s``)."""
    from hyperpower.optimize.candidates import TakenPoints
    from hyperpower.optimize.observations import collect_observations

    if name == "optuna-gp":
        return _continue_optuna_gp(problem, size, rounds)
    method, apriori = name.removesuffix("-apriori"), name.endswith("-apriori")
    space, strategy, initial = _strategy(method, problem, apriori, np.random.default_rng(0))
    jobs: list = []
    cpu: list[float] = []
    for index in range(size + rounds + 1):
        observed = collect_observations(jobs, space, list(problem.objectives), [])
        chooser = initial if index < size else strategy
        start = time.process_time()
        point = chooser.propose(observed, TakenPoints(observed.every_point), 1)[0]
        if index >= size:
            cpu.append(time.process_time() - start)
        params = space.from_unit(point)
        jobs.append(_job(index, problem, method, params, problem.evaluate(params)))
    return {"size": size, "first_cpu_s": cpu[0], "cpu_s": cpu[1:], "stats": strategy.stats}


def _continue_optuna_gp(problem: MOProblem, size: int, rounds: int) -> dict:
    """The same measure for Optuna's GPSampler (``size`` random trials enqueued first)."""
    import optuna

    one_torch_thread()
    sampler = optuna_sampler("gp", 0, deterministic_objective=problem.noiseless, n_startup_trials=size)
    study = optuna.create_study(sampler=sampler, directions=["minimize"] * len(problem.objectives))
    cpu: list[float] = []
    for index in range(size + rounds + 1):
        start = time.process_time()
        trial = study.ask()
        params = _suggest(trial, problem)
        if index >= size:
            cpu.append(time.process_time() - start)
        study.tell(trial, list(problem.evaluate(params)))
    return {"size": size, "first_cpu_s": cpu[0], "cpu_s": cpu[1:], "stats": {}}


def hyperpower_runner(method: str, apriori: bool) -> Runner:
    """``apriori``: the latency objective is the one-hot model fitted on 50 profiled cells."""

    def run(problem: MOProblem, seed: int, evaluations: int) -> dict:
        from hyperpower.optimize.candidates import TakenPoints
        from hyperpower.optimize.observations import collect_observations

        rng = np.random.default_rng(seed)
        space, strategy, initial = _strategy(method, problem, apriori, rng)
        record: dict = {"values": [], "seconds": [], "cpu_seconds": []}
        jobs: list = []
        for index in range(evaluations):
            start, cpu_start = time.perf_counter(), time.process_time()
            observed = collect_observations(jobs, space, list(problem.objectives), [])
            chooser = strategy if index >= INITIAL and strategy.ready(observed) else initial
            point = chooser.propose(observed, TakenPoints(observed.every_point), 1)[0]
            record["seconds"].append(time.perf_counter() - start)
            record["cpu_seconds"].append(time.process_time() - cpu_start)
            params = space.from_unit(point)
            values = problem.evaluate(params)
            record["values"].append(list(values))
            jobs.append(_job(index, problem, method, params, values))
        record["stats"] = strategy.stats
        return record

    return run


def _suggest(trial, problem: MOProblem) -> dict:
    return {name: trial.suggest_categorical(name, list(spec)) if kind == "ENUM" else trial.suggest_float(name, *spec)
            for name, (kind, spec) in problem.variables.items()}


def optuna_runner(kind: str, startup: int | None = None) -> Runner:
    """``startup``: the sampler's random startup trials (None: Optuna's default, 10)."""

    def run(problem: MOProblem, seed: int, evaluations: int) -> dict:
        import optuna

        one_torch_thread()  # GPSampler fits with torch: one thread, as every method here
        options = {"gp": {"deterministic_objective": problem.noiseless}, "tpe": {},
                   "nsga2": {"population_size": NSGA2_POPULATION}}[kind]
        if startup is not None:
            options["n_startup_trials"] = startup
        sampler = optuna_sampler(kind, seed, **options)
        study = optuna.create_study(sampler=sampler, directions=["minimize"] * len(problem.objectives))
        record: dict = {"values": [], "seconds": []}
        for _ in range(evaluations):
            start = time.perf_counter()
            trial = study.ask()
            params = _suggest(trial, problem)
            record["seconds"].append(time.perf_counter() - start)
            values = problem.evaluate(params)
            record["values"].append(list(values))
            study.tell(trial, list(values))
        return record

    return run


def ax_runner(problem: MOProblem, seed: int, evaluations: int) -> dict:
    """Ax's default generation strategy: Sobol, then BoTorch's modular model with qLogNEHVI for
    several objectives; no objective thresholds (Ax infers them), like every other method here."""
    from ax.api.configs import ChoiceParameterConfig, RangeParameterConfig

    client = ax_client(seed)
    client.configure_experiment(parameters=[
        ChoiceParameterConfig(name=n, values=list(spec), parameter_type="str") if kind == "ENUM" else
        RangeParameterConfig(name=n, bounds=spec, parameter_type="float") for n, (kind, spec) in problem.variables.items()])
    client.configure_optimization(objective=", ".join(f"-{name}" for name in problem.objectives))
    record: dict = {"values": [], "seconds": []}
    for _ in range(evaluations):
        start = time.perf_counter()
        (index, params), = client.get_next_trials(max_trials=1).items()
        record["seconds"].append(time.perf_counter() - start)
        values = problem.evaluate(dict(params))
        record["values"].append(list(values))
        client.complete_trial(index, raw_data=dict(zip(problem.objectives, values)))
    return record


def random_runner(problem: MOProblem, seed: int, evaluations: int) -> dict:
    rng = np.random.default_rng(seed)
    record: dict = {"values": [], "seconds": []}
    for _ in range(evaluations):
        start = time.perf_counter()
        params = {n: (spec[int(rng.integers(len(spec)))] if kind == "ENUM" else float(spec[0] + (spec[1] - spec[0]) * rng.random()))
                  for n, (kind, spec) in problem.variables.items()}
        record["seconds"].append(time.perf_counter() - start)
        record["values"].append(list(problem.evaluate(params)))
    return record


RUNNERS: dict[str, Runner] = {
    "ehvi": hyperpower_runner("ehvi", False),
    "pabo": hyperpower_runner("pabo", False),
    "ehvi-apriori": hyperpower_runner("ehvi", True),
    "pabo-apriori": hyperpower_runner("pabo", True),
    "optuna-gp": optuna_runner("gp"),
    # GPSampler with HyperPower's initial design (5 random startup trials instead of its 10)
    "optuna-gp-init5": optuna_runner("gp", startup=INITIAL),
    "optuna-tpe": optuna_runner("tpe"),
    "optuna-nsga2": optuna_runner("nsga2"),
    "ax-qnehvi": ax_runner,
    "random": random_runner,
}
#: methods that read the a-priori model (only meaningful where a cost is modelled: NAS problems)
APRIORI = ("ehvi-apriori", "pabo-apriori")
#: points each method draws before its first model-based suggestion, as the write-up states them
#: (NSGA-II: its first generation; Ax's default strategy: the centre and 4 Sobol points)
INITIAL_DESIGNS: dict[str, int | str] = {
    "ehvi": INITIAL, "pabo": INITIAL, "ehvi-apriori": INITIAL, "pabo-apriori": INITIAL,
    "optuna-gp": OPTUNA_DEFAULT_STARTUP["gp"], "optuna-gp-init5": INITIAL, "optuna-tpe": OPTUNA_DEFAULT_STARTUP["tpe"],
    "optuna-nsga2": NSGA2_POPULATION, "ax-qnehvi": 5, "random": ALL_RANDOM,
}
