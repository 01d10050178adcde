"""Multi-fidelity benchmark on the LCBench surrogate (SURROGATE results, see lcbench.py).

Every method runs one configuration at a time (one simulated worker) against a simulated clock:
the surrogate's training seconds for the epochs a method actually trains (a promotion that
continues a checkpoint pays only its extra epochs, as HyperPower's scheduler and Optuna's or Syne
Tune's per-epoch reporting do) plus the real seconds the method itself spends choosing. The
incumbent is the best validation error among configurations trained to full fidelity (52
epochs), what a user would deploy. Each run stops when its clock passes the budget.

    nice -n 10 benchmarks/.venv-peers/bin/python benchmarks/multifidelity/run_benchmarks.py --tasks 3945 7593 --seeds 5
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1])]

from lcbench import MAX_EPOCHS, SPACE, Surrogate, from_unit  # noqa: E402

from benchmarks.common.cache import write_json  # noqa: E402
from benchmarks.common.peers import optuna_sampler  # noqa: E402

RESULTS = HERE / "results"
MIN_EPOCHS, ETA = 1, 3


class Trace:
    """The run's clock, epochs and incumbent after each evaluation."""

    def __init__(self, budget_s: float) -> None:
        self.budget_s, self.clock, self.epochs, self.best = budget_s, 0.0, 0, float("inf")
        self.points: list[tuple[float, int, float]] = []

    def spend(self, seconds: float, epochs: int, full_error: float | None = None) -> bool:
        self.clock += seconds
        self.epochs += epochs
        if full_error is not None:
            self.best = min(self.best, full_error)
        self.points.append((self.clock, self.epochs, self.best))
        return self.clock < self.budget_s


# -- HyperPower: the real Optimizer and Scheduler on in-memory jobs -----------------------------------
def _config(method: str, scheduler: str | None):
    from hyperpower.config import config_from_json

    settings = {"method": method, "initial_design": 5}
    if scheduler:
        settings.update({"scheduler": scheduler, "min_epochs": MIN_EPOCHS, "max_epochs": MAX_EPOCHS, "eta": ETA})
    return config_from_json({"experiment-name": "lcbench",
                             "variables": {name: {"type": "FLOAT", "min": 0, "max": 1} for name in SPACE},
                             "tasks": {"error": {"type": "OBJECTIVE"}}, "hyperpower": settings})


def hyperpower_run(surrogate: Surrogate, seed: int, budget_s: float, method: str, scheduler: str | None) -> Trace:
    import dataclasses

    from hyperpower.jobs import Job, JobStatus
    from hyperpower.optimize import Optimizer
    from hyperpower.schedule.scheduler import Scheduler

    config = _config(method, scheduler)
    optimizer = Optimizer(config, {}, np.random.default_rng(seed))
    planner = Scheduler(config, optimizer) if scheduler else None
    trace, jobs = Trace(budget_s), []
    while True:
        started = time.perf_counter()
        if planner is None:
            raw = optimizer.suggest(jobs, 1)[0].raw_params
            job = Job(id=0, experiment="lcbench", raw_params=raw, params=raw)
        else:
            job = planner.next_jobs(jobs, 1)[0]
        choosing = time.perf_counter() - started
        epochs = job.epochs or MAX_EPOCHS
        config_values = from_unit(job.raw_params)
        error, seconds = surrogate.evaluate(config_values, epochs)
        trained, paid = epochs, seconds
        if job.parent is not None:  # continues the parent's checkpoint: only the extra epochs
            parent_epochs = jobs[job.parent - 1].epochs
            trained, paid = epochs - parent_epochs, seconds - surrogate.evaluate(config_values, parent_epochs)[1]
        jobs.append(dataclasses.replace(job, id=len(jobs) + 1, status=JobStatus.COMPLETE, values={"error": error},
                                        trained_epochs=trained))
        if not trace.spend(max(paid, 0.0) + choosing, trained, error if epochs == MAX_EPOCHS else None):
            return trace


