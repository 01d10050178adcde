"""Issue 12 point 5, digits: error against memory with real training on this CPU.

Every method is scored by the same evaluation, HyperPower's own job code: ``evaluate_job``
renders the digits template with the configuration, trains it (``EPOCHS`` epochs, the
validation split, HyperPower's default early termination) and ``measure_hardware`` measures the
rendered network's inference memory through a ``MeasurementServer``, as the run loop's worker
does. Nothing of training or measurement is reimplemented here.

Methods (one process per method and seed, ``--method``):

* ``ehvi-aware``: HyperPower's ``Optimizer`` with ``ehvi`` and the a-priori memory model
  ``results_digits/memory_model.json`` (profiled by ``hyperpower profile``, 30 samples): memory
  enters as the model's value, only error has a GP. Initial design: 3 Sobol points (the default).
* ``ehvi-unaware``: the same with ``aware: false``: GPs for error and memory.
* ``random``: HyperPower's ``rand`` with ``aware: false`` (uniform points).
* ``optuna-gp``: Optuna's GPSampler (logEHVI for two objectives), ``n_startup_trials=3`` to
  match HyperPower's design (its default is 10), over the same raw space (INT as suggest_int,
  the log-scaled FLOAT as log=True, the ENUM as categorical). Runs in the peers venv.

Hypervolume (``hyperpower.optimize.pareto.hypervolume``) against the fixed REFERENCE below, over
the evaluations done so far; seconds per suggestion are wall and process CPU seconds of the
method's suggestion alone (training and measurement excluded).

    nice python benchmarks/multiobjective/digits.py run --method ehvi-aware --seeds 0 1 --evaluations 10
    nice python benchmarks/multiobjective/digits.py report

``run`` writes ``results_digits/<method>-seed<N>.json`` after every evaluation (so a cut run
keeps what finished); ``report`` rewrites DIGITS.md's generated table and findings from those files.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))
RESULTS = HERE / "results_digits"
MODEL_FILE = RESULTS / "memory_model.json"
OBJECTIVES = ["error", "memory"]
#: fixed reference point: error 1.0 (worse than chance, 0.9); memory 350 MB (above every
#: prediction of the profiled model over the space: 283 to 338 MB on 20000 uniform points)
REFERENCE = np.array([1.0, 350.0])
EPOCHS = 1
INITIAL_DESIGN = 3
CUTS = (5, 10, 15, 20, 30)
METHODS = ("ehvi-aware", "ehvi-unaware", "random", "optuna-gp")


def experiment(method: str, seed: int):
    """A private copy of experiments/digits and its config (two objectives, no budgets)."""
    from hyperpower.experiment import resolve_experiment
    from hyperpower.generate import GenerateOptions, generate_config

    folder = RESULTS / "runs" / f"{method}-seed{seed}" / "digits"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(REPO / "experiments" / "digits" / "keras_model", folder / "keras_model")
    paths = resolve_experiment(folder)
    config, _ = generate_config(paths, GenerateOptions())
    config.settings.objectives.names = list(OBJECTIVES)
    config.settings.training.epochs, config.settings.search.seed, config.settings.training.keep_models = EPOCHS, seed, "none"
    config.settings.search.initial_design = INITIAL_DESIGN
    return paths, config


class Evaluator:
    """HyperPower's job: evaluate_job (render, train, error) + measure_hardware (memory)."""

    def __init__(self, paths, config) -> None:
        from hyperpower.hardware.measure_server import MeasurementServer

        self.paths, self.config = paths, config
        self.server = MeasurementServer(None)

    def __call__(self, job_id: int, raw_params: dict) -> dict[str, float]:
        import keras

        from hyperpower.jobs import Job, JobStatus
        from hyperpower.objective import evaluate_job, measure_hardware, measurement_seed

        job = Job(id=job_id, experiment=self.config.name, status=JobStatus.RUNNING, raw_params=raw_params,
                  params=self.config.space.network_params(raw_params))
        log = io.StringIO()
        result = evaluate_job(self.paths, self.config, job, log, measure=False)
        values = dict(result.values)
        values.update(measure_hardware(self.paths.job_network(job_id), self.config, log, measurer=self.server,
                                       seed=measurement_seed(self.config.settings.search.seed, job_id)))
        keras.backend.clear_session()
        return values

    def close(self) -> None:
        self.server.close()


