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

from benchmarks.common.cache import run_once, write_json  # noqa: E402

RESULTS = HERE / "results"
CHECKPOINTS = (10, 25, 50)


def optima() -> dict[str, float]:
    """Constrained optimum of every problem (computed once, cached)."""
    path = RESULTS / "optima.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    for name, problem in PROBLEMS.items():
        if name not in known:
            known[name] = constrained_optimum(problem, np.random.default_rng(0))
    write_json(path, known)
    return known


def quality(problems: list[str], methods: list[str], seeds: list[int], evaluations: int, folder: str = "quality") -> None:
    for seed in seeds:  # seeds outermost: an interrupted run leaves every method comparable
        for method in methods:
            for problem_name in problems:
                run_once(RESULTS / folder / problem_name / method / f"seed{seed}.json",
                         lambda: RUNNERS[method](PROBLEMS[problem_name], seed, evaluations),
                         f"{problem_name:16s} {method:16s} seed {seed}")


def _speed_function(points: np.ndarray) -> np.ndarray:
    """The synthetic objective of the speed benchmark: smooth, separable, every input relevant."""
    return np.sin(3 * points).sum(axis=-1)


class _HyperPowerSpeed:
    """hw-ieci through the public Optimizer, chain burnt in on the first 25 points as a run does."""

    def __init__(self, dim: int, points: np.ndarray, values: np.ndarray, mcmc=None) -> None:
        from hyperpower.config import config_from_json
        from hyperpower.optimize import Optimizer
        from hyperpower.optimize.ensemble import MCMCSettings

        config = config_from_json({"variables": {f"x{i}": {"type": "FLOAT", "min": 0, "max": 1} for i in range(dim)},
                                   "tasks": {"error": {"type": "OBJECTIVE"}}, "hyperpower": {"method": "hw-ieci"}})
        self.dim, self.jobs = dim, []
        self.optimizer = Optimizer(config, {}, np.random.default_rng(0), mcmc=mcmc or MCMCSettings())
        for point, value in zip(points, values):
            self.tell(point, value)
        self.optimizer.suggest(self.jobs[:25])

    def tell(self, point: np.ndarray, value: float) -> None:
        from hyperpower.jobs import Job, JobStatus

        self.jobs.append(Job(id=len(self.jobs) + 1, experiment="speed", status=JobStatus.COMPLETE,
                             raw_params={f"x{j}": float(point[j]) for j in range(self.dim)}, values={"error": float(value)}))

    def ask(self) -> np.ndarray:
        raw = self.optimizer.suggest(self.jobs)[0].raw_params
        return np.array([raw[f"x{j}"] for j in range(self.dim)])


class _OptunaSpeed:
    """Optuna's GPSampler (defaults: noise learnt, as the synthetic data are noisy) on the same data."""

    def __init__(self, dim: int, points: np.ndarray, values: np.ndarray) -> None:
        import optuna

        from benchmarks.common.peers import optuna_sampler

        self.optuna, self.dim = optuna, dim
        self.distributions = {f"x{j}": optuna.distributions.FloatDistribution(0.0, 1.0) for j in range(dim)}
        self.study = optuna.create_study(sampler=optuna_sampler("gp", 0))
        self.study.add_trials([optuna.trial.create_trial(params={f"x{j}": float(p[j]) for j in range(dim)},
                                                         distributions=self.distributions, value=float(v))
                               for p, v in zip(points, values)])
        self.trial = None

    def ask(self) -> np.ndarray:
        self.trial = self.study.ask()
        return np.array([self.trial.suggest_float(f"x{j}", 0.0, 1.0) for j in range(self.dim)])

    def tell(self, point: np.ndarray, value: float) -> None:
        self.study.tell(self.trial, float(value))


SPEED_ENGINES = {"hyperpower": _HyperPowerSpeed, "optuna-gp": _OptunaSpeed}


def speed(sizes: list[int], dims: list[int], repeats: int, engines: list[str]) -> None:
    """Seconds per suggestion at n observations, each engine on the same data in the same run.

    Each engine is given the n points, asked once untimed (a warm chain / Optuna's cached kernel
    parameters, as in a running experiment), then ``repeats`` times timed, each suggestion
    evaluated and told before the next, so every timed call sees one new observation (n, n+1, ...).
    """
    for dim in dims:
        for size in sizes:
            for engine in engines:
                path = RESULTS / "speed" / engine / f"d{dim}_n{size}.json"
                if path.exists():
                    continue
                rng = np.random.default_rng(dim * 1000 + size)
                points = rng.random((size, dim))
                values = _speed_function(points) + 0.01 * rng.standard_normal(size)
                start = time.perf_counter()
                runner = SPEED_ENGINES[engine](dim, points, values)
                point = runner.ask()
                warm_up_s = time.perf_counter() - start
                times = []
                for _ in range(repeats):
                    runner.tell(point, _speed_function(point) + 0.01 * rng.standard_normal())
                    start = time.perf_counter()
                    point = runner.ask()
                    times.append(time.perf_counter() - start)
                write_json(path, {"engine": engine, "dim": dim, "n": size, "seconds": times, "warm_up_s": warm_up_s})
                print(f"{engine:10s} d={dim:2d} n={size:4d}: median {np.median(times):.3f} s/suggestion", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--problems", nargs="+", default=list(PROBLEMS))
    q.add_argument("--methods", nargs="+", default=list(RUNNERS))
    q.add_argument("--seeds", type=int, default=10)
    q.add_argument("--evaluations", type=int, default=50)
    q.add_argument("--seed-list", type=int, nargs="+", help="these seeds, in this order (parallel processes)")
    q.add_argument("--folder", default="quality", help="results/<folder>/ (issue 25's runs: quality-issue25)")
    s = sub.add_parser("speed")
    s.add_argument("--sizes", nargs="+", type=int, default=[25, 50, 100, 200, 400, 1000])
    s.add_argument("--dims", nargs="+", type=int, default=[2, 6, 13])
    s.add_argument("--repeats", type=int, default=3)
    s.add_argument("--engines", nargs="+", default=list(SPEED_ENGINES), choices=list(SPEED_ENGINES))
    sub.add_parser("report")
    sub.add_parser("optima")
    args = parser.parse_args()
    if args.command == "quality":
        quality(args.problems, args.methods, args.seed_list or list(range(args.seeds)), args.evaluations, args.folder)
    elif args.command == "speed":
        speed(args.sizes, args.dims, args.repeats, args.engines)
    elif args.command == "optima":
        print(optima())
    else:
        from report import write_report

        write_report(RESULTS, optima(), CHECKPOINTS)


if __name__ == "__main__":
    main()
