"""``hyperpower profile``: measure random structural configurations and fit hardware models.

Steps (design §7, paper §3.3):

1. find the structural variables (template flags, else detected by two builds each);
2. draw ``samples`` configurations (scrambled Sobol over the structural variables, the others
   at their midpoint);
3. render each network and measure its inference in a process of its own (no training: weights
   do not change power, memory or latency): a fork of a warm server on the CPU, a fresh process
   on a GPU (``measure_server``);
4. store each sample (``store.add_profile_samples``) and keep them all in
   ``EXP/profiles/profile-<device>-<time>.json``, a file a GPU user can commit so others can fit
   or optimize against a real GPU without one;
5. fit every metric on each feature set with k-fold CV and write ``EXP/models/<metric>.json``,
   with the template's structural variables it was fitted on (``provenance``).
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence, TextIO

import numpy as np

from hyperpower.settings.measurement import DEFAULT_PROFILE_SAMPLES
from hyperpower.errors import HyperPowerError
from hyperpower.experiment import ExperimentPaths
from hyperpower.hardware.profile_models import (
    distinct_structures, fit_all, model_document, unsampled_options, write_model,
)
from hyperpower.hardware.protocol import protocol_text
from hyperpower.hardware.provenance import template_provenance
from hyperpower.hardware.regression import LinearFit, choose_fit
from hyperpower.hardware.sampling import draw_configurations
from hyperpower.hardware.sensors import detect_sensors
from hyperpower.metrics import HARDWARE_METRICS
from hyperpower.hardware.subprocess_measure import MeasurementFailed
from hyperpower.units import format_measurement

if TYPE_CHECKING:  # pragma: no cover
    from hyperpower.store.base import ExperimentStore

DEFAULT_SAMPLES = DEFAULT_PROFILE_SAMPLES


@dataclasses.dataclass
class ProfileResult:
    """What a profiling run measured and fitted.

    fits: metric -> feature set -> LinearFit; chosen: metric -> the fit written to the model file.
    seconds_per_sample: wall time of measuring one configuration (render + process + measure).
    """

    experiment: str
    device: str
    device_name: str
    structural: list[str]
    samples: list[dict[str, Any]]
    failures: list[str]
    fits: dict[str, dict[str, LinearFit]]
    chosen: dict[str, LinearFit]
    model_paths: dict[str, Path]
    profile_path: Path
    seconds_per_sample: float
    setup_s: float
    #: ``name=option`` of categorical choices no sample made (their models predict the baseline)
    unsampled: list[str] = dataclasses.field(default_factory=list)
    #: metric -> where its written model predicts a value at or below zero (``optimize.model_range``)
    impossible: dict[str, Any] = dataclasses.field(default_factory=dict)


def profile_experiment(paths: ExperimentPaths, samples: int = DEFAULT_SAMPLES, *, device: str | None = None,
                       folds: int = 10, store: "ExperimentStore | None" = None, experiment: str | None = None,
                       seed: int | None = None, metrics: Sequence[str] | None = None,
                       min_window_s: float | None = None, repetitions: int | None = None, features: str = "auto",
                       out: TextIO = sys.stdout) -> ProfileResult:
    """Profile ``paths``' template on ``device`` and write its models; see the module docstring."""
    from hyperpower.hardware.structure import structural_variables
    from hyperpower.template import parse_template

    if samples < 3:
        raise HyperPowerError(f"--samples {samples}: fitting a linear model needs at least 3 samples")
    started = time.perf_counter()
    experiment = experiment or paths.name
    template = parse_template(paths.template)
    device, device_label, metrics = _resolve_device_and_metrics(device, metrics)
    structural = structural_variables(template)
    if not structural:
        raise HyperPowerError(f"{paths.template}: no structural variable (none flagged \"structural\": true, none "
                              "changes the architecture), so power and memory do not depend on the search")
    rng = np.random.default_rng(seed)
    configurations = draw_configurations(template.space, structural, samples, rng)
    _say(out, f"profiling {experiment} on {device} ({device_label}): {samples} configurations of "
              f"{', '.join(structural)}; metrics {', '.join(metrics)}")
    setup_s = time.perf_counter() - started
    measured, failures, measuring_s = _measure_all(template, configurations, structural, metrics, device, store,
                                                   experiment, rng, min_window_s, repetitions, out)
    if len(measured) < 3:
        raise HyperPowerError(f"only {len(measured)} of {samples} configurations could be measured; first failure: "
                              + (failures[0] if failures else "none"))
    device_name = measured[0]["device"]
    profile_path = _write_profile_file(paths, experiment, device, device_name, structural, measured)
    fitted = fit_all(measured, metrics, structural, folds=folds, seed=int(rng.integers(2**31)), device=device_name,
                     features=features, distinct_networks=distinct_structures(template.space, structural),
                     space=template.space)
    model_paths, impossible = {}, {}
    provenance = template_provenance(template.space, structural)
    for metric, (fits, chosen) in fitted.items():
        document = model_document(fits, chosen, str(profile_path.relative_to(paths.root)), provenance)
        model_paths[metric] = write_model(paths.models_dir, document)
        impossible[metric] = impossible_share(document, chosen, measured, template.space)
        if store is not None:
            store.save_model(experiment, metric, document)
    return ProfileResult(
        experiment=experiment, device=device, device_name=device_name, structural=structural, samples=measured,
        failures=failures, fits={m: f for m, (f, _) in fitted.items()}, chosen={m: c for m, (_, c) in fitted.items()},
        model_paths=model_paths, profile_path=profile_path, seconds_per_sample=measuring_s / max(len(configurations), 1),
        setup_s=setup_s, unsampled=unsampled_options(measured, structural, template.space), impossible=impossible,
    )


