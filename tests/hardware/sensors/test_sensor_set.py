"""detect_sensors / SensorSet / check_measurable: which sensor measures what, and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from fake_nvml import FakeDevice, FakeNVML
from hyperpower.errors import HyperPowerError
from hyperpower.hardware import check_measurable, detect_sensors, parse_device
from hyperpower.hardware.sensors import DeviceSpec
from hyperpower.hardware.sensors.sensor_set import QUICK_MEASURE, QUICK_MEASURE_ENV


@pytest.fixture
def cpu_only(tmp_path: Path):
    """This CI machine's situation: no NVML library, no powercap folder."""
    return detect_sensors(None, nvml_module=FakeNVML(library_found=False), powercap_root=tmp_path / "absent")


def test_cpu_only_machine_measures_latency_and_memory_with_the_process_sensor(cpu_only) -> None:
    assert cpu_only.device == DeviceSpec("cpu")
    assert cpu_only.measurable() == {"latency", "memory"}
    assert cpu_only.sensor_for("memory").name == "process"
    assert [info.name for info in cpu_only.probed] == ["nvml", "rapl", "process"]


def test_missing_power_names_every_reason(cpu_only) -> None:
    with pytest.raises(HyperPowerError) as caught:
        cpu_only.sensor_for("power")
    message = str(caught.value)
    assert "power needs an NVIDIA GPU (NVML) or readable RAPL counters" in message
    assert "libnvidia-ml.so not found" in message and "does not exist" in message


def test_auto_picks_the_gpu_when_nvml_sees_one(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(QUICK_MEASURE_ENV, raising=False)  # the protocol's own defaults
    sensors = detect_sensors(None, nvml_module=FakeNVML(), powercap_root=tmp_path)
    assert str(sensors.device) == "gpu:0"
    assert {m: sensors.sensor_for(m).name for m in ("power", "energy", "memory", "latency")} == {
        "power": "nvml", "energy": "nvml", "memory": "nvml", "latency": "process"}
    assert sensors.default_min_window_s(["power"]) == 5.0
    assert sensors.default_min_window_s(["latency"]) == 1.5  # issue 15: was 0.5 s in 4 windows
    assert sensors.default_repetitions(["power"]) == 4 and sensors.default_repetitions(["latency"]) == 12


def test_cpu_device_on_a_gpu_machine_uses_rapl_and_process(fake_powercap: Path, monkeypatch) -> None:
    monkeypatch.delenv(QUICK_MEASURE_ENV, raising=False)
    sensors = detect_sensors("cpu", nvml_module=FakeNVML(), powercap_root=fake_powercap)
    assert sensors.sensor_for("power").name == "rapl"
    assert sensors.sensor_for("memory").name == "process"
    assert sensors.default_min_window_s(["power", "latency"]) == 1.5
    assert sensors.default_repetitions(["power"]) == 4 and sensors.default_repetitions(["power", "latency"]) == 12


def test_cpu_device_explains_that_the_gpu_is_not_used(tmp_path: Path) -> None:
    sensors = detect_sensors("cpu", nvml_module=FakeNVML(), powercap_root=tmp_path)
    assert "nvml is not used for --device cpu" in sensors.missing_reason("power")


def test_second_gpu_is_selected_by_index(tmp_path: Path) -> None:
    nvml = FakeNVML([FakeDevice(name="first"), FakeDevice(name="second")])
    sensors = detect_sensors("gpu:1", nvml_module=nvml, powercap_root=tmp_path)
    assert "gpu:1 second" in sensors.probed[0].detail


@pytest.mark.parametrize("text", ["tpu", "cpu:1", "gpu:x", "gpu:-1"])
def test_bad_device_names_the_flag(text: str) -> None:
    with pytest.raises(HyperPowerError, match=f"--device '{text}'"):
        parse_device(text)


@pytest.mark.parametrize("text, expected", [(None, None), ("auto", None), ("cpu", DeviceSpec("cpu")),
                                            ("gpu", DeviceSpec("gpu", 0)), ("GPU:2", DeviceSpec("gpu", 2))])
def test_parse_device(text, expected) -> None:
    assert parse_device(text) == expected


def test_check_measurable_refuses_power_without_sensor_or_model(cpu_only) -> None:
    with pytest.raises(HyperPowerError) as caught:
        check_measurable(["power", "memory"], {}, cpu_only)
    message = str(caught.value)
    assert message.startswith("cannot enforce the power budget")
    assert "power needs an NVIDIA GPU (NVML), readable RAPL counters, or a model file (--model power=FILE)" in message
    assert "memory" not in message.split(":")[0]


def test_check_measurable_accepts_a_model_file_or_a_sensor(cpu_only) -> None:
    check_measurable(["power", "memory", "latency"], {"power": "models/power.json"}, cpu_only)
    check_measurable(["error", "my_spearmint_constraint"], {}, cpu_only)


def test_check_measurable_lists_every_missing_metric(cpu_only) -> None:
    with pytest.raises(HyperPowerError, match="cannot enforce the power, energy budget"):
        check_measurable(["power", "energy"], None, cpu_only)


def test_quick_measure_shrinks_every_measurement(tmp_path: Path, monkeypatch) -> None:
    sensors = detect_sensors(None, nvml_module=FakeNVML(), powercap_root=tmp_path)
    monkeypatch.setenv(QUICK_MEASURE_ENV, "1")
    assert (sensors.default_min_window_s(["power", "latency"]), sensors.default_repetitions(["latency"]),
            sensors.max_gap_s(["latency"])) == QUICK_MEASURE
    monkeypatch.setenv(QUICK_MEASURE_ENV, "0")
    assert sensors.default_repetitions(["latency"]) == 12