def hyperpower_suggester(method: str, config, seed: int):
    """() -> raw params: HyperPower's Optimizer as `run` builds it (same config, models)."""
    from hyperpower.loop.driver import seeded_rng
    from hyperpower.optimize import Optimizer, load_linear_model

    settings = config.settings
    settings.search.method = "rand" if method == "random" else "ehvi"
    settings.search.aware = method == "ehvi-aware"
    models = {"memory": load_linear_model(MODEL_FILE)} if settings.search.aware else {}
    optimizer = Optimizer(config, models, seeded_rng(seed, 0))
    return lambda jobs: optimizer.suggest(jobs)[0].raw_params


class OptunaSuggester:
    """Optuna GPSampler over the raw space; ask -> raw params, tell after the evaluation."""

    def __init__(self, config, seed: int) -> None:
        import optuna

        from benchmarks.common.peers import optuna_sampler

        self.space = config.space
        sampler = optuna_sampler("gp", seed, n_startup_trials=INITIAL_DESIGN)
        self.study = optuna.create_study(directions=["minimize", "minimize"], sampler=sampler)
        self.trial = None

    def __call__(self, jobs) -> dict:
        if self.trial is not None and jobs:
            self.study.tell(self.trial, [jobs[-1].values[name] for name in OBJECTIVES])
        self.trial = self.study.ask()
        raw = {}
        for variable in self.space.variables:
            if variable.type.value == "ENUM":
                raw[variable.name] = self.trial.suggest_categorical(variable.name, list(variable.options))
            elif variable.type.value == "INT":
                raw[variable.name] = self.trial.suggest_int(variable.name, int(variable.min), int(variable.max))
            else:
                raw[variable.name] = self.trial.suggest_float(variable.name, float(variable.min), float(variable.max),
                                                              log=variable.log_scale)
        return raw


def run_one(method: str, seed: int, evaluations: int) -> None:
    from hyperpower.jobs import Job, JobStatus

    paths, config = experiment(method, seed)
    suggest = OptunaSuggester(config, seed) if method == "optuna-gp" else hyperpower_suggester(method, config, seed)
    evaluate = Evaluator(paths, config)
    out = RESULTS / f"{method}-seed{seed}.json"
    record = {"method": method, "seed": seed, "epochs": EPOCHS, "reference": REFERENCE.tolist(),
              "values": [], "params": [], "wall_s": [], "cpu_s": [], "evaluation_wall_s": []}
    jobs: list[Job] = []
    try:
        for index in range(evaluations):
            wall, cpu = time.perf_counter(), time.process_time()
            raw = suggest(jobs)
            record["wall_s"].append(time.perf_counter() - wall)
            record["cpu_s"].append(time.process_time() - cpu)
            started = time.perf_counter()
            values = evaluate(index + 1, raw)
            record["evaluation_wall_s"].append(time.perf_counter() - started)
            jobs.append(Job(id=index + 1, experiment=config.name, status=JobStatus.COMPLETE, raw_params=raw,
                            params=config.space.network_params(raw), values=values, feasible=True))
            record["values"].append([values[name] for name in OBJECTIVES])
            record["params"].append(jobs[-1].params)
            out.write_text(json.dumps(record, indent=1, default=str) + "\n")
            print(f"{method} seed {seed} [{index + 1}/{evaluations}] error={values['error']:.4f} "
                  f"memory={values['memory']:.1f} MB suggest {record['wall_s'][-1]:.1f} s", flush=True)
    finally:
        evaluate.close()


def hypervolume_after(values: list, count: int) -> float | None:
    from hyperpower.optimize.pareto import hypervolume

    if len(values) < count:
        return None
    return float(hypervolume(np.array(values[:count]), REFERENCE))


