"""Entry point of the process that evaluates one job: ``python -m hyperpower.loop.job_process``.

Each job gets its own process so framework state and device memory are released between jobs, and
a crash, out-of-memory kill or hang of one network cannot take the run down. The parent passes the
job as JSON and reads back a small JSON result file; the job's stdout/stderr go to its log file.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from hyperpower.config import ExperimentConfig, load_config
from hyperpower.experiment import ExperimentPaths, resolve_experiment
from hyperpower.jobs import Job
from hyperpower.main_file import main_file_path, main_files
from hyperpower.spearmint_params import spearmint_params


def _load_main_file(paths: ExperimentPaths, config: ExperimentConfig, name: str):
    path = main_file_path(paths, config, name)  # inside the folder, as `run` checked before the first job
    if not path.is_file():
        raise FileNotFoundError(f"main-file {path} named in {paths.config} does not exist")
    spec = importlib.util.spec_from_file_location(f"spearmint_main_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    if str(paths.root) not in sys.path:
        sys.path.insert(0, str(paths.root))
    spec.loader.exec_module(module)
    if not hasattr(module, "main"):
        raise AttributeError(f"{path} defines no main(job_id, params) function")
    return module


def _number(value: Any) -> float:
    return float(np.asarray(value).ravel()[0])


def _values_from_spearmint(config: ExperimentConfig, tasks: list[str], returned: Any) -> dict[str, float]:
    """One main-file's return as task values: a dict gives its entries; a number is the value of
    the file's first objective task (else its first task), and NaN alone is Spearmint's "NaN on
    all tasks": an invalid result, so every objective and the file's tasks are NaN."""
    if isinstance(returned, dict):
        return {str(k): _number(v) for k, v in returned.items()}
    value = _number(returned)
    if math.isnan(value):
        return {name: math.nan for name in [*tasks, *config.settings.objectives.names]}
    objectives = [name for name in tasks if config.tasks[name].type == "OBJECTIVE"]
    return {(objectives or tasks)[0]: value}


def evaluate_main_files(paths: ExperimentPaths, config: ExperimentConfig, job: Job) -> tuple[dict[str, float], float]:
    """Call each main-file's ``main`` once (several files: in turn, in task order) and merge what
    they return; a task's value comes from its own file when another file returns the same name.
    The job's process runs them in the experiment folder (``main``). Also returns the seconds
    spent in the ``main`` calls (the job's training time; the files' imports are not)."""
    params = spearmint_params(config.space, job.raw_params)
    values: dict[str, float] = {}
    invalid = False
    training_s = 0.0
    for name, tasks in main_files(config).items():
        module = _load_main_file(paths, config, name)
        started = time.monotonic()
        if job.epochs is None:
            returned = module.main(job.id, params)
        else:
            returned = module.main(job.id, params, epochs=int(job.epochs))
        training_s += time.monotonic() - started
        invalid = invalid or (not isinstance(returned, dict) and math.isnan(_number(returned)))
        for task, value in _values_from_spearmint(config, tasks, returned).items():
            if task not in values or task in tasks:
                values[task] = value
    if invalid:  # one file's NaN alone makes the whole result invalid, whatever the others returned
        values.update({name: math.nan for name in config.settings.objectives.names})
    return values, training_s


def evaluate(paths: ExperimentPaths, config: ExperimentConfig, job: Job) -> dict[str, Any]:
    """Run the job's objective; returns {"values", "early_terminated", "trained_epochs",
    "training_s"}; ``training_s``, the job's ``runtime``, times the training alone: a main-file's
    ``main`` call (not its import), a HyperPower network's ``fit`` (not the imports, the fork
    server's start, the data loading or the model build).

    A HyperPower job returns its error only: the worker then measures the rendered network's
    inference in a process of its own (``JobExecutor._measure``). A multi-fidelity job of a
    plain Spearmint folder calls ``main(job_id, params, epochs=N)`` (N: the job's rung), which
    trains from scratch, so it trains all N epochs itself. Params reach a main-file as
    ``SpearmintArray`` values (``hyperpower.spearmint_params``)."""
    if paths.layout == "spearmint":
        values, training_s = evaluate_main_files(paths, config, job)
        print(f"main() returned after {training_s:.3f} s", flush=True)
        return {"values": values, "early_terminated": False, "trained_epochs": job.epochs, "training_s": training_s}
    from hyperpower.objective import evaluate_job

    result = evaluate_job(paths, config, job, sys.stdout, measure=False)  # the worker measures
    return {"values": dict(result.values), "early_terminated": bool(result.early_terminated),
            "trained_epochs": result.trained_epochs, "training_s": result.training_s}


def _json_safe(values: dict[str, float]) -> dict[str, Any]:
    return {k: (v if math.isfinite(v) else repr(v)) for k, v in values.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--experiment-dir", required=True)
    parser.add_argument("--config", required=True, help="config.json to use (the driver's snapshot)")
    parser.add_argument("--job", required=True, help="the job record as JSON")
    parser.add_argument("--result", required=True, help="where to write the JSON result")
    args = parser.parse_args(argv)
    result_path = Path(args.result).resolve()  # a main-file runs in its experiment folder
    try:
        paths = resolve_experiment(args.experiment_dir)
        config = load_config(args.config)
        job = Job.from_dict(json.loads(args.job))
        if paths.layout == "spearmint":  # as Spearmint's launcher does: a relative data path in main works
            os.chdir(paths.root)
        outcome = evaluate(paths, config, job)
        outcome["values"] = _json_safe(outcome["values"])
        result_path.write_text(json.dumps({"ok": True, **outcome}))
        return 0
    except BaseException:  # noqa: BLE001 - any failure of the user's code marks the job broken
        text = traceback.format_exc()
        print(text, file=sys.stderr, flush=True)
        result_path.write_text(json.dumps({"ok": False, "error": text}))
        return 1


if __name__ == "__main__":
    sys.exit(main())