def impossible_share(document: dict[str, Any], chosen: LinearFit, samples: Sequence[dict[str, Any]], space: Any) -> Any:
    """Where the written model predicts a value at or below zero (issue 25): over the space
    (every configuration of its variables, or the fixed sample) for a hyper-parameter model; on
    the profiled configurations for a network-feature model, whose every prediction needs a build."""
    from hyperpower.hardware.profile_models import feature_matrix
    from hyperpower.optimize import load_linear_model
    from hyperpower.optimize.model_range import ImpossibleShare, impossible_predictions

    if chosen.feature_set != "network":
        return impossible_predictions(load_linear_model(document), space)
    usable = [sample for sample in samples if chosen.metric in sample.get("values", {})]
    predictions = chosen.predict(feature_matrix(usable, "network", chosen.features))
    return ImpossibleShare(chosen.metric, int(np.sum(predictions <= 0)), len(predictions), False,
                           float(predictions.min()), checked_on="profiled configurations")


def _resolve_device_and_metrics(device: str | None, metrics: Sequence[str] | None) -> tuple[str, str, list[str]]:
    """The concrete device ("cpu"/"gpu:N"), its description, and the metrics to measure there."""
    from hyperpower.hardware.subprocess_measure import device_name

    with detect_sensors(device) as sensors:
        measurable = sensors.measurable()
        wanted = list(metrics) if metrics else [m for m in HARDWARE_METRICS if m in measurable]
        for metric in wanted:
            sensors.sensor_for(metric)  # HyperPowerError naming why, before any work
        return str(sensors.device), device_name(sensors), wanted


def _measure_all(template, configurations, structural, metrics, device, store, experiment, rng,
                 min_window_s, repetitions, out) -> tuple[list[dict[str, Any]], list[str], float]:
    from hyperpower.hardware.measure_server import MeasurementServer
    from hyperpower.template import render_to_file

    measured, failures = [], []
    with tempfile.TemporaryDirectory(prefix="hyperpower-profile-") as folder, MeasurementServer(device) as server:
        started = time.perf_counter()
        for index, raw in enumerate(configurations, start=1):
            network_params = template.space.network_params(raw)
            label = ", ".join(f"{name}={network_params[name]}" for name in structural)
            path = render_to_file(template, network_params, Path(folder) / f"config_{index:04d}.py")
            began = time.perf_counter()
            try:
                result = server.measure(path, metrics, min_window_s=min_window_s, repetitions=repetitions,
                                        seed=int(rng.integers(2**31)))
            except MeasurementFailed as exc:
                failures.append(f"{label}: {exc}")
                _say(out, f"[{index}/{len(configurations)}] {label}: FAILED {exc}")
                continue
            sample = _sample(network_params, raw, result, time.perf_counter() - began)
            measured.append(sample)
            if store is not None:
                store.add_profile_samples(experiment, [sample])
            values = ", ".join(f"{m} {format_measurement(m, v, sample['spread'].get(m))}"
                               for m, v in sample["values"].items())
            _say(out, f"[{index}/{len(configurations)}] {label}: {values} ({sample['measure_s']:.1f} s)")
        measuring_s = time.perf_counter() - started
    return measured, failures, measuring_s


def _sample(network_params: dict[str, Any], raw: dict[str, Any], result: dict[str, Any], seconds: float) -> dict[str, Any]:
    """The stored form of one measured configuration (store ``profiles``)."""
    return {
        "params": network_params, "raw_params": raw, "features": result["features"],
        "values": result["values"], "spread": result["spread"], "sensors": result["sensors"],
        "device": result["device_name"], "device_id": result["device"], "time": time.time(),
        "batch_size": result["batch_size"], "measured_s": result["measured_s"], "measure_s": seconds,
        "contention": result.get("contention", {}), "protocol": result.get("protocol", {}),
    }


def _write_profile_file(paths: ExperimentPaths, experiment: str, device: str, device_name: str,
                        structural: list[str], samples: list[dict[str, Any]]) -> Path:
    folder = paths.profiles_dir
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", device_name.lower()).strip("-") or device.replace(":", "")
    path = folder / f"profile-{slug}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    document = {"experiment": experiment, "device": device, "device_name": device_name,
                "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "structural": structural, "samples": samples}
    path.write_text(json.dumps(document, indent=1) + "\n")
    return path


