"""Each cost rule of issue 18 measured alone: seconds per hw-ieci suggestion and likelihood
factorizations per fit, one rule switched on at a time on top of the previous ones.

    python benchmarks/optimizer/ablation.py --dim 13 --sizes 100 400
    python benchmarks/optimizer/ablation.py --dim 2 --sizes 50

Same data and protocol as ``run_benchmarks.py speed`` (chain burnt in on 25 points, one untimed
suggestion at n, then ``--repeats`` timed ones, each told its value before the next).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent.parent)]

from run_benchmarks import _HyperPowerSpeed, _speed_function  # noqa: E402

NEVER = 10**9
#: cumulative variants: (label, MCMCSettings overrides, batch the members' predictions)
VARIANTS = [
    ("every sample fresh, all data, 10 members, per-member predictions", dict(refresh_below=NEVER, subset=NEVER, members_below=NEVER), False),
    ("+ rolling pool (ceil(150/n) fresh)", dict(subset=NEVER, members_below=NEVER), False),
    ("+ likelihood on a subset of 100", dict(members_below=NEVER), False),
    ("+ ceil(500/n) >= 3 members", dict(), False),
    ("+ members predicted as one batch (default)", dict(), True),
]


def measure(dim: int, size: int, repeats: int, overrides: dict, batched: bool) -> dict:
    from hyperpower.optimize import ensemble as ensemble_module
    from hyperpower.optimize.gp import StackedGaussianProcesses

    StackedGaussianProcesses.MAX_POINTS = 300 if batched else 0
    settings = dataclasses.replace(ensemble_module.MCMCSettings(), **overrides)
    rng = np.random.default_rng(dim * 1000 + size)
    points = rng.random((size, dim))
    values = _speed_function(points) + 0.01 * rng.standard_normal(size)
    runner = _HyperPowerSpeed(dim, points, values, mcmc=settings)
    point = runner.ask()
    times, factorizations = [], []
    for _ in range(repeats):
        runner.tell(point, _speed_function(point) + 0.01 * rng.standard_normal())
        start = time.perf_counter()
        point = runner.ask()
        times.append(time.perf_counter() - start)
        factorizations.append(runner.optimizer.strategy.ensembles["objective"].last_evaluations)
    return {"seconds": times, "factorizations": factorizations}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dim", type=int, default=13)
    parser.add_argument("--sizes", nargs="+", type=int, default=[100, 400])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        for label, overrides, batched in VARIANTS:
            record = measure(args.dim, size, args.repeats, overrides, batched)
            rows.append({"dim": args.dim, "n": size, "variant": label, **record})
            print(f"d={args.dim} n={size:4d} {label:62s} {np.median(record['seconds']):.3f} s, "
                  f"{int(np.median(record['factorizations']))} factorizations", flush=True)
    path = HERE / "results" / f"ablation_d{args.dim}.json"
    path.write_text(json.dumps(rows))


if __name__ == "__main__":
    main()
