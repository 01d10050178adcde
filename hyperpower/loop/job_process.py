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
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from hyperpower.config import ExperimentConfig, load_config
from hyperpower.experiment import ExperimentPaths, resolve_experiment
from hyperpower.jobs import Job
from hyperpower.main_file import main_file_path


def spearmint_params(config: ExperimentConfig, raw_params: dict[str, Any]) -> dict[str, np.ndarray]:
    """Params as Spearmint passes them to ``main``: name -> numpy array of ``size`` values."""
    params = {}
    for variable in config.space.variables:
        value = raw_params[variable.name]
        params[variable.name] = np.array(value if isinstance(value, list) else [value])
    return params


def _load_main_file(paths: ExperimentPaths, config: ExperimentConfig):
    path = main_file_path(paths, config)  # inside the folder, as `run` checked before the first job
    if not path.is_file():
        raise FileNotFoundError(f"main-file {path} named in {paths.config} does not exist")
    spec = importlib.util.spec_from_file_location(f"spearmint_main_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(paths.root))
    spec.loader.exec_module(module)
    if not hasattr(module, "main"):
        raise AttributeError(f"{path} defines no main(job_id, params) function")
    return module


def _values_from_spearmint(config: ExperimentConfig, returned: Any) -> dict[str, float]:
    if isinstance(returned, dict):
        return {str(k): float(np.asarray(v).ravel()[0]) for k, v in returned.items()}
    return {config.objective_task.name: float(np.asarray(returned).ravel()[0])}


def evaluate(paths: ExperimentPaths, config: ExperimentConfig, job: Job) -> dict[str, Any]:
    """Run the job's objective; returns {"values", "early_terminated", "trained_epochs",
    "training_s"}; ``training_s``, the job's ``runtime``, times the training alone: a main-file's
    ``main`` call (not its import), a HyperPower network's ``fit`` (not the imports, the fork
    server's start, the data loading or the model build).

    A HyperPower job returns its error only: the worker then measures the rendered network's
    inference in a process of its own (``JobExecutor._measure``). A multi-fidelity job of a
    plain Spearmint folder calls ``main(job_id, params, epochs=N)`` (N: the job's rung), which
    trains from scratch, so it trains all N epochs itself."""
    if paths.layout == "spearmint":
        module = _load_main_file(paths, config)  # its imports are not the job's training time
        params = spearmint_params(config, job.raw_params)
        started = time.monotonic()
        if job.epochs is None:
            returned = module.main(job.id, params)
        else:
            returned = module.main(job.id, params, epochs=int(job.epochs))
        training_s = time.monotonic() - started
        print(f"main() returned after {training_s:.3f} s", flush=True)
        return {"values": _values_from_spearmint(config, returned), "early_terminated": False,
                "trained_epochs": job.epochs, "training_s": training_s}
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
    result_path = Path(args.result)
    try:
        paths = resolve_experiment(args.experiment_dir)
        config = load_config(args.config)
        job = Job.from_dict(json.loads(args.job))
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