def load_runs(results: Path = RESULTS) -> dict[str, list[dict]]:
    runs: dict[str, list[dict]] = {}
    for path in sorted(results.glob("*-seed*.json")):
        record = json.loads(path.read_text())
        runs.setdefault(record["method"], []).append(record)
    return runs


def _cuts(runs: dict[str, list[dict]]) -> list[int]:
    return [c for c in CUTS if any(len(r["values"]) >= c for rs in runs.values() for r in rs)]


def _hypervolumes(records: list[dict], cut: int) -> list[float]:
    return [h for h in (hypervolume_after(r["values"], cut) for r in records) if h is not None]


def report(runs: dict[str, list[dict]]) -> str:
    """Markdown: median [quartiles] hypervolume after each cut over the seeds that reached it;
    median seconds per suggestion after the initial design (the model-based ones)."""
    cuts = _cuts(runs)
    lines = ["| method | seeds | " + " | ".join(f"HV after {c}" for c in cuts)
             + " | wall s per suggestion | CPU s per suggestion |",
             "| --- | --- |" + " --- |" * (len(cuts) + 2)]
    for method in METHODS:
        if method not in runs:
            continue
        cells = []
        for cut in cuts:
            hv = _hypervolumes(runs[method], cut)
            cells.append(f"{np.median(hv):.3f} [{np.percentile(hv, 25):.3f}, {np.percentile(hv, 75):.3f}] (n={len(hv)})"
                         if hv else "-")
        walls = [s for r in runs[method] for s in r["wall_s"][INITIAL_DESIGN:]]  # model-based suggestions only
        cpus = [s for r in runs[method] for s in r["cpu_s"][INITIAL_DESIGN:]]
        seeds = ",".join(str(r["seed"]) for r in runs[method])
        lines.append(f"| {method} | {seeds} | " + " | ".join(cells)
                     + f" | {_median(walls)} | {_median(cpus)} |")
    return "\n".join(lines)


def _median(seconds: list[float]) -> str:
    return f"{np.median(seconds):.2f} (n={len(seconds)})" if seconds else "-"


def findings(runs: dict[str, list[dict]]) -> list[str]:
    """The order after the last cut, the cost of a suggestion, and the measured memory's range."""
    last = _cuts(runs)[-1]
    medians = {method: float(np.median(_hypervolumes(runs[method], last))) for method in METHODS if method in runs}
    order = sorted(medians, key=medians.get, reverse=True)
    memory = [values[1] for records in runs.values() for r in records for values in r["values"]]
    seconds = {method: ([s for r in runs[method] for s in r["wall_s"][INITIAL_DESIGN:]],
                        [s for r in runs[method] for s in r["cpu_s"][INITIAL_DESIGN:]]) for method in order}
    return [f"Median hypervolume after {last} evaluations: " + ", ".join(f"{m} {medians[m]:.3f}" for m in order) + ".",
            "Median wall / CPU seconds per model-based suggestion: " + ", ".join(
                f"{m} {np.median(wall):.2f} / {np.median(cpu):.2f}" for m, (wall, cpu) in seconds.items() if wall) + ".",
            f"Measured inference memory over every evaluation: {min(memory):.0f} to {max(memory):.0f} MB."]


def write_report() -> None:
    from benchmarks.common.writeup import bullets, update

    runs = load_runs()
    update(HERE / "DIGITS.md", {"table": report(runs) + "\n", "findings": bullets(findings(runs))})
    print(f"wrote {HERE / 'DIGITS.md'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")
    run.add_argument("--method", choices=METHODS, required=True)
    run.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    run.add_argument("--evaluations", type=int, default=20)
    sub.add_parser("report")
    args = parser.parse_args(argv)
    if args.command == "report":
        write_report()
        return 0
    RESULTS.mkdir(exist_ok=True)
    for seed in args.seeds:
        run_one(args.method, seed, args.evaluations)
    return 0


if __name__ == "__main__":
    sys.exit(main())
