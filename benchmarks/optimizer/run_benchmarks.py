"""Optimizer benchmarks: quality on constrained test problems, and seconds per suggestion.

Resumable: every (problem, method, seed) run and every speed point is cached as JSON under
benchmarks/optimizer/results/, and an existing result is never recomputed (delete it to redo).

    python benchmarks/optimizer/run_benchmarks.py quality --methods hw-ieci hw-cwei --seeds 10
    python benchmarks/optimizer/run_benchmarks.py speed
    python benchmarks/optimizer/run_benchmarks.py report      # tables (markdown) + PNG plots

Peers (optuna-*, ax-botorch) need the benchmark-only venv benchmarks/.venv-peers.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent.parent)]

from problems import PROBLEMS, constrained_optimum  # noqa: E402
from runners import RUNNERS  # noqa: E402

RESULTS = HERE / "results"
CHECKPOINTS = (10, 25, 50)


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    tmp.replace(path)


def optima() -> dict[str, float]:
    """Constrained optimum of every problem (computed once, cached)."""
    path = RESULTS / "optima.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    for name, problem in PROBLEMS.items():
        if name not in known:
            known[name] = constrained_optimum(problem, np.random.default_rng(0))
    _write(path, known)
    return known


def quality(problems: list[str], methods: list[str], seeds: int, evaluations: int) -> None:
    for method in methods:
        for problem_name in problems:
            for seed in range(seeds):
                path = RESULTS / "quality" / problem_name / method / f"seed{seed}.json"
                if path.exists():
                    continue
                start = time.perf_counter()
                record = RUNNERS[method](PROBLEMS[problem_name], seed, evaluations)
                record["wall_s"] = time.perf_counter() - start
                _write(path, record)
                print(f"{problem_name:16s} {method:16s} seed {seed}: {record['wall_s']:.1f} s", flush=True)


def speed(sizes: list[int], dims: list[int], repeats: int) -> None:
    """Seconds per hw-ieci suggestion with a warm MCMC chain (median of ``repeats``)."""
    from hyperpower.config import config_from_json
    from hyperpower.jobs import Job, JobStatus
    from hyperpower.optimize import Optimizer

    for dim in dims:
        for size in sizes:
            path = RESULTS / "speed" / f"d{dim}_n{size}.json"
            if path.exists():
                continue
            rng = np.random.default_rng(dim * 1000 + size)
            config = config_from_json({"variables": {f"x{i}": {"type": "FLOAT", "min": 0, "max": 1} for i in range(dim)},
                                       "tasks": {"error": {"type": "OBJECTIVE"}}, "hyperpower": {"method": "hw-ieci"}})
            points = rng.random((size, dim))
            values = np.sin(3 * points).sum(axis=1) + 0.01 * rng.standard_normal(size)
            jobs = [Job(id=i + 1, experiment="speed", status=JobStatus.COMPLETE, raw_params={f"x{j}": float(points[i, j]) for j in range(dim)},
                        values={"error": float(values[i])}) for i in range(size)]
            optimizer = Optimizer(config, {}, np.random.default_rng(0))
            start = time.perf_counter()
            optimizer.suggest(jobs[: min(size, 25)])  # burn the chain in on a short prefix, as a real run does
            burn_in_s = time.perf_counter() - start
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                optimizer.suggest(jobs)
                times.append(time.perf_counter() - start)
            _write(path, {"dim": dim, "n": size, "seconds": times, "burn_in_s_at_n25": burn_in_s})
            print(f"d={dim:2d} n={size:3d}: median {np.median(times):.2f} s/suggestion", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--problems", nargs="+", default=list(PROBLEMS))
    q.add_argument("--methods", nargs="+", default=list(RUNNERS))
    q.add_argument("--seeds", type=int, default=10)
    q.add_argument("--evaluations", type=int, default=50)
    s = sub.add_parser("speed")
    s.add_argument("--sizes", nargs="+", type=int, default=[25, 50, 100, 200, 400])
    s.add_argument("--dims", nargs="+", type=int, default=[2, 6, 13])
    s.add_argument("--repeats", type=int, default=3)
    sub.add_parser("report")
    sub.add_parser("optima")
    args = parser.parse_args()
    if args.command == "quality":
        quality(args.problems, args.methods, args.seeds, args.evaluations)
    elif args.command == "speed":
        speed(args.sizes, args.dims, args.repeats)
    elif args.command == "optima":
        print(optima())
    else:
        from report import write_report

        write_report(RESULTS, optima(), CHECKPOINTS)


if __name__ == "__main__":
    main()
