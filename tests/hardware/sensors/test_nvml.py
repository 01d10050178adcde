"""NvmlSensor against FakeNVML (energy counter, polled power, memory, missing library/devices),
plus real-NVML tests that run only where an NVIDIA GPU is present."""

from __future__ import annotations

import time

import numpy as np
import pytest

from fake_nvml import FakeDevice, FakeNVML
from hyperpower.errors import HyperPowerError
from hyperpower.hardware import detect_sensors, measure_inference
from hyperpower.hardware.sensors import NvmlSensor, Window


def _timed_window(sensor: NvmlSensor, seconds: float = 0.1, images: int = 100) -> dict[str, float]:
    """One window of ``seconds``; the values plus ``"duration"``, the window's measured length."""
    sensor.start_window()
    start = time.perf_counter()
    time.sleep(seconds)
    duration = time.perf_counter() - start
    return {**sensor.stop_window(Window(duration, images, (seconds,))), "duration": duration}


def test_energy_counter_gives_power_and_energy_per_image(fake_nvml: FakeNVML) -> None:
    sensor = NvmlSensor(0, nvml_module=fake_nvml)
    assert sensor.energy_method == "counter"
    values = _timed_window(sensor, 0.2, images=400)
    assert values["power"] == pytest.approx(250.0, rel=0.03)
    # 250 W for ~0.2 s = ~50 J over 400 images = ~125 mJ per image
    assert values["energy"] == pytest.approx(250.0 * values["duration"] / 400 * 1e3, rel=0.03)
    assert fake_nvml.power_calls == 0, "power must not be polled when the energy counter exists"


def test_device_without_energy_counter_polls_power() -> None:
    nvml = FakeNVML([FakeDevice(power_w=90.0, has_energy_counter=False)])
    sensor = NvmlSensor(0, nvml_module=nvml, poll_interval_s=0.005)
    assert sensor.energy_method == "polled"
    assert "polled" in sensor.describe().detail
    values = _timed_window(sensor, 0.1, images=50)
    assert values["power"] == pytest.approx(90.0)
    assert nvml.power_calls >= 5
    assert values["energy"] == pytest.approx(90.0 * values["duration"] * 1e3 / 50)


def test_device_without_any_power_reading_measures_memory_only() -> None:
    sensor = NvmlSensor(0, nvml_module=FakeNVML([FakeDevice(has_energy_counter=False, has_power_reading=False)]))
    assert sensor.describe().available
    assert sensor.metrics == ("memory",)
    assert "power not supported" in sensor.describe().detail


def test_process_memory_from_the_process_list(fake_nvml: FakeNVML) -> None:
    values = _timed_window(NvmlSensor(0, nvml_module=fake_nvml), 0.01)
    assert values["memory"] == pytest.approx(1500.0)


@pytest.mark.parametrize("listed", [False, True])
def test_memory_falls_back_to_device_growth_when_pid_not_listed(listed: bool) -> None:
    device = FakeDevice(process_memory_bytes=None, process_list_supported=listed)
    nvml = FakeNVML([device])
    sensor = NvmlSensor(0, nvml_module=nvml)
    device.used_bytes += 700_000_000  # the model is built after the sensor was created
    assert _timed_window(sensor, 0.01)["memory"] == pytest.approx(700.0)


def test_describe_names_device_and_driver_and_decodes_bytes() -> None:
    nvml = FakeNVML([FakeDevice(name="Tesla P100"), FakeDevice(name="NVIDIA A100")], driver_version="535.1")
    info = NvmlSensor(1, nvml_module=nvml).describe()
    assert info.available and info.name == "nvml"
    assert "gpu:1 NVIDIA A100" in info.detail and "535.1" in info.detail
    assert "b'" not in info.detail


def test_missing_library_makes_the_sensor_unavailable_with_the_reason() -> None:
    info = NvmlSensor(0, nvml_module=FakeNVML(library_found=False)).describe()
    assert not info.available
    assert info.detail == "no NVIDIA GPU (NVML: libnvidia-ml.so not found)"


def test_device_index_out_of_range_is_refused_by_detect() -> None:
    nvml = FakeNVML([FakeDevice(), FakeDevice()])
    with pytest.raises(HyperPowerError, match=r"--device gpu:3.*gpu:0\.\.gpu:1"):
        detect_sensors("gpu:3", nvml_module=nvml)


def test_gpu_asked_without_nvml_is_a_user_error(tmp_path) -> None:
    with pytest.raises(HyperPowerError, match="gpu:0.*libnvidia-ml.so not found"):
        detect_sensors("gpu", nvml_module=FakeNVML(library_found=False), powercap_root=tmp_path)


def test_close_shuts_nvml_down(fake_nvml: FakeNVML) -> None:
    sensor = NvmlSensor(0, nvml_module=fake_nvml)
    assert fake_nvml.initialized == 1
    sensor.close()
    assert fake_nvml.initialized == 0


def test_measure_inference_on_fake_gpu_reports_counter_power(fake_nvml: FakeNVML, tmp_path) -> None:
    sensors = detect_sensors("gpu:0", nvml_module=fake_nvml, powercap_root=tmp_path)

    def model(batch: np.ndarray) -> np.ndarray:
        time.sleep(0.004)
        return batch.sum(axis=1)

    measurement = measure_inference(model, np.ones((64, 3)), 16, ["power", "energy", "memory", "latency"],
                                    sensors, min_window_s=0.2, repetitions=2, rng=np.random.default_rng(0))
    assert measurement.sensors == {"power": "nvml", "energy": "nvml", "memory": "nvml", "latency": "process"}
    assert measurement.values["power"] == pytest.approx(250.0, rel=0.05)
    assert measurement.values["memory"] == pytest.approx(1500.0)
    assert measurement.values["latency"] >= 4.0


def _real_gpu_count() -> int:
    try:
        import pynvml

        pynvml.nvmlInit()
        try:
            return pynvml.nvmlDeviceGetCount()
        finally:
            pynvml.nvmlShutdown()
    except Exception:  # noqa: BLE001 - no library, no driver: no GPU
        return 0


requires_gpu = pytest.mark.skipif(_real_gpu_count() == 0, reason="no NVIDIA GPU visible to NVML on this machine")


@pytest.mark.gpu
@requires_gpu
def test_real_nvml_sensor_reads_a_plausible_power() -> None:
    sensor = NvmlSensor(0)
    try:
        info = sensor.describe()
        assert info.available, info.detail
        values = _timed_window(sensor, 1.0)
        if "power" in sensor.metrics:
            assert 1.0 < values["power"] < 1500.0
        assert values["memory"] >= 0.0
    finally:
        sensor.close()


@pytest.mark.gpu
@requires_gpu
def test_real_nvml_auto_detection_picks_the_gpu() -> None:
    with detect_sensors(None) as sensors:
        assert str(sensors.device) == "gpu:0"
        assert "memory" in sensors.measurable()
