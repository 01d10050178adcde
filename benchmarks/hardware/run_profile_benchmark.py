"""Profiling benchmark: cost per configuration and model RMSPE per feature set (CPU).

Runs ``hyperpower profile`` (the library call) on copies of experiments/digits and of
benchmarks/hardware/wide_mlp, then times the network-feature function the optimizer would call
per candidate. Writes the numbers as JSON next to this script; RESULTS.md quotes them.

    .venv/bin/python benchmarks/hardware/run_profile_benchmark.py [--samples 30] [--seed 0]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
EXPERIMENTS = {"digits": REPO / "experiments" / "digits", "wide_mlp": HERE / "wide_mlp"}


def profile(name: str, source: Path, samples: int, seed: int, workdir: Path) -> dict:
    from hyperpower.experiment import resolve_experiment
    from hyperpower.hardware.profile import format_report, profile_experiment

    folder = workdir / name
    shutil.copytree(source / "keras_model", folder / "keras_model")
    log = io.StringIO()
    started = time.perf_counter()
    result = profile_experiment(resolve_experiment(folder), samples, device="cpu", seed=seed, out=log)
    total_s = time.perf_counter() - started
    print(format_report(result), flush=True)
    fits = {metric: {feature_set: {"cv_rmspe": fit.cv_rmspe, "cv_r2": fit.cv_r2, "features": fit.features}
                     for feature_set, fit in by_set.items()} for metric, by_set in result.fits.items()}
    values = {metric: [s["values"][metric] for s in result.samples] for metric in result.fits}
    template_space = _space(folder)
    cost = {metric: {feature_set: prediction_cost(fit, template_space) for feature_set, fit in by_set.items()
                     if feature_set != "network"} for metric, by_set in result.fits.items()}
    others = [s["contention"]["others_share"] for s in result.samples if s.get("contention")]
    return {
        "samples": len(result.samples), "failures": len(result.failures), "total_s": total_s,
        "seconds_per_configuration": result.seconds_per_sample, "setup_s": result.setup_s,
        "structural": result.structural, "fits": fits,
        "chosen": {metric: fit.feature_set for metric, fit in result.chosen.items()},
        "ranges": {metric: [min(v), max(v)] for metric, v in values.items()},
        "spread_median": {metric: sorted(s["spread"][metric] for s in result.samples)[len(result.samples) // 2]
                          for metric in result.fits},
        "seconds_per_prediction": cost,
        "others_share": [min(others), sorted(others)[len(others) // 2], max(others)] if others else None,
    }


def _space(folder: Path):
    from hyperpower.template import parse_template

    return parse_template(folder / "keras_model" / "network_def.py").space


def prediction_cost(fit, space, candidates: int = 2500, rounds: int = 5) -> float:
    """Seconds per candidate of a hyper-parameter model in the optimizer: ``predict_unit`` on a
    batch of ``candidates`` unit-cube points (the acquisition's batch), best of ``rounds``."""
    import numpy as np

    from hyperpower.optimize import load_linear_model

    model = load_linear_model(fit.to_json())
    points = np.random.default_rng(0).random((candidates, space.dim))
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        model.predict_unit(space, points)
        best = min(best, time.perf_counter() - started)
    return best / candidates


def feature_function_cost(source: Path, seed: int, calls: int = 10) -> dict:
    """Seconds per uncached call (render + build) and per cached call of feature_function_for."""
    import numpy as np

    from hyperpower.hardware.features import feature_function_for
    from hyperpower.template import parse_template

    template = parse_template(source / "keras_model" / "network_def.py")
    function = feature_function_for(template)
    points = [template.space.network_params(p) for p in
              [template.space.from_unit(u) for u in np.random.default_rng(seed).random((calls, template.space.dim))]]
    function(points[0])  # first call imports keras
    started = time.perf_counter()
    for params in points[1:]:
        function(params)
    uncached = (time.perf_counter() - started) / (len(points) - 1)
    started = time.perf_counter()
    for params in points:
        function(params)
    cached = (time.perf_counter() - started) / len(points)
    return {"uncached_s": uncached, "cached_s": cached, "distinct_builds": len(function.cache)}


def machine() -> dict:
    import keras
    import tensorflow as tf

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cpus": os.cpu_count(), "load_average_1min": os.getloadavg()[0],
            "python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__,
            "date": time.strftime("%Y-%m-%d %H:%M %Z")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    args = parser.parse_args()
    results = {"machine": machine(), "samples": args.samples, "seed": args.seed, "experiments": {}}
    with tempfile.TemporaryDirectory(prefix="hyperpower-bench-") as workdir:
        for name, source in EXPERIMENTS.items():
            print(f"== {name}", flush=True)
            results["experiments"][name] = profile(name, source, args.samples, args.seed, Path(workdir))
            results["experiments"][name]["feature_function"] = feature_function_cost(source, args.seed)
    results["machine"]["load_average_1min_after"] = os.getloadavg()[0]
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
