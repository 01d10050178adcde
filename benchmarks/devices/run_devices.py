"""Issue 14 benchmarks on NAS-Bench-201 (real accuracies, real latency on real devices).

Part A, the device as a variable: six ENUM edges x a device among two GPUs, two CPUs and two
phones; objectives error (CIFAR-10 validation), latency (ms, batch 1) and serving cost (currency
per million inferences, from each device's stated price per hour, nb201.DEVICES). Multi-objective
Rand-Walk (the multi-objective method on main when this ran: no EHVI yet) with the device as a
variable, against the same walk on each fixed device and the walk with a random device per
evaluation, and Rand. Measured: the hypervolume of the attained front as a share of the best
attainable over all 15,625 x 6 (architecture, device) pairs, after N evaluations, and the
evaluations and search cost (the summed serving cost of the evaluated pairs, a proxy for what
measuring them costs) until 80 % of it. The reference point is the median of every objective over
all pairs (the maximum would make any random front look 90 % good).

Part B, transfer: HW-IECI (GP + MCMC, single objective: validation error) on CIFAR-100 warm-started
from a finished CIFAR-10 experiment (100 random configurations) and the reverse, against the cold
start, and against a transfer from an unrelated task (the same source with its errors shuffled):
evaluations until the target error (the table's 1 % quantile of the task) and best after N.

Part C, transfer with two objectives (error, latency on a GTX 1080 Ti): multi-objective Rand-Walk
whose first 5 points come from the prior's estimate of where the front lies (the sources'
non-dominated configurations in normal-score space, ``TransferPrior.design``), against the cold walk.

    nice python benchmarks/devices/run_devices.py [--seeds 10] [--evals 30] [--part a|b|c|all]
Writes benchmarks/devices/results/{devices,transfer,transfer_front}.json; report.py draws the tables.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent))

from nb201 import DEVICES, EDGES, OPS, Table, cell_string, space_config  # noqa: E402

from hyperpower.jobs import Job, JobStatus  # noqa: E402
from hyperpower.optimize import Optimizer  # noqa: E402
from hyperpower.optimize.candidates import TakenPoints  # noqa: E402
from hyperpower.optimize.constraints import KnownConstraints  # noqa: E402
from hyperpower.optimize.ensemble import MCMCSettings  # noqa: E402
from hyperpower.optimize.multiobjective import MULTI_OBJECTIVE_STRATEGIES  # noqa: E402
from hyperpower.optimize.multiobjective_problem import MultiObjectiveProblem, ObjectiveSpec  # noqa: E402
from hyperpower.optimize.observations import collect_observations  # noqa: E402
from hyperpower.optimize.pareto import hypervolume, nondominated_mask  # noqa: E402
from hyperpower.optimize.strategies import Problem  # noqa: E402
from hyperpower.optimize.transfer import SourceTask, TransferPrior  # noqa: E402

RESULTS = HERE / "results"
OBJECTIVES = ("error", "latency", "cost")
MCMC = MCMCSettings(samples=5, burn_in=30)
HV_SHARE = 0.8


# -- part A: the device as a variable ---------------------------------------------------------------
def _values(table: Table, cell: str, device: str) -> list[float]:
    return [table.error(cell, "cifar10"), table.latency(cell, device), table.cost(cell, device)]


def _reference(table: Table) -> tuple[np.ndarray, np.ndarray]:
    """The fixed reference point and the front of every (architecture, device) pair."""
    every = np.unique(np.array([_values(table, cell, d) for cell in table.cells for d in DEVICES]), axis=0)
    reference = np.median(every, axis=0)  # a loose (max) reference makes every random front look ~90 % good
    return reference, _front(every[np.all(every < reference, axis=1)])


def _front(points: np.ndarray) -> np.ndarray:
    """Non-dominated rows, by one sweep in error order (93,750 rows: the quadratic mask is too slow)."""
    front = np.zeros((0, points.shape[1]))
    for point in points[np.lexsort(points.T[::-1])]:
        if not np.any(np.all(front <= point, axis=1)):
            front = np.vstack([front[~np.all(front >= point, axis=1)], point])
    return front


def _walk(table: Table, devices: list[str], evals: int, seed: int, method: str, device_rule: str) -> list[list[float]]:
    """One multi-objective run; ``device_rule``: variable (searched), random (drawn), or a device name."""
    searched = devices if device_rule == "variable" else None
    space = space_config(searched).space
    problem = MultiObjectiveProblem(Problem(space, KnownConstraints(space, []), [], sigma0=0.2),
                                    [ObjectiveSpec(name) for name in OBJECTIVES])
    rng = np.random.default_rng(seed)
    strategy = MULTI_OBJECTIVE_STRATEGIES[method](problem, rng)
    jobs, trace = [], []
    for index in range(evals):
        observations = collect_observations(jobs, space, OBJECTIVES, [])
        taken = TakenPoints(observations.every_point)
        ready = index >= 3 and strategy.ready(observations)
        point = (strategy.propose(observations, taken, 1) if ready else
                 MULTI_OBJECTIVE_STRATEGIES["rand"](problem, rng).propose(observations, taken, 1))[0]
        raw = space.from_unit(point)
        device = raw.get("device") or (str(rng.choice(devices)) if device_rule == "random" else device_rule)
        values = _values(table, cell_string(raw), device)
        jobs.append(Job(id=index + 1, experiment="a", status=JobStatus.COMPLETE, raw_params=raw,
                        values=dict(zip(OBJECTIVES, values)), feasible=True))
        trace.append(values)
    return trace


def part_a(table: Table, seeds: int, evals: int) -> dict:
    reference, front = _reference(table)
    best_hv = hypervolume(front, reference)
    print(f"A: global front of {len(front)} (architecture, device) pairs", flush=True)
    devices = list(DEVICES)
    arms = {"device variable (rand-walk)": ("rand-walk", "variable"), "random device (rand-walk)": ("rand-walk", "random"),
            "device variable (rand)": ("rand", "variable"),
            **{f"fixed {d} (rand-walk)": ("rand-walk", d) for d in devices}}
    results = {"reference": reference.tolist(), "best_hv": best_hv, "evals": evals, "arms": {}}
    for name, (method, rule) in arms.items():
        runs = []
        for seed in range(seeds):
            trace = np.array(_walk(table, devices, evals, seed, method, rule))
            shares = [hypervolume(trace[: n + 1][nondominated_mask(trace[: n + 1])], reference) / best_hv
                      for n in range(evals)]
            spent = np.cumsum(trace[:, 2])
            reached = next((n + 1 for n, s in enumerate(shares) if s >= HV_SHARE), None)
            runs.append({"hv_share": shares, "search_cost": spent.tolist(), "evals_to_share": reached,
                         "cost_to_share": float(spent[reached - 1]) if reached else None})
        results["arms"][name] = runs
        print(f"A {name}: final HV share {np.mean([r['hv_share'][-1] for r in runs]):.3f}", flush=True)
    return results


# -- part B: transfer ---------------------------------------------------------------------------------
def _source(table: Table, task: str, shuffle: bool, seed: int = 2018, count: int = 100) -> SourceTask:
    rng = np.random.default_rng(seed)
    raw = [{edge: str(rng.choice(OPS)) for edge in EDGES} for _ in range(count)]
    errors = np.array([[table.error(cell_string(p), task)] for p in raw])
    if shuffle:
        errors = errors[rng.permutation(count)]
    return SourceTask(f"{task}{' (shuffled)' if shuffle else ''}", space_config().space, raw, errors)


def _gp_run(table: Table, task: str, prior: TransferPrior | None, evals: int, seed: int) -> list[float]:
    config = space_config()
    optimizer = Optimizer(config, {}, np.random.default_rng(seed), mcmc=MCMC, transfer=prior)
    jobs, errors = [], []
    for index in range(evals):
        raw = optimizer.suggest(jobs, 1)[0].raw_params
        errors.append(table.error(cell_string(raw), task))
        jobs.append(Job(id=index + 1, experiment="b", status=JobStatus.COMPLETE, raw_params=raw, params=raw,
                        values={"error": errors[-1]}))
    return errors


def part_b(table: Table, seeds: int, evals: int, path: Path) -> dict:
    """Resumable: each finished run is saved at once (a shared 2-core machine may stop us), and a
    run already in ``path`` with the same settings is not repeated."""
    results = json.loads(path.read_text()) if path.is_file() else {}
    if results.get("evals") != evals:
        results = {"evals": evals, "pairs": {}}
    space = space_config().space
    for source_task, target_task in (("cifar10", "cifar100"), ("cifar100", "cifar10")):
        target = float(np.quantile(table.all_errors(target_task), 0.01))
        arms = {"cold": lambda: None,
                "transfer": lambda: TransferPrior(space, [_source(table, source_task, False)]),
                "unrelated transfer": lambda: TransferPrior(space, [_source(table, source_task, True)])}
        pair = results["pairs"].setdefault(f"{source_task} -> {target_task}", {"arms": {}})
        pair.update(target_error=target, table_best=float(table.all_errors(target_task).min()))
        for arm, make_prior in arms.items():
            runs = pair["arms"].setdefault(arm, [])
            prior = make_prior() if len(runs) < seeds else None
            for seed in range(len(runs), seeds):
                started = time.process_time()
                errors = _gp_run(table, target_task, prior, evals, seed)
                running = np.minimum.accumulate(errors)
                reached = next((n + 1 for n, e in enumerate(running) if e <= target), None)
                runs.append({"best": running.tolist(), "evals_to_target": reached,
                             "cpu_s": time.process_time() - started})
                path.write_text(json.dumps(results))
                print(f"B {source_task}->{target_task} {arm} seed {seed}: best {running[-1]:.4f}, "
                      f"target after {reached}", flush=True)
    return results


# -- part C: transfer with two objectives ----------------------------------------------------------
C_DEVICE = "gtx_1080ti"
C_DESIGN = 5


def _front_walk(table: Table, task: str, prior: TransferPrior | None, evals: int, seed: int) -> np.ndarray:
    """Multi-objective Rand-Walk on (error, latency on C_DEVICE); its first C_DESIGN points come
    from the prior's estimate of where the front lies (``TransferPrior.design``) when given."""
    space = space_config().space
    problem = MultiObjectiveProblem(Problem(space, KnownConstraints(space, []), [], sigma0=0.2),
                                    [ObjectiveSpec("error"), ObjectiveSpec("latency")])
    rng = np.random.default_rng(seed)
    walk, uniform = MULTI_OBJECTIVE_STRATEGIES["rand-walk"](problem, rng), MULTI_OBJECTIVE_STRATEGIES["rand"](problem, rng)
    design = prior.design(space.sample(np.random.default_rng(seed), 512), C_DESIGN) if prior else None
    jobs, trace = [], []
    for index in range(evals):
        observations = collect_observations(jobs, space, ("error", "latency"), [])
        taken = TakenPoints(observations.every_point)
        if design is not None and index < C_DESIGN:
            point = design[index]
        elif index >= 3 and walk.ready(observations):
            point = walk.propose(observations, taken, 1)[0]
        else:
            point = uniform.propose(observations, taken, 1)[0]
        raw = space.from_unit(point)
        cell = cell_string(raw)
        values = [table.error(cell, task), table.latency(cell, C_DEVICE)]
        jobs.append(Job(id=index + 1, experiment="c", status=JobStatus.COMPLETE, raw_params=raw,
                        values=dict(zip(("error", "latency"), values)), feasible=True))
        trace.append(values)
    return np.array(trace)


