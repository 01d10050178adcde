"""measure_inference: warm-up discarded, windows long enough, random gaps only between windows,
latency and peak memory measured, refusals for metrics nothing measures."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

from fake_nvml import FakeNVML
from hyperpower.errors import HyperPowerError
from hyperpower.hardware import detect_sensors, measure_inference
from hyperpower.hardware import measure as measure_module
from hyperpower.hardware.measure import make_batches
from hyperpower.hardware.sensors import Sensor, SensorInfo, SensorSet, Window
from hyperpower.device_names import DeviceSpec
from hyperpower.hardware.sensors.sensor_set import QUICK_MEASURE_ENV


@pytest.fixture
def cpu_sensors(tmp_path: Path) -> SensorSet:
    return detect_sensors("cpu", nvml_module=FakeNVML(library_found=False), powercap_root=tmp_path / "none")


class RecordingModel:
    """A callable model that sleeps ``seconds`` per batch and records when it was called."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.calls: list[float] = []
        self.shapes: set[tuple[int, ...]] = set()

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        self.calls.append(time.perf_counter())
        self.shapes.add(batch.shape)
        time.sleep(self.seconds)
        return batch[:, :1]


class WindowLog(Sensor):
    """A test sensor recording each window's open/close time and reporting its length."""

    name = "window-log"
    metrics = ("latency",)
    max_gap_s = 0.05

    def __init__(self) -> None:
        self.opened: list[float] = []
        self.closed: list[float] = []

    def describe(self) -> SensorInfo:
        return SensorInfo(self.name, self.metrics, True, "test")

    def start_window(self) -> None:
        self.opened.append(time.perf_counter())

    def stop_window(self, window: Window) -> dict[str, float]:
        self.closed.append(time.perf_counter())
        return {"latency": window.duration_s * 1e3}


def test_make_batches_keeps_full_equal_batches() -> None:
    batches = make_batches(np.arange(70 * 3).reshape(70, 3), 32)
    assert [b.shape for b in batches] == [(32, 3), (32, 3)]
    small = make_batches(np.arange(5 * 2).reshape(5, 2), 8)
    assert [b.shape for b in small] == [(8, 2)]
    assert np.array_equal(small[0][5], small[0][0])


def test_windows_cover_min_window_and_warm_up_is_discarded(cpu_sensors: SensorSet) -> None:
    model = RecordingModel(0.002)
    measurement = measure_inference(model, np.ones((100, 4)), 10, ["latency"], cpu_sensors,
                                    min_window_s=0.2, repetitions=4, warmup_batches=5, warmup_s=0.0,
                                    rng=np.random.default_rng(1))
    assert measurement.repetitions == 4 and len(measurement.windows["latency"]) == 4
    assert measurement.measured_s >= 0.2
    assert len(model.calls) == 5 + measurement.batches
    assert model.shapes == {(10, 4)}
    assert 2.0 <= measurement.values["latency"] < 10.0
    assert measurement.spread["latency"] >= 0.0
    assert measurement.sensors == {"latency": "process"} and measurement.device == "cpu"


def test_random_gaps_between_windows_never_inside(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every pause the measurement takes falls between a window's close and the next open."""
    events: list[tuple[str, float]] = []
    log = WindowLog()
    log.start_window = lambda: events.append(("open", 0.0))  # type: ignore[method-assign]
    original_stop = log.stop_window
    log.stop_window = lambda window: (events.append(("close", 0.0)), original_stop(window))[1]  # type: ignore[method-assign]
    monkeypatch.setattr(measure_module.time, "sleep", lambda seconds: events.append(("sleep", seconds)))
    sensors = SensorSet(DeviceSpec("cpu"), [log], [log.describe()])

    def busy_model(batch: np.ndarray) -> np.ndarray:
        end = time.perf_counter() + 0.0005
        while time.perf_counter() < end:
            pass
        return batch

    measure_inference(busy_model, np.ones((20, 2)), 5, ["latency"], sensors, min_window_s=0.02, repetitions=5,
                      warmup_batches=1, warmup_s=0.0, rng=np.random.default_rng(7))
    kinds = [kind for kind, _ in events]
    assert kinds == ["open", "close"] + ["sleep", "open", "close"] * 4
    gaps = np.array([seconds for kind, seconds in events if kind == "sleep"])
    assert np.all((gaps >= 0.0) & (gaps <= WindowLog.max_gap_s))
    assert len(set(gaps.tolist())) == 4, "gaps must be random, not a fixed period"


def test_peak_memory_includes_inference_allocations(cpu_sensors: SensorSet) -> None:
    def allocating_model(batch: np.ndarray) -> np.ndarray:
        scratch = np.ones(150_000_000 // 8)  # 150 MB of activations, freed after the call
        return batch * scratch[0]

    light = measure_inference(lambda batch: batch * 1.0, np.ones((8, 2)), 4, ["memory"], cpu_sensors,
                              min_window_s=0.05, repetitions=2, warmup_s=0.0)
    heavy = measure_inference(allocating_model, np.ones((8, 2)), 4, ["memory"], cpu_sensors,
                              min_window_s=0.05, repetitions=2, warmup_s=0.0)
    assert heavy.values["memory"] - light.values["memory"] == pytest.approx(150.0, abs=30.0)


def test_metric_nothing_measures_is_refused_before_running(cpu_sensors: SensorSet) -> None:
    model = RecordingModel(0.0)
    with pytest.raises(HyperPowerError, match="power needs an NVIDIA GPU"):
        measure_inference(model, np.ones((4, 2)), 2, ["latency", "power"], cpu_sensors, min_window_s=0.01)
    assert model.calls == []


def test_non_hardware_metric_is_refused(cpu_sensors: SensorSet) -> None:
    with pytest.raises(HyperPowerError, match="cannot measure error during inference"):
        measure_inference(RecordingModel(0.0), np.ones((4, 2)), 2, ["error"], cpu_sensors)


def test_keras_model_is_measured_through_predict_on_batch(cpu_sensors: SensorSet) -> None:
    import keras

    model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(3)])
    model.compile(loss="mse")
    measurement = measure_inference(model, np.random.default_rng(0).random((64, 16), dtype=np.float32), 32,
                                    ["latency", "memory"], cpu_sensors, min_window_s=0.1, repetitions=2)
    assert 0.0 < measurement.values["latency"] < 100.0
    assert measurement.values["memory"] > 50.0  # the TensorFlow runtime alone is far above this
    assert measurement.batches >= 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/stat")
def test_a_measurement_reports_its_contention_and_takes_the_sensors_window_count(cpu_sensors, monkeypatch) -> None:
    monkeypatch.delenv(QUICK_MEASURE_ENV, raising=False)  # the protocol's own window count
    measurement = measure_inference(lambda batch: batch * 1.0, np.ones((8, 2)), 4, ["latency"], cpu_sensors,
                                    min_window_s=0.06, warmup_s=0.0, rng=np.random.default_rng(0))
    assert measurement.repetitions == 12, "the process sensor's default: more windows for latency"
    assert set(measurement.contention) == {"others_share", "steal_share", "load_1min"}
    assert 0.0 <= measurement.contention["others_share"] <= 1.0
