"""Inference measurement of a built model: warm-up, timed windows, metrics in design §5 units.

This is the one code path for hardware numbers: profiling (``hyperpower profile``) and the
objective wrapper both call ``measure_inference``, so a model fitted on profiles predicts what
an optimization run measures.

Protocol (design §7):

1. Warm-up: the first calls trace and compile the model and bring GPU clocks up; they are run
   (at least ``warmup_batches`` and ``warmup_s``) and thrown away.
2. ``repetitions`` windows of back-to-back batches, together at least ``min_window_s`` of
   steady-state inference (both default to what the sensors ask for: 4 windows over 5 s with
   NVML, 12 over 1.5 s for the process sensor's latency). Nothing sleeps inside a window; every
   call's result is forced to the host (``predict_on_batch`` returns numpy) so the window covers
   the device work.
3. Random gaps *between* windows: NVML on A100/H100 reports a 25 ms average every 100 ms, and a
   window locked to that cycle would see the same slice every time; on a shared CPU, another
   process's burst of work falls in fewer windows. Random gaps decorrelate.
4. Each sensor reports per window; the value is the sensor's own rule where it has one
   (``Sensor.combine``: latency is a low quantile of every batch time, pooled), else the mean over
   windows (``memory``: the maximum, it is a peak); the spread is the sensor's own where it has
   one (latency: a bootstrap standard error over resampled windows), else the standard deviation
   of the per-window readings.
5. ``contention``: how much of the CPUs other processes used meanwhile (``contention``), the
   part of a CPU latency no protocol removes, reported beside the values.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any, Callable, Sequence

import numpy as np

from hyperpower.errors import HyperPowerError
from hyperpower.hardware.contention import contention_since, read_counters
from hyperpower.hardware.protocol import measurement_protocol
from hyperpower.hardware.sensors import SensorSet, Window, detect_sensors
from hyperpower.hardware.sensors.sensor_set import quick_measure
from hyperpower.metrics import HARDWARE_METRICS

#: how each metric's per-window values combine into one value
_PEAK_METRICS = frozenset({"memory"})


@dataclasses.dataclass
class Measurement:
    """Result of ``measure_inference``.

    values / spread: metric -> value in design §5 units / standard deviation over windows (for
    latency the bootstrap standard error of the pooled quantile, ``ProcessSensor.combined_spread``).
    sensors: metric -> name of the sensor that measured it.
    windows: per-window values, metric -> list of ``repetitions`` values (kept for the record).
    contention: others_share, steal_share, load_1min over the windows (``contention``; {} where
    ``/proc/stat`` is unreadable).
    """

    values: dict[str, float]
    spread: dict[str, float]
    sensors: dict[str, str]
    device: str
    repetitions: int
    measured_s: float
    batches: int
    batch_size: int
    windows: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    contention: dict[str, float] = dataclasses.field(default_factory=dict)
    #: the protocol used (``hardware.protocol.measurement_protocol``): windows, their total
    #: seconds, the largest gap, and whether ``HYPERPOWER_QUICK_MEASURE`` shortened it
    protocol: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def make_batches(x: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Full batches of ``x`` ((n, ...) -> list of (batch_size, ...)), all the same shape.

    Equal shapes keep the compiled function from retracing inside a window. When ``x`` holds
    fewer than ``batch_size`` rows, they are repeated to fill one batch.
    """
    x = np.asarray(x)
    if batch_size < 1:
        raise HyperPowerError(f"batch_size must be a positive integer, got {batch_size!r}")
    if len(x) == 0:
        raise HyperPowerError("cannot measure inference on an empty x_test")
    if len(x) < batch_size:
        return [x[np.arange(batch_size) % len(x)]]
    return [x[start:start + batch_size] for start in range(0, len(x) - batch_size + 1, batch_size)]


def inference_function(model: Any) -> Callable[[np.ndarray], Any]:
    """A synchronized batch -> host-result call: ``predict_on_batch`` for Keras, else ``model(x)``."""
    if hasattr(model, "predict_on_batch"):
        return lambda batch: _to_host(model.predict_on_batch(batch))
    if callable(model):
        return lambda batch: _to_host(model(batch))
    raise TypeError(f"cannot run inference with {type(model).__name__}: need a Keras model or a callable")


def _to_host(result: Any) -> Any:
    """Force (possibly nested) device tensors to numpy so the device work is finished."""
    if isinstance(result, dict):
        return {key: _to_host(value) for key, value in result.items()}
    if isinstance(result, (list, tuple)):
        return [_to_host(value) for value in result]
    return np.asarray(result)


