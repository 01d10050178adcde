"""Cold-start peers of the transfer benchmark: Optuna TPE and random search on the same NAS-Bench-201
tasks (validation error, six categorical edges), same seeds and evaluations as run_devices.py part B.

    nice benchmarks/.venv-peers/bin/python benchmarks/devices/peers.py [--seeds 10] [--evals 30]
Writes benchmarks/devices/results/peers.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1])]

from nb201 import EDGES, OPS, Table, cell_string  # noqa: E402

from benchmarks.common.peers import optuna_sampler  # noqa: E402


def tpe(table: Table, task: str, evals: int, seed: int) -> list[float]:
    import optuna

    study = optuna.create_study(sampler=optuna_sampler("tpe", seed))
    study.optimize(lambda trial: table.error(cell_string({e: trial.suggest_categorical(e, OPS) for e in EDGES}), task),
                   n_trials=evals)
    return [trial.value for trial in study.trials]


def random_search(table: Table, task: str, evals: int, seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    return [table.error(cell_string({e: str(rng.choice(OPS)) for e in EDGES}), task) for _ in range(evals)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--evals", type=int, default=30)
    args = parser.parse_args()
    table = Table()
    results = {}
    for task in ("cifar100", "cifar10"):
        target = float(np.quantile(table.all_errors(task), 0.01))
        for name, method in (("Optuna TPE (cold)", tpe), ("random (cold)", random_search)):
            runs = []
            for seed in range(args.seeds):
                running = np.minimum.accumulate(method(table, task, args.evals, seed))
                runs.append({"best": running.tolist(),
                             "evals_to_target": next((n + 1 for n, e in enumerate(running) if e <= target), None)})
            results.setdefault(task, {})[name] = runs
            print(task, name, np.median([r["best"][-1] for r in runs]), flush=True)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "peers.json").write_text(json.dumps(results))


if __name__ == "__main__":
    main()
