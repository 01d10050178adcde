"""The objective of one job: render, train, test, measure (design §3–§6).

``evaluate_job`` is what a job process runs: it renders the experiment's template with the job's
network values (and the run's epochs) to ``EXP/output/job_NNNNN_network.py``, executes it, trains
the model (with early termination in aware mode), computes the validation and test errors, saves
the trained model (``EXP/output/job_NNNNN.keras``), and measures the inference metrics the
budgets need (plus latency and memory whenever this machine can measure them, so reports have
them). It keeps no state between calls; the loop runs each call in a fresh process, so framework
state and device memory are released after every job.

Failures raise: an exception from the user's network file, a missing name in it, or (unaware
mode) a training whose loss ended NaN/inf. The loop then marks the job broken with the traceback.
In aware mode a diverging or hopeless training is instead stopped early and the job completes
with the error it reached, flagged ``early_terminated``.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any, TextIO

from hyperpower.config import ExperimentConfig
from hyperpower.errors import HyperPowerError
from hyperpower.experiment import ExperimentPaths
from hyperpower.jobs import Job
from hyperpower.metrics import HARDWARE_METRICS
from hyperpower.saved_models import save_trained_model
from hyperpower.units import format_measurement

#: metrics measured on the hardware during inference (design §5); "error" comes from training
#: measured for every job when a sensor here can, so reports and profiles have them
ALWAYS_MEASURED = ("latency", "memory")
DEFAULT_EPOCHS = 10


class TrainingDivergedError(RuntimeError):
    """Unaware mode trains to the end; a loss that ended NaN/inf leaves no error worth keeping,
    so the job is marked broken with this reason."""


@dataclasses.dataclass
class ObjectiveResult:
    """values: the objective plus every inference metric measured, in design §5 units,
    e.g. {"error": 0.08, "latency": 1.9, "memory": 412.0}.
    early_terminated: the training was stopped by the early-termination rule (aware mode)."""

    values: dict[str, float]
    early_terminated: bool = False
    trained_epochs: int | None = None  # multi-fidelity jobs: the epochs this job trained itself
    #: seconds of training (``fit``) alone: a job's ``runtime`` and ``cost``, without the imports,
    #: the network file's data loading and model build, the errors' evaluation or the measurement
    training_s: float | None = None


def evaluate_job(paths: ExperimentPaths, config: ExperimentConfig, job: Job, log: TextIO,
                 measure: bool = True) -> ObjectiveResult:
    """Train and measure the network of ``job``; progress lines go to ``log`` (the job's log file).

    The objective ``error`` comes from the selection split (validation by default, the test split
    with ``objective_split: test``, see ``hyperpower.splits``), which also drives early
    termination; ``test_error`` always comes from the test split. With ``keep_models`` other than
    ``none`` the trained model is saved to ``EXP/output/job_NNNNN.keras``.

    ``measure=False`` leaves the inference metrics to the caller (the loop's worker measures the
    rendered file through its fork server: the same path as profiling, a second per network)."""
    from hyperpower.network import build_network
    from hyperpower.splits import job_splits
    from hyperpower.template import parse_template
    from hyperpower.training import EarlyTerminationRule, accuracy_of, train

    settings = config.settings
    _seed_keras(settings.search.seed, job.id)
    network_params = job.params or config.space.network_params(job.raw_params)
    definition = build_network(parse_template(paths.template), network_params, paths.job_network(job.id),
                               **network_settings(config, job.epochs))
    epochs = definition.epochs or DEFAULT_EPOCHS
    start = resume_parent(paths, config, job, definition, log)
    splits = job_splits(definition, settings.objectives.split)
    rule = EarlyTerminationRule.from_settings(settings.training.early_termination, definition.num_classes) if settings.search.aware else None
    _log(log, f"network {definition.path}: {definition.model.count_params()} parameters, "
              f"{definition.num_classes} classes; training {epochs} epochs on {len(splits.train[1])} samples, "
              f"batch size {definition.batch_size}; objective and early termination on the "
              f"{splits.selection_name} split ({len(splits.selection[1])} samples); "
              + (f"early termination after {rule.epochs} epochs at {splits.selection_name} accuracy <= "
                 f"{rule.min_accuracy:.4f}" if rule else "no early termination (unaware)"))
    started = time.monotonic()
    outcome = train(definition.model, *splits.train, splits.selection, epochs, definition.batch_size, log, rule,
                    initial_epoch=start)
    training_s = time.monotonic() - started
    if rule is None and outcome.diverged:
        raise TrainingDivergedError(
            f"training loss ended {outcome.final_loss} after {outcome.epochs_run} epochs; unaware mode has no "
            f"early termination, so this job is broken (aware mode would stop it and keep the error reached)"
        )
    error = 1.0 - accuracy_of(definition.model, *splits.selection, batch_size=definition.batch_size)
    test_error = error if splits.selection_is_test else \
        1.0 - accuracy_of(definition.model, *splits.test, batch_size=definition.batch_size)
    _log(log, f"{splits.selection_name} error {error:.4f}, test error {test_error:.4f} after "
              f"{outcome.epochs_run} epochs (training {training_s:.3f} s, with the errors "
              f"{time.monotonic() - started:.1f} s)")
    if settings.training.keep_models != "none":
        save_trained_model(definition.model, paths.job_model(job.id), log)
    if needs_checkpoint(config, job) and not outcome.early_terminated:
        from hyperpower.schedule.checkpoints import save_checkpoint

        save_checkpoint(definition.model, paths, job.id, log)
    values = {"error": error, "test_error": test_error}
    if measure:
        values.update(measure_hardware(definition.path, config, log, seed=measurement_seed(settings.search.seed, job.id)))
    alias_objective_task(config, values)
    trained = outcome.epochs_run if job.epochs is not None else None
    return ObjectiveResult(values=values, early_terminated=outcome.early_terminated, trained_epochs=trained,
                           training_s=training_s)


def resume_parent(paths: ExperimentPaths, config: ExperimentConfig, job: Job, definition: Any, log: TextIO) -> int:
    """A promotion (``job.parent``) continues its parent's checkpoint: the definition's model is
    replaced by the loaded one and the epoch training starts at is returned (the parent's total,
    so the early-termination rule and the progress log count epochs of the whole training). A
    lost checkpoint trains from scratch: 0."""
    if job.parent is None:
        return 0
    from hyperpower.schedule.checkpoints import load_checkpoint

    model = load_checkpoint(paths, job.parent, log)
    if model is None:
        return 0
    from hyperpower.settings.schedule import ladder

    definition.model = model
    return ladder(config.settings)[job.rung - 1]


def needs_checkpoint(config: ExperimentConfig, job: Job) -> bool:
    """Jobs below the top rung may be promoted, so they leave their network behind."""
    if config.settings.schedule.scheduler is None or job.epochs is None:
        return False
    from hyperpower.settings.schedule import top_epochs

    return job.epochs < top_epochs(config.settings)


def network_settings(config: ExperimentConfig, epochs: int | None = None) -> dict[str, dict[str, Any]]:
    """What the tool sets in a job's rendered network file, as ``build_network``'s keywords:
    the job's own ``epochs`` (a scheduler's rung) or the run's replaces the file's own, and a
    file that sets none gets the default it trains with, so the rendered file states the values
    the job actually used."""
    epochs = epochs or config.settings.training.epochs
    return {"overrides": {"epochs": int(epochs)}} if epochs else {"defaults": {"epochs": DEFAULT_EPOCHS}}


def metrics_to_measure(config: ExperimentConfig, measurable: set[str]) -> list[str]:
    """Inference metrics for this job: those the objectives and budgets name, plus latency and
    memory, restricted to what a sensor here can measure.

    A budget metric no sensor measures is left to its model file (the optimizer checks budgets
    with the models; refusing a budget nothing covers happens before the run starts). An objective
    no sensor measures cannot be left out, so it raises HyperPowerError.
    """
    settings = config.settings
    objectives = settings.objectives.names
    for objective in objectives:
        if objective in HARDWARE_METRICS and objective not in measurable:
            raise HyperPowerError(
                f"the objective {objective!r} (--optimize) cannot be measured on this machine; "
                f"measurable here: {', '.join(sorted(measurable)) or 'nothing'}"
            )
    wanted = set(settings.budgets.limits) | set(objectives) | set(ALWAYS_MEASURED)
    return [metric for metric in HARDWARE_METRICS if metric in wanted and metric in measurable]


def measure_hardware(network_path: Path, config: ExperimentConfig, log: TextIO, *,
                     measurer: Any = None, seed: int | None = None, device: str | None = None) -> dict[str, float]:
    """Measure inference of the rendered network on its test inputs (design §7), in a process of
    its own, exactly as ``hyperpower profile`` measures: power and memory do not depend on the
    trained weights, and measuring inside the training process would count the training's own
    memory, so measured values would not match the models' predictions.

    ``measurer``: a ``hardware.MeasurementServer`` (fork server, ~1 s per network on the CPU);
    None measures in a fresh process."""
    from hyperpower.hardware import detect_sensors
    from hyperpower.hardware.protocol import protocol_text, protocol_values
    from hyperpower.hardware.subprocess_measure import measure_network_file

    device = device or config.settings.devices.device  # the job's own device when the device is a variable
    sensors = detect_sensors(device)
    try:
        metrics = metrics_to_measure(config, set(sensors.measurable()))
    finally:
        sensors.close()
    skipped = [m for m in HARDWARE_METRICS if m in config.settings.budgets.limits and m not in metrics]
    if skipped:
        _log(log, f"not measured here (left to the model files): {', '.join(skipped)}")
    if not metrics:
        return {}
    if measurer is None:
        result = measure_network_file(network_path, metrics, device, seed=seed)
    else:
        result = measurer.measure(network_path, metrics, seed=seed)
    values = {metric: float(result["values"][metric]) for metric in metrics if metric in result["values"]}
    spread = result.get("spread", {})
    others = result.get("contention", {}).get("others_share")
    used = result.get("protocol") or {}
    _log(log, "measured " + ", ".join(f"{metric}={format_measurement(metric, value, spread.get(metric))}"
                                      for metric, value in values.items())
         + (f" (other processes used {100 * others:.0f}% of the CPUs meanwhile)" if others is not None else "")
         + (f"; protocol: {protocol_text(used)}" if used else ""))
    if "latency" in values and "latency" in spread:
        values[LATENCY_SPREAD] = float(spread["latency"])
    values.update(protocol_values(used))  # the trace of how it was measured (issue 22 point 13)
    return values


#: the job value holding the latency's spread (ms, standard deviation over measurement windows)
LATENCY_SPREAD = "latency_spread"


def measurement_seed(seed: int | None, job_id: int) -> int | None:
    """Seeded runs draw reproducible gaps between measurement windows, different per job."""
    return None if seed is None else int(seed) * 100_003 + int(job_id)


def alias_objective_task(config: ExperimentConfig, values: dict[str, float]) -> None:
    """The loop reads the objective under its task's name; a config whose objective task is not
    named after the metric (e.g. Spearmint's "main") still gets it."""
    task_name = config.objective_task.name
    if task_name not in values and config.settings.objectives.primary in values:
        values[task_name] = values[config.settings.objectives.primary]


def _seed_keras(seed: int | None, job_id: int) -> None:
    """A run with a seed trains each job reproducibly (seed + job id, so jobs differ)."""
    if seed is None:
        return
    import keras

    keras.utils.set_random_seed(int(seed) + int(job_id))


def _log(log: TextIO, line: str) -> None:
    log.write(line + "\n")
    log.flush()