SET_TITLES = {"hyperparameters": "hyper-parameters", "pairwise": "pairwise products", "network": "network features"}
#: the rule ``--features auto`` applies, in the words the README uses
RULE = ("feature set rule: the cheapest set (hyper-parameters, then pairwise products: one dot product per "
        "candidate; then network features: a Keras build per candidate, only on spaces of at most 1000 "
        "networks) unless a costlier one has a cross-validated RMSPE at most 0.8 times as large (a fifth lower) "
        "and a cross-validated R² of at least 0.5")


#: above this median share of the CPUs used by other processes the report warns about latency
BUSY_SHARE = 0.25


def contended_share(samples: Sequence[dict[str, Any]]) -> float | None:
    """Median share of the CPUs other processes used while the samples were measured (None
    where it was not measured: no /proc/stat, or samples from an older HyperPower)."""
    shares = [s["contention"]["others_share"] for s in samples if (s.get("contention") or {}).get("others_share") is not None]
    return float(np.median(shares)) if shares else None


def format_report(result: ProfileResult) -> str:
    """The table ``hyperpower profile`` prints: RMSPE and R² per metric and feature set, the rule
    that chose the written set, and which better set it passed over for cost."""
    sets = [name for name in SET_TITLES if any(name in fits for fits in result.fits.values())]
    lines = [f"{len(result.samples)} samples on {result.device_name} ({result.seconds_per_sample:.1f} s per "
             f"configuration); structural: {', '.join(result.structural)}",
             f"{'metric':<9}{'unit':<5}" + "".join(f"{SET_TITLES[name]:>22}" for name in sets) + "  used",
             f"{'':<14}" + f"{'cv RMSPE':>11}{'R²':>11}" * len(sets)]
    for metric, fits in result.fits.items():
        cells = []
        for feature_set in sets:
            fit = fits.get(feature_set)
            cells.append(f"{100 * fit.cv_rmspe:>10.2f}%{fit.cv_r2:>11.3f}" if fit else f"{'-':>11}{'-':>11}")
        chosen = result.chosen[metric]
        lines.append(f"{metric:<9}{chosen.unit:<5}{''.join(cells)}  {chosen.feature_set}")
    lines.append(RULE)
    passed_over = [m for m, fits in result.fits.items()
                   if choose_fit(fits).feature_set == "network" and result.chosen[m].feature_set != "network"]
    if passed_over:
        lines.append(f"network features fit {', '.join(passed_over)} better, but the optimizer would build a network "
                     "per candidate it scores (minutes per suggestion on a large space); "
                     "`--features network` uses them anyway")
    busy = contended_share(result.samples)
    if busy is not None and busy > BUSY_SHARE and any(metric in result.fits for metric in ("latency", "energy")):
        lines.append(f"other processes used {100 * busy:.0f}% of the CPUs while the samples were measured (median): "
                     "latency waits for a core and no measurement protocol removes that, so its model is noisier "
                     "than the network's own cost; profile latency on an otherwise idle machine")
    for metric, found in result.impossible.items():
        if found.impossible:
            lines.append(f"warning: {found.describe(f'the {metric} model')}, which no measurement can be: such a "
                         "prediction passes any budget and looks free to the search (a run's models learn from its "
                         "jobs' measurements and correct it there; --models-fixed keeps it); more --samples or "
                         "another --features set extrapolates less")
    quick = [sample for sample in result.samples if (sample.get("protocol") or {}).get("quick")]
    if quick:
        lines.append(f"{len(quick)} of {len(result.samples)} samples were measured with the "
                     f"{protocol_text(quick[0]['protocol'])}, whose values are noisy: unset it and profile again "
                     f"for models to rely on")
    if result.unsampled:
        lines.append(f"no sample chose {', '.join(result.unsampled)}: the models predict those choices as their "
                     "variable's baseline option; profile with more --samples to price them")
    lines += [f"wrote {path}" for path in result.model_paths.values()] + [f"samples in {result.profile_path}"]
    lines += [f"failed: {failure}" for failure in result.failures]
    return "\n".join(lines)


def profile_for_run(paths: ExperimentPaths, config: Any, store: "ExperimentStore | None", metrics: Sequence[str],
                    device: str | None = None) -> ProfileResult:
    """Profile on the fly for an aware run that lacks models of ``metrics`` (called by ``run``),
    with the experiment's ``profile_samples`` configurations."""
    result = profile_experiment(paths, config.settings.measurement.profile_samples, device=device, store=store, experiment=config.name,
                                seed=config.settings.search.seed, metrics=list(metrics))
    print(format_report(result), flush=True)
    return result


def _say(out: TextIO, line: str) -> None:
    out.write(line + "\n")
    out.flush()