def part_c(table: Table, seeds: int, evals: int) -> dict:
    results = {"evals": evals, "device": C_DEVICE, "pairs": {}}
    space = space_config().space
    for source_task, target_task in (("cifar10", "cifar100"), ("cifar100", "cifar10")):
        every = np.array([[table.error(c, target_task), table.latency(c, C_DEVICE)] for c in table.cells])
        reference = np.median(every, axis=0)
        best_hv = hypervolume(_front(every[np.all(every < reference, axis=1)]), reference)
        source = _source(table, source_task, False)
        source.values = np.array([[table.error(cell_string(p), source_task), table.latency(cell_string(p), C_DEVICE)]
                                  for p in source.raw_params])
        priors = {"cold": None, "transfer": TransferPrior(space, [source])}
        pair = {"reference": reference.tolist(), "arms": {}}
        for arm, prior in priors.items():
            runs = []
            for seed in range(seeds):
                trace = _front_walk(table, target_task, prior, evals, seed)
                shares = [hypervolume(trace[: n + 1][nondominated_mask(trace[: n + 1])], reference) / best_hv
                          for n in range(evals)]
                runs.append({"hv_share": shares,
                             "evals_to_share": next((n + 1 for n, v in enumerate(shares) if v >= HV_SHARE), None)})
            pair["arms"][arm] = runs
            print(f"C {source_task}->{target_task} {arm}: mean HV share after 10 "
                  f"{np.mean([r['hv_share'][9] for r in runs]):.3f}, after {evals} "
                  f"{np.mean([r['hv_share'][-1] for r in runs]):.3f}", flush=True)
        results["pairs"][f"{source_task} -> {target_task}"] = pair
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--evals", type=int, default=30)
    parser.add_argument("--part", choices=["a", "b", "c", "all"], default="all")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    table = Table()
    if args.part in ("a", "all"):
        (RESULTS / "devices.json").write_text(json.dumps(part_a(table, args.seeds, 2 * args.evals)))
    if args.part in ("b", "all"):
        part_b(table, args.seeds, args.evals, RESULTS / "transfer.json")
    if args.part in ("c", "all"):
        (RESULTS / "transfer_front.json").write_text(json.dumps(part_c(table, args.seeds, args.evals)))


if __name__ == "__main__":
    main()
