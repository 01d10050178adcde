"""Issue 25, NAS-Bench-201 error x latency: does knowing the cost a priori help once the model learns?

The problems are ``benchmarks/multiobjective``'s (``problems.py``): six ENUM edges of five
operations (15,625 cells), CIFAR-10 validation error against a device's measured latency (GPU,
CPU, phone), scored by the hypervolume share of the whole table's front against (error 40%, the
device's 90th-percentile latency). The a-priori latency model is the same one-hot linear model
fitted on 50 profiled cells of the device (``problems.latency_model``), whose cheap end goes below
zero (the run's warning gives the share, exact over the 15,625 cells).

Methods, each run through HyperPower's ``Optimizer`` as ``hyperpower run`` drives it, the same
initial design for all (``INITIAL`` Sobol points; GPSampler's default startup is as many random
trials):

* ``ehvi``: black-box (``aware: false``): GPs for error and latency;
* ``ehvi-apriori``: latency is the model's value, fixed (``models_fixed: true``, the paper's way);
* ``ehvi-learning``: latency is the model as the prior mean of a GP over its residuals, learning
  from every measured cell (the default);
* ``optuna-gp``: Optuna's GPSampler (logEHVI), its defaults (peers' venv).

    export HYPERPOWER_SHARED_DATA=/path/to/shared/data   # the folder holding nasbench201/
    P=benchmarks/.venv-peers/bin/python
    nice $P benchmarks/learning/nb201.py run --problems nb201-gpu nb201-cpu nb201-phone --seeds 0 1 2 --evaluations 100
    $P benchmarks/learning/nb201.py report                 # fills the nb201 blocks of RESULTS.md

Every (problem, method, seed) run is one JSON under ``results/nb201/`` (``benchmarks.common.cache``:
never recomputed, so ``run`` resumes).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(REPO), str(REPO / "benchmarks" / "multiobjective")]

from benchmarks.common.peers import one_blas_thread  # noqa: E402

one_blas_thread()

import numpy as np  # noqa: E402

from benchmarks.common.cache import load_runs, run_once  # noqa: E402
from benchmarks.common.peers import OPTUNA_DEFAULT_STARTUP  # noqa: E402
from benchmarks.common.writeup import bullets  # noqa: E402

RESULTS = HERE / "results" / "nb201"
PROBLEMS = ("nb201-gpu", "nb201-cpu", "nb201-phone")
METHODS = ("ehvi", "ehvi-apriori", "ehvi-learning", "optuna-gp")
INITIAL = 10
CUTS = (20, 50, 100)


def hyperpower_runner(variant: str):
    """``variant``: "black-box", "apriori" (fixed model) or "learning"."""

    def run(problem, seed: int, evaluations: int) -> dict:
        from hyperpower.config import config_from_json
        from hyperpower.jobs import Job, JobStatus
        from hyperpower.optimize import Optimizer
        from problems import latency_model

        variables = {name: {"type": "ENUM", "options": list(spec)} for name, (_, spec) in problem.variables.items()}
        config = config_from_json({
            "experiment-name": problem.name, "variables": variables,
            "tasks": {name: {"type": "OBJECTIVE"} for name in problem.objectives},
            "hyperpower": {"method": "ehvi", "aware": variant != "black-box", "models_fixed": variant == "apriori",
                           "initial_design": INITIAL}})
        models = {} if variant == "black-box" else {"latency": latency_model(problem)[0]}
        optimizer = Optimizer(config, models, np.random.default_rng(seed))
        record: dict = {"values": [], "seconds": [], "predicted": [], "initial_design": INITIAL}
        jobs: list = []
        for index in range(evaluations):
            start = time.perf_counter()
            suggestion = optimizer.suggest(jobs)[0]
            record["seconds"].append(time.perf_counter() - start)
            values = problem.evaluate(suggestion.raw_params)
            record["values"].append(list(values))
            record["predicted"].append(suggestion.predicted.get("latency"))
            jobs.append(Job(id=index + 1, experiment=problem.name, status=JobStatus.COMPLETE, method="ehvi",
                            raw_params=suggestion.raw_params, params=dict(suggestion.raw_params),
                            values=dict(zip(problem.objectives, values)), predicted=suggestion.predicted))
        return record

    return run


def runners() -> dict:
    from runners import RUNNERS

    return {"ehvi": hyperpower_runner("black-box"), "ehvi-apriori": hyperpower_runner("apriori"),
            "ehvi-learning": hyperpower_runner("learning"), "optuna-gp": RUNNERS["optuna-gp"]}


def run(problems: list[str], methods: list[str], seeds: list[int], evaluations: int) -> None:
    from problems import problem

    chosen = runners()
    problem_facts(problems)
    for seed in seeds:  # seeds outermost: a cut sweep leaves every method comparable
        for name in problems:
            for method in methods:
                path = RESULTS / name / method / f"seed{seed}.json"
                run_once(path, lambda: {**chosen[method](problem(name), seed, evaluations), "seed": seed},
                         f"{name} {method} seed {seed}")


# -- report -------------------------------------------------------------------------------------

def problem_facts(names: list[str]) -> dict:
    """problem -> reference, optimum (the whole table's front) and the a-priori model's errors and
    impossible predictions (exact over the 15,625 cells), cached in ``results/nb201/problems.json``
    (the optimum is a minute of CPU; ``report`` reads only this file and the runs)."""
    from hyperpower.optimize.model_range import impossible_predictions
    from problems import latency_model, problem
    from runners import _space

    from benchmarks.common.cache import write_json

    path = RESULTS / "problems.json"
    facts = json.loads(path.read_text()) if path.exists() else {}
    for name in names:
        if name not in facts:
            instance = problem(name)
            model, report = latency_model(instance)
            found = impossible_predictions(model, _space(instance))
            facts[name] = {"reference": list(instance.reference), "optimum": instance.optimum(),
                           "latency_model": {**report, "impossible": found.impossible, "checked": found.checked,
                                             "lowest": found.lowest}}
            write_json(path, facts)
    return facts


def hypervolume_share(values: list[list[float]], reference, optimum: float, cut: int) -> float:
    from hyperpower.optimize.pareto import hypervolume

    return float(hypervolume(np.array(values[:cut], dtype=float), np.array(reference, dtype=float))) / optimum


def generated_blocks(results: Path = RESULTS) -> dict[str, str]:
    """The nb201 blocks of RESULTS.md (hypervolume shares per cut, the models' facts), from the
    run files and ``problems.json`` alone."""
    runs = load_runs(results)
    facts = json.loads((results / "problems.json").read_text())
    lines = ["| problem | method | initial design | seeds | " + " | ".join(f"{cut} evaluations" for cut in CUTS) + " |",
             "| --- | --- | ---: | ---: |" + " ---: |" * len(CUTS)]
    models = ["| problem | latency model | cross-validated RMSPE | RMSPE over all cells | cells priced at or below zero | lowest prediction |",
              "| --- | --- | ---: | ---: | ---: | ---: |"]
    for name in [p for p in PROBLEMS if p in runs]:
        fact = facts[name]
        for method in [m for m in METHODS if m in runs[name]]:
            records = runs[name][method]
            cells = []
            for cut in CUTS:
                shares = [hypervolume_share(r["values"], fact["reference"], fact["optimum"], cut) for r in records
                          if len(r["values"]) >= cut]
                cells.append(f"{np.mean(shares):.3f} ± {np.std(shares):.3f}" if shares else "-")
            design = records[0].get("initial_design", OPTUNA_DEFAULT_STARTUP["gp"] if method == "optuna-gp" else "-")
            lines.append(f"| {name} | {method} | {design} | {len(records)} | " + " | ".join(cells) + " |")
        model = fact["latency_model"]
        models.append(f"| {name} | one-hot linear, {model['samples']} profiled cells | {100 * model['rmspe_cv']:.1f}% | "
                      f"{100 * model['rmspe_all_cells']:.1f}% | {model['impossible']:,} of {model['checked']:,} | "
                      f"{model['lowest']:.3g} ms |")
    return {"nb201-table": "\n".join(lines) + "\n", "nb201-models": "\n".join(models) + "\n",
            "nb201-findings": bullets(findings(runs, facts)), "nb201-diagnosis": diagnosis_table(runs)}


def diagnosis_table(runs: dict, cut: int = 50) -> str:
    """Where a method's front stands after ``cut`` evaluations: the lowest error and the lowest
    latency it reached (the two ends of its front; means over seeds), and how far the latency
    predictions it recorded after the initial design were from the measurements (median of
    (predicted - measured) / measured): tells a misplaced model from a search that stays away
    from one end of the front."""
    lines = [f"| problem | method | lowest error after {cut} | lowest latency after {cut} | "
             "median (predicted - measured) / measured after the design |", "| --- | --- | ---: | ---: | ---: |"]
    for name in [p for p in PROBLEMS if p in runs]:
        for method in [m for m in METHODS if m in runs[name]]:
            records = [r for r in runs[name][method] if len(r["values"]) >= cut]
            if not records:
                continue
            ends = np.array([np.min(np.array(r["values"][:cut], dtype=float), axis=0) for r in records])
            relative = [(predicted - values[1]) / values[1] for r in records
                        for predicted, values in list(zip(r.get("predicted") or [], r["values"]))[INITIAL:cut]
                        if predicted is not None]
            bias = f"{100 * np.median(relative):+.0f}%" if relative else "-"
            lines.append(f"| {name} | {method} | {ends[:, 0].mean():.2f}% | {ends[:, 1].mean():.3g} ms | {bias} |")
    return "\n".join(lines) + "\n"


def findings(runs: dict, facts: dict) -> list[str]:
    """Per problem and cut: the learning model against the fixed one, and the best of HyperPower's
    variants against GPSampler (mean hypervolume shares, every number from the runs)."""
    sentences = []
    for name in [p for p in PROBLEMS if p in runs]:
        fact = facts[name]
        means = {method: {cut: np.mean(shares) for cut in CUTS
                          if (shares := [hypervolume_share(r["values"], fact["reference"], fact["optimum"], cut)
                                         for r in runs[name][method] if len(r["values"]) >= cut])}
                 for method in METHODS if method in runs[name]}
        for cut in CUTS:
            if not all(cut in means.get(method, {}) for method in ("ehvi-learning", "ehvi-apriori")):
                continue
            learning, fixed = means["ehvi-learning"][cut], means["ehvi-apriori"][cut]
            text = (f"{name}, {cut} evaluations: learning model {learning:.3f} against the fixed model's {fixed:.3f} "
                    f"({learning - fixed:+.3f})")
            if cut in means.get("ehvi", {}):
                text += f", black-box {means['ehvi'][cut]:.3f}"
            if cut in means.get("optuna-gp", {}):
                gp = means["optuna-gp"][cut]
                text += f"; GPSampler {gp:.3f}, the learning model {learning - gp:+.3f} from it"
            sentences.append(text + ".")
    return sentences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("run")
    start.add_argument("--problems", nargs="+", default=list(PROBLEMS), choices=PROBLEMS)
    start.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    start.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    start.add_argument("--evaluations", type=int, default=100)
    commands.add_parser("report")
    args = parser.parse_args()
    if args.command == "run":
        run(args.problems, args.methods, args.seeds, args.evaluations)
    else:
        from benchmarks.common.writeup import update

        update(HERE / "RESULTS.md", generated_blocks())
        print(f"updated {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
