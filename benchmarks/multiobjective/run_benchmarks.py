"""Multi-objective benchmarks: hypervolume after 20/40/80 evaluations and seconds per suggestion.

Resumable: every (problem, method, seed) run is cached as JSON under
benchmarks/multiobjective/results/, and an existing result is never recomputed (delete it to
redo); so are the problems' optimum hypervolumes and the a-priori latency models' errors.

    P=benchmarks/.venv-peers/bin/python      # benchmarks/setup_peers.sh makes it
    nice $P benchmarks/multiobjective/run_benchmarks.py quality --problems branin-currin --methods ehvi random --seeds 5
    nice $P benchmarks/multiobjective/run_benchmarks.py report     # RESULTS tables + PNG plots

Peers (optuna-*, ax-qnehvi) need the benchmark-only venv; HyperPower only needs numpy/scipy.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent.parent)]

from benchmarks.common.peers import one_blas_thread  # noqa: E402

one_blas_thread()  # before numpy is imported (by problems and runners): every method alike

from problems import PROBLEMS, latency_model, problem  # noqa: E402
from runners import APRIORI, RUNNERS  # noqa: E402

from benchmarks.common.cache import run_once, write_json  # noqa: E402

RESULTS = HERE / "results"
CHECKPOINTS = (20, 40, 80)


def problem_facts() -> dict:
    """Reference point, optimum hypervolume and (NAS) latency-model errors of every problem."""
    path = RESULTS / "problems.json"
    facts = json.loads(path.read_text()) if path.exists() else {}
    for name in PROBLEMS:
        if name not in facts:
            p = problem(name)
            facts[name] = {"reference": list(p.reference), "optimum": p.optimum() if callable(p.optimum) else p.optimum, "objectives": list(p.objectives)}
            if p.device:
                facts[name]["latency_model"] = latency_model(p)[1]
            write_json(path, facts)
    return facts


def quality(problems: list[str], methods: list[str], seeds: list[int], evaluations: int, folder: str = "quality") -> None:
    for seed in seeds:  # seeds outermost: an interrupted run leaves every method comparable
        for problem_name in problems:
            for method in methods:
                if method in APRIORI and not problem_name.startswith("nb201"):
                    continue
                run_once(RESULTS / folder / problem_name / method / f"seed{seed}.json",
                         lambda: RUNNERS[method](problem(problem_name), seed, evaluations),
                         f"{problem_name:14s} {method:14s} seed {seed}")


def cost(problems: list[str], methods: list[str], size: int, rounds: int, folder: str = "cost") -> None:
    """CPU seconds per suggestion (``time.process_time``: the machine's load does not inflate
    it) of a warm strategy continuing a run from ``size`` random evaluations for ``rounds``
    sequential suggestions; cached per (problem, method)."""
    from runners import continue_run

    for problem_name in problems:
        for method in methods:
            if method in APRIORI and not problem_name.startswith("nb201"):
                continue
            path = RESULTS / folder / problem_name / f"{method}.json"
            if path.exists():
                continue
            record = continue_run(method, problem(problem_name), size, rounds)
            write_json(path, record)
            print(f"{problem_name:14s} {method:14s}: median {sorted(record['cpu_s'])[rounds // 2]:.3f} CPU s/suggestion", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--problems", nargs="+", default=list(PROBLEMS))
    q.add_argument("--methods", nargs="+", default=list(RUNNERS))
    q.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1")
    q.add_argument("--seed-list", type=int, nargs="+", help="these seeds, in this order (parallel processes)")
    q.add_argument("--evaluations", type=int, default=max(CHECKPOINTS))
    q.add_argument("--folder", default="quality", help="results/<folder>/ (issue 25's runs: quality-issue25)")
    c = sub.add_parser("cost")
    c.add_argument("--problems", nargs="+", default=["branin-currin", "nb201-gpu"])
    c.add_argument("--methods", nargs="+", default=["ehvi", "pabo", "ehvi-apriori", "pabo-apriori", "optuna-gp"])
    c.add_argument("--size", type=int, default=40)
    c.add_argument("--rounds", type=int, default=8)
    c.add_argument("--folder", default="cost", help="results/<folder>/ (issue 25's runs: cost-issue25)")
    sub.add_parser("facts")
    sub.add_parser("report")
    args = parser.parse_args()
    if args.command == "quality":
        quality(args.problems, args.methods, args.seed_list or list(range(args.seeds)), args.evaluations, args.folder)
    elif args.command == "cost":
        cost(args.problems, args.methods, args.size, args.rounds, args.folder)
    elif args.command == "facts":
        print(json.dumps(problem_facts(), indent=1))
    else:
        from report import write_report

        write_report(RESULTS, problem_facts(), CHECKPOINTS)


if __name__ == "__main__":
    main()