def measure_inference(
    model: Any,
    x: np.ndarray,
    batch_size: int,
    metrics: Sequence[str],
    sensor_set: SensorSet | None = None,
    min_window_s: float | None = None,
    repetitions: int | None = None,
    *,
    warmup_batches: int = 3,
    warmup_s: float | None = None,
    rng: np.random.Generator | None = None,
) -> Measurement:
    """Measure ``metrics`` of inference with ``model`` on batches of ``x``.

    x: (n, ...) test inputs. min_window_s: total steady-state time over all windows; ``None``
    takes the sensors' default (5 s with NVML, 1.5 s for the process sensor, 1 s for RAPL).
    repetitions: windows; ``None`` takes the sensors' default (12 for the process sensor, else 4).
    warmup_s: ``None`` is a fifth of ``min_window_s``, at most 1 s. rng: draws the gaps.
    """
    metrics = _check_metrics(metrics)
    owned = sensor_set is None
    sensor_set = sensor_set if sensor_set is not None else detect_sensors(None)
    try:
        sensors = sensor_set.sensors_for(metrics)
        quick = quick_measure()  # the switch shortens every default: the windows, their time, the gaps
        min_window_s = sensor_set.default_min_window_s(metrics) if min_window_s is None else float(min_window_s)
        repetitions = sensor_set.default_repetitions(metrics) if repetitions is None else int(repetitions)
        max_gap_s = sensor_set.max_gap_s(metrics)
        warmup_s = min(1.0, 0.2 * min_window_s) if warmup_s is None else warmup_s
        rng = rng if rng is not None else np.random.default_rng()
        run_batch = inference_function(model)
        batches = make_batches(x, batch_size)
        _warm_up(run_batch, batches, warmup_batches, warmup_s)
        before = read_counters()
        windows = _measure_windows(run_batch, batches, sensors, repetitions, min_window_s, max_gap_s, rng)
        contention = contention_since(before, read_counters())
    finally:
        if owned:
            sensor_set.close()
    return dataclasses.replace(_summarize(windows, metrics, sensor_set, batch_size), contention=contention,
                               protocol=measurement_protocol(repetitions, min_window_s, max_gap_s, quick))


def _check_metrics(metrics: Sequence[str]) -> list[str]:
    metrics = list(dict.fromkeys(metrics))
    unknown = [m for m in metrics if m not in HARDWARE_METRICS]
    if unknown:
        raise HyperPowerError(f"cannot measure {', '.join(unknown)} during inference; "
                              f"hardware metrics are {', '.join(HARDWARE_METRICS)}")
    if not metrics:
        raise HyperPowerError("no metric to measure: name at least one of " + ", ".join(HARDWARE_METRICS))
    return metrics


def _warm_up(run_batch: Callable, batches: list[np.ndarray], count: int, duration_s: float) -> None:
    start, done = time.perf_counter(), 0
    while done < count or time.perf_counter() - start < duration_s:
        run_batch(batches[done % len(batches)])
        done += 1


@dataclasses.dataclass
class _WindowResult:
    window: Window
    readings: dict[str, dict[str, float]]  # sensor name -> metric -> value


def _measure_windows(run_batch, batches, sensors, repetitions, min_window_s, max_gap_s, rng) -> list[_WindowResult]:
    if repetitions < 1:
        raise HyperPowerError(f"repetitions must be at least 1, got {repetitions}")
    target_s = min_window_s / repetitions
    results = []
    for repetition in range(repetitions):
        if repetition:
            time.sleep(float(rng.uniform(0.0, max_gap_s)))
        for sensor in sensors:
            sensor.start_window()
        batch_times, start = [], time.perf_counter()
        while not batch_times or time.perf_counter() - start < target_s:
            before = time.perf_counter()
            run_batch(batches[len(batch_times) % len(batches)])
            batch_times.append(time.perf_counter() - before)
        window = Window(time.perf_counter() - start, len(batch_times) * len(batches[0]), tuple(batch_times))
        readings = {sensor.name: sensor.stop_window(window) for sensor in reversed(sensors)}
        results.append(_WindowResult(window, readings))
    return results


def _summarize(windows: list[_WindowResult], metrics: list[str], sensor_set: SensorSet, batch_size: int) -> Measurement:
    values, spread, per_window, owners = {}, {}, {}, {}
    for metric in metrics:
        sensor = sensor_set.sensor_for(metric)
        owner = sensor.name
        series = np.array([w.readings[owner][metric] for w in windows], dtype=float)
        combined = sensor.combine(metric, [w.window for w in windows], series.tolist())
        values[metric] = float(combined if combined is not None else
                               series.max() if metric in _PEAK_METRICS else series.mean())
        own_spread = sensor.combined_spread(metric, [w.window for w in windows], series.tolist())
        spread[metric] = float(own_spread if own_spread is not None else series.std(ddof=1) if len(series) > 1 else 0.0)
        per_window[metric], owners[metric] = series.tolist(), owner
    return Measurement(
        values=values, spread=spread, sensors=owners, device=str(sensor_set.device),
        repetitions=len(windows), measured_s=math.fsum(w.window.duration_s for w in windows),
        batches=sum(w.window.batches for w in windows), batch_size=batch_size, windows=per_window,
    )
