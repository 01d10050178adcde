"""The paper benchmark's fixed-evaluations protocol with calibrated budgets (issue 15).

Today's runs (RESULTS.md) use models profiled before issue 15: hyper-parameter features only, the
old latency protocol, no cross-validation residuals. This script profiles digits again with the
current tool (every feature set, the pairwise one chosen by the rule where it wins; the latency
protocol of ``sensors.process``; residuals kept), chooses budgets by the same rule as
``budgets.py`` (one shared percentile, half the space predicted infeasible), and runs the aware
methods with ``--violation-rate RATE``: each kept configuration's prediction times (1 + the
model's split-conformal error quantile) must be under its budget.

    nice python benchmarks/paper/run_calibrated.py profile
    nice python benchmarks/paper/run_calibrated.py run --methods hw-ieci,rand --seeds 0,1,2 --evals 30
    python benchmarks/paper/run_calibrated.py report        # calibrated.json (RESULTS.md quotes it)

Reported per run: measured violations of each budget, the best error among the jobs that
*measured* within both budgets, and the share of the space the calibration gives up (predicted to
fit, against predicted to fit under the tightened thresholds, over the same 4096 points).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import runs_layout as layout  # noqa: E402
from budgets import BUDGET_METRICS, choose_budgets, predictions  # noqa: E402

MODELS_DIR = layout.HERE / "models-calibrated"
BUDGETS_FILE = layout.HERE / "budgets-calibrated.json"
OUT_JSON = layout.HERE / "calibrated.json"
PROFILE_FOLDER = layout.RUNS_DIR / "calibrated-profile"
PROTOCOL = "calibrated"


def profile(samples: int, seed: int, sample_size: int) -> None:
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    model_files = {metric: MODELS_DIR / f"{metric}.json" for metric in BUDGET_METRICS}
    if not all(path.is_file() for path in model_files.values()):
        if not (PROFILE_FOLDER / "keras_model").is_dir():
            PROFILE_FOLDER.mkdir(parents=True, exist_ok=True)
            shutil.copytree(layout.DIGITS_TEMPLATE, PROFILE_FOLDER / "keras_model")
        subprocess.check_call([sys.executable, "-m", "hyperpower", "profile", str(PROFILE_FOLDER), "--samples",
                               str(samples), "--seed", str(seed), "--metrics", ",".join(BUDGET_METRICS)],
                              cwd=layout.REPO)
        for metric, path in model_files.items():
            shutil.copy(PROFILE_FOLDER / "models" / f"{metric}.json", path)
        for profile_file in (PROFILE_FOLDER / "profiles").glob("profile-*.json"):
            shutil.copy(profile_file, MODELS_DIR / profile_file.name)
    predicted = predictions(model_files, layout.DIGITS_TEMPLATE / "network_def.py", sample_size, seed)
    choice = choose_budgets(predicted, target=0.5, sample_seed=seed)
    BUDGETS_FILE.write_text(json.dumps(dataclasses.asdict(choice), indent=2) + "\n")
    print(f"budgets at percentile {choice.percentile}: {choice.budgets}")


def run(methods: list[str], seeds: list[int], evals: int, epochs: int, rate: float) -> None:
    budgets = json.loads(BUDGETS_FILE.read_text())["budgets"]
    for seed in seeds:
        for method in methods:
            spec = layout.RunSpec(PROTOCOL, method, "aware", seed)
            if layout.finished_evaluations(spec) >= evals:
                print(f"skip {spec.name}", flush=True)
                continue
            layout.prepare_folder(spec)
            command = layout.run_command(spec, budgets, epochs, evals, None, MODELS_DIR)
            command += ["--violation-rate", f"{rate:g}"]
            started = time.time()
            print(f"run  {spec.name}: {' '.join(command[1:])}", flush=True)
            code = layout.execute(spec, command)
            print(f"done {spec.name}: exit {code}, {time.time() - started:.0f} s, "
                  f"{layout.finished_evaluations(spec)} evaluations", flush=True)


def space_shares(rate: float, sample_size: int = 4096, seed: int = 0) -> dict[str, float]:
    """Share of the space predicted to fit both budgets, plain and under the calibrated thresholds."""
    from hyperpower.optimize import load_linear_model
    from hyperpower.optimize.optimizer import calibrated_threshold

    budgets = json.loads(BUDGETS_FILE.read_text())["budgets"]
    files = {metric: MODELS_DIR / f"{metric}.json" for metric in BUDGET_METRICS}
    predicted = predictions(files, layout.DIGITS_TEMPLATE / "network_def.py", sample_size, seed)
    plain = np.ones(sample_size, dtype=bool)
    calibrated = np.ones(sample_size, dtype=bool)
    quantiles = {}
    for metric, values in predicted.items():
        model = load_linear_model(files[metric])
        quantiles[metric] = model.conformal_quantile(rate)
        plain &= values <= budgets[metric]
        calibrated &= values <= calibrated_threshold(budgets[metric], model, rate)
    return {"plain": float(plain.mean()), "calibrated": float(calibrated.mean()),
            **{f"quantile_{metric}": q for metric, q in quantiles.items()}}


def run_summary(spec: layout.RunSpec, budgets: dict[str, float]) -> dict | None:
    from hyperpower.jobs import JobStatus
    from hyperpower.store import open_store

    if not (spec.folder / "hyperpower.sqlite").is_file():
        return None
    with open_store(spec.store_uri) as store:
        jobs = [job for job in store.list_jobs(spec.name) if job.status is JobStatus.COMPLETE]
    if not jobs:
        return None
    over = {metric: sum(job.values.get(metric, -math.inf) > budget for job in jobs) for metric, budget in budgets.items()}
    within = [job for job in jobs if all(job.values.get(m, math.inf) <= b for m, b in budgets.items())
              and math.isfinite(job.values.get("error", math.nan))]
    return {"evaluations": len(jobs), "measured_over": over,
            "measured_violating": sum(any(job.values.get(m, -math.inf) > b for m, b in budgets.items()) for job in jobs),
            "best_measured_feasible_error": min((job.values["error"] for job in within), default=math.nan)}


def report(rate: float) -> None:
    budgets = json.loads(BUDGETS_FILE.read_text())["budgets"]
    runs = {}
    for folder in sorted(layout.RUNS_DIR.glob(f"{PROTOCOL}-*-aware-seed*")):
        method = folder.name[len(PROTOCOL) + 1:].rsplit("-aware-seed", 1)[0]
        spec = layout.RunSpec(PROTOCOL, method, "aware", int(folder.name.rsplit("seed", 1)[1]))
        summary = run_summary(spec, budgets)
        if summary:
            runs[spec.name] = summary
    shares = space_shares(rate)
    OUT_JSON.write_text(json.dumps({"rate": rate, "budgets": budgets, "shares": shares, "runs": runs}, indent=2) + "\n")
    print(markdown_table(runs))


def markdown_table(runs: dict[str, dict]) -> str:
    """The per-run table RESULTS.md quotes, beside the same method and seed of today's runs."""
    today = json.loads((layout.HERE / "results.json").read_text())["fixed_evals"]
    lines = ["| run | evaluations | measured over memory | measured over latency | best error, measured feasible | "
             "today (same method, seed): evaluations, measured violations, best feasible error |",
             "| --- | ---: | ---: | ---: | ---: | --- |"]
    for name, run in runs.items():
        old = today.get(name.replace(f"{PROTOCOL}-", "evals-"), {})
        before = (f"{old['evaluations']}, {old['measured_violations'][-1]}, {old['best']:.4f}" if old else "-")
        lines.append(f"| {name} | {run['evaluations']} | {run['measured_over']['memory']} | "
                     f"{run['measured_over']['latency']} | {run['best_measured_feasible_error']:.4f} | {before} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("profile")
    p.add_argument("--samples", type=int, default=40)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sample-size", type=int, default=4096)
    r = commands.add_parser("run")
    r.add_argument("--methods", default="hw-ieci,rand")
    r.add_argument("--seeds", default="0,1,2")
    r.add_argument("--evals", type=int, default=30)
    r.add_argument("--epochs", type=int, default=2)
    r.add_argument("--violation-rate", type=float, default=0.05)
    s = commands.add_parser("report")
    s.add_argument("--violation-rate", type=float, default=0.05)
    args = parser.parse_args(argv)
    if args.command == "profile":
        profile(args.samples, args.seed, args.sample_size)
    elif args.command == "run":
        run(args.methods.split(","), [int(x) for x in args.seeds.split(",")], args.evals, args.epochs,
            args.violation_rate)
    else:
        report(args.violation_rate)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
