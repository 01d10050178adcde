"""Two objectives on the LCBench surrogate (SURROGATE results): validation error and training
seconds per epoch (the surrogate's cost of a configuration, which, like a hardware cost, does
not change with the epochs trained). Same simulated clock as run_benchmarks.py; the score is the
hypervolume of the configurations trained to 52 epochs (reference: error 1, and 1.1 x the
slowest seconds-per-epoch of 64 random configurations), higher is better.

HyperPower's scheduler ranks each rung by non-dominated sorting with crowding distance (the
several-objectives rule; the run's objectives are set on the config's
``settings.objectives.names``, read by ``scheduler_objectives``); new configurations are
random. Syne Tune's MOASHA (non-dominated sorting, its default priority) runs through ask/tell.

    nice -n 10 benchmarks/.venv-peers/bin/python benchmarks/multifidelity/run_two_objectives.py
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[2])]

from lcbench import MAX_EPOCHS, SPACE, Surrogate, from_unit  # noqa: E402
from run_benchmarks import ETA, MIN_EPOCHS, RESULTS, _config, budget_for  # noqa: E402

from benchmarks.common.cache import write_json  # noqa: E402


class FrontTrace:
    """Clock, epochs and the full-fidelity front's hypervolume after each evaluation."""

    def __init__(self, budget_s: float, reference: np.ndarray) -> None:
        self.budget_s, self.reference, self.clock, self.epochs = budget_s, reference, 0.0, 0
        self.front: list[tuple[float, float]] = []
        self.points: list[tuple[float, int, float]] = []

    def spend(self, seconds: float, epochs: int, full_point: tuple[float, float] | None = None) -> bool:
        from hyperpower.optimize.pareto import hypervolume

        self.clock += seconds
        self.epochs += epochs
        if full_point is not None:
            self.front.append(full_point)
        volume = hypervolume(np.array(self.front), self.reference) if self.front else 0.0
        self.points.append((self.clock, self.epochs, volume))
        return self.clock < self.budget_s


def _objectives(surrogate: Surrogate, config: dict, epochs: int) -> tuple[float, float, float]:
    error, seconds = surrogate.evaluate(config, epochs)
    return error, seconds / epochs, seconds


def hyperpower_run(surrogate: Surrogate, seed: int, budget_s: float, reference: np.ndarray,
                   scheduler: str | None) -> FrontTrace:
    import dataclasses

    from hyperpower.jobs import Job, JobStatus
    from hyperpower.optimize import Optimizer
    from hyperpower.schedule.scheduler import Scheduler

    config = _config("rand", scheduler)
    config.settings.objectives.names = ["error", "time"]  # scheduler_objectives reads it
    optimizer = Optimizer(config, {}, np.random.default_rng(seed))
    planner = Scheduler(config, optimizer) if scheduler else None
    trace, jobs = FrontTrace(budget_s, reference), []
    while True:
        started = time.perf_counter()
        if planner is None:
            raw = optimizer.suggest(jobs, 1)[0].raw_params
            job = Job(id=0, experiment="lcbench", raw_params=raw, params=raw, epochs=MAX_EPOCHS)
        else:
            job = planner.next_jobs(jobs, 1)[0]
        choosing = time.perf_counter() - started
        values = from_unit(job.raw_params)
        error, per_epoch, seconds = _objectives(surrogate, values, job.epochs)
        trained, paid = job.epochs, seconds
        if job.parent is not None:
            parent_epochs = jobs[job.parent - 1].epochs
            trained, paid = job.epochs - parent_epochs, seconds - surrogate.evaluate(values, parent_epochs)[1]
        jobs.append(dataclasses.replace(job, id=len(jobs) + 1, status=JobStatus.COMPLETE,
                                        values={"error": error, "time": per_epoch}, trained_epochs=trained))
        full = (error, per_epoch) if job.epochs == MAX_EPOCHS else None
        if not trace.spend(max(paid, 0.0) + choosing, trained, full):
            return trace


def moasha_run(surrogate: Surrogate, seed: int, budget_s: float, reference: np.ndarray) -> FrontTrace:
    from syne_tune.config_space import uniform
    from syne_tune.optimizer.schedulers.multiobjective.moasha import MOASHA

    from benchmarks.common.syne_tune import ask_tell_loop

    scheduler = MOASHA({name: uniform(0.0, 1.0) for name in SPACE}, metrics=["error", "time"], do_minimize=True,
                       time_attr="epoch", max_t=MAX_EPOCHS, grace_period=MIN_EPOCHS, reduction_factor=ETA,
                       random_seed=seed)
    trace = FrontTrace(budget_s, reference)

    def evaluate(unit: dict, epoch: int) -> tuple[dict, float]:
        error, per_epoch, seconds = _objectives(surrogate, from_unit(unit), epoch)
        return {"epoch": epoch, "error": error, "time": per_epoch}, seconds

    def spend(seconds: float, epoch: int, result: dict | None) -> bool:
        return trace.spend(seconds, epoch, None if result is None else (result["error"], result["time"]))

    ask_tell_loop(scheduler, evaluate, spend, MAX_EPOCHS)
    return trace


METHODS = {
    "full fidelity rand": lambda s, seed, b, r: hyperpower_run(s, seed, b, r, None),
    "HyperPower ASHA (non-dominated + crowding), rand": lambda s, seed, b, r: hyperpower_run(s, seed, b, r, "asha"),
    "Syne Tune MOASHA": moasha_run,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", nargs="+", default=["3945", "7593", "189906"])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    for task in args.tasks:
        surrogate = Surrogate(task)
        budget = budget_for(surrogate, 20)
        rng = np.random.default_rng(2018)
        slowest = max(surrogate.evaluate(from_unit({n: rng.random() for n in SPACE}), MAX_EPOCHS)[1] / MAX_EPOCHS
                      for _ in range(64))
        reference = np.array([1.0, 1.1 * slowest])
        for method, run in METHODS.items():
            runs = {}
            for seed in range(args.seeds):
                trace = run(surrogate, seed, budget, reference)
                runs[str(seed)] = {"points": trace.points}
                print(f"{task} {method} seed {seed}: hypervolume {trace.points[-1][2]:.4g}, {trace.epochs} epochs",
                      flush=True)
            out = RESULTS / f"two_objectives_{task}_{method.split(' (')[0].replace(' ', '_')}.json"
            write_json(out, {"task": task, "method": method, "budget_s": budget,
                             "reference": reference.tolist(), "runs": runs})


if __name__ == "__main__":
    main()
