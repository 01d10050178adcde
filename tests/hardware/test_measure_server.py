"""Measuring network files in processes of their own: errors come back as MeasurementFailed,
and the CPU fork server survives a broken or hanging configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardware_fixtures import TINY_TEMPLATE
from hyperpower.hardware.measure_server import MeasurementServer, fork_server_supported
from hyperpower.hardware.subprocess_measure import MeasurementFailed, device_environment, measure_network_file


def _tiny_network(folder: Path, units: int) -> Path:
    text = TINY_TEMPLATE.replace(
        'HYPERPARAM{"type": "INT", "token": "units", "min": 1, "max": 16, "transform": "X64"STRUCTURAL}', str(units))
    text = text.replace(
        'HYPERPARAM{"type": "FLOAT", "token": "learning_rate", "min": 0.001, "max": 0.1, "scale": "log"NOT_STRUCTURAL}', "0.01")
    path = folder / f"net_{units}.py"
    path.write_text(text)
    return path


@pytest.mark.e2e
def test_broken_network_file_reports_its_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("x = 1\nraise ValueError('boom in the user file')\n")
    with pytest.raises(MeasurementFailed, match="ValueError: boom in the user file"):
        measure_network_file(broken, ["latency"], "cpu", min_window_s=0.01)
    assert (tmp_path / "broken.measure.log").is_file()


def test_device_environment_pins_the_device() -> None:
    assert device_environment("cpu", {})["CUDA_VISIBLE_DEVICES"] == ""
    gpu = device_environment("gpu:1", {})
    assert gpu["CUDA_VISIBLE_DEVICES"] == "1" and gpu["CUDA_DEVICE_ORDER"] == "PCI_BUS_ID"
    assert gpu["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
    assert not fork_server_supported("gpu:0") and not fork_server_supported(None)


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.skipif(not fork_server_supported("cpu"), reason="the fork server runs on Linux only")
def test_fork_server_survives_broken_and_hanging_configurations(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('cannot build this one')\n")
    hanging = tmp_path / "hanging.py"
    hanging.write_text("import time\ntime.sleep(60)\n")
    with MeasurementServer("cpu") as server:
        with pytest.raises(MeasurementFailed, match="RuntimeError: cannot build this one"):
            server.measure(broken, ["latency"], min_window_s=0.01)
        with pytest.raises(MeasurementFailed, match="took longer than 2 s"):
            server.measure(hanging, ["latency"], min_window_s=0.01, timeout_s=2)
        small = server.measure(_tiny_network(tmp_path, 16), ["latency", "memory"], min_window_s=0.1, seed=0)
        large = server.measure(_tiny_network(tmp_path, 2048), ["latency", "memory"], min_window_s=0.1, seed=0)
        fresh = measure_network_file(_tiny_network(tmp_path, 16), ["memory"], "cpu", min_window_s=0.1, seed=0)
    assert small["device"] == "cpu" and small["batch_size"] == 16
    # a forked child and a fresh process measure the same network alike (anonymous memory only;
    # their total resident sets differ by ~300 MB of library pages)
    assert fresh["values"]["memory"] == pytest.approx(small["values"]["memory"], abs=15.0)
    assert small["features"]["parameters"] == 12 * 16 + 16 + 16 * 16 + 16 + 16 * 3 + 3
    # 2048 units: ~4.2M more weights (~17 MB). The process holds them plus the initializers'
    # temporaries that the allocator keeps (measured: ~3.1x the weights, linear in them)
    weights_mb = 4 * (large["features"]["parameters"] - small["features"]["parameters"]) / 1e6
    growth = large["values"]["memory"] - small["values"]["memory"]
    assert weights_mb < growth < 5 * weights_mb