# -- Optuna: TPE with a pruner, reporting every epoch ---------------------------------------------------
def optuna_run(surrogate: Surrogate, seed: int, budget_s: float, pruner_name: str) -> Trace:
    import optuna

    pruner = (optuna.pruners.SuccessiveHalvingPruner(min_resource=MIN_EPOCHS, reduction_factor=ETA)
              if pruner_name == "sha" else
              optuna.pruners.HyperbandPruner(min_resource=MIN_EPOCHS, max_resource=MAX_EPOCHS, reduction_factor=ETA))
    study = optuna.create_study(sampler=optuna_sampler("tpe", seed), pruner=pruner)
    trace = Trace(budget_s)
    while True:
        started = time.perf_counter()
        trial = study.ask()
        unit = {name: trial.suggest_float(name, 0.0, 1.0) for name in SPACE}
        choosing = time.perf_counter() - started
        config = from_unit(unit)
        for epoch in range(1, MAX_EPOCHS + 1):
            error, seconds = surrogate.evaluate(config, epoch)
            started = time.perf_counter()
            trial.report(error, epoch)
            pruned = trial.should_prune()
            choosing += time.perf_counter() - started
            if pruned:
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                alive = trace.spend(seconds + choosing, epoch)
                break
        else:
            study.tell(trial, error)
            alive = trace.spend(seconds + choosing, MAX_EPOCHS, error)
        if not alive:
            return trace


# -- Syne Tune: ASHA (stopping variant) through its ask/tell interface -----------------------------------
def syne_tune_run(surrogate: Surrogate, seed: int, budget_s: float) -> Trace:
    from syne_tune.config_space import uniform
    from syne_tune.optimizer.baselines import ASHA

    from benchmarks.common.syne_tune import ask_tell_loop

    scheduler = ASHA({name: uniform(0.0, 1.0) for name in SPACE}, metric="error", time_attr="epoch",
                     max_t=MAX_EPOCHS, do_minimize=True, random_seed=seed, grace_period=MIN_EPOCHS,
                     reduction_factor=ETA)
    trace = Trace(budget_s)

    def evaluate(unit: dict, epoch: int) -> tuple[dict, float]:
        error, seconds = surrogate.evaluate(from_unit(unit), epoch)
        return {"epoch": epoch, "error": error}, seconds

    def spend(seconds: float, epoch: int, result: dict | None) -> bool:
        return trace.spend(seconds, epoch, None if result is None else result["error"])

    ask_tell_loop(scheduler, evaluate, spend, MAX_EPOCHS)
    return trace


METHODS = {
    "full fidelity HW-IECI": lambda s, seed, b: hyperpower_run(s, seed, b, "hw-ieci", None),
    "full fidelity rand": lambda s, seed, b: hyperpower_run(s, seed, b, "rand", None),
    "HyperPower ASHA, rand": lambda s, seed, b: hyperpower_run(s, seed, b, "rand", "asha"),
    "HyperPower ASHA, HW-IECI": lambda s, seed, b: hyperpower_run(s, seed, b, "hw-ieci", "asha"),
    "HyperPower Hyperband, rand": lambda s, seed, b: hyperpower_run(s, seed, b, "rand", "hyperband"),
    "Optuna TPE + SuccessiveHalvingPruner": lambda s, seed, b: optuna_run(s, seed, b, "sha"),
    "Optuna TPE + HyperbandPruner": lambda s, seed, b: optuna_run(s, seed, b, "hyperband"),
    "Syne Tune ASHA": syne_tune_run,
}


def budget_for(surrogate: Surrogate, full_trainings: int) -> float:
    """``full_trainings`` times the median full-fidelity training time of 64 random configurations."""
    rng = np.random.default_rng(2018)
    times = [surrogate.evaluate(from_unit({n: rng.random() for n in SPACE}), MAX_EPOCHS)[1] for _ in range(64)]
    return full_trainings * float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", nargs="+", default=["3945", "7593"])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--full-trainings", type=int, default=20, help="budget: this many median full trainings")
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--seed-limits", nargs="*", default=[], metavar="METHOD=N",
                        help="fewer seeds for expensive methods, e.g. 'HyperPower ASHA, HW-IECI=3'")
    args = parser.parse_args()
    limits = {text.rsplit("=", 1)[0]: int(text.rsplit("=", 1)[1]) for text in args.seed_limits}
    RESULTS.mkdir(exist_ok=True)
    for task in args.tasks:
        surrogate = Surrogate(task)
        budget = budget_for(surrogate, args.full_trainings)
        for method in args.methods:
            out = RESULTS / f"lcbench_{task}_{method.replace(' ', '_').replace(',', '').replace('+', 'with')}.json"
            runs = json.loads(out.read_text())["runs"] if out.exists() else {}
            for seed in range(min(args.seeds, limits.get(method, args.seeds))):
                if str(seed) in runs:
                    continue
                started = time.perf_counter()
                trace = METHODS[method](surrogate, seed, budget)
                runs[str(seed)] = {"points": trace.points, "cpu_s": time.perf_counter() - started}
                write_json(out, {"task": task, "method": method, "budget_s": budget, "runs": runs})
                print(f"{task} {method} seed {seed}: best {trace.best:.4f} after {trace.epochs} epochs, "
                      f"{len(trace.points)} evaluations ({time.perf_counter() - started:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
