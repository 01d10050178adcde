"""ProcessSensor: latency from window timing, peak resident memory that sees native allocations."""

from __future__ import annotations

import sys
import time

import numpy as np
import pytest

from hyperpower.hardware.sensors import ProcessSensor, Window

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def test_latency_is_median_batch_time_in_ms() -> None:
    sensor = ProcessSensor()
    sensor.start_window()
    values = sensor.stop_window(Window(0.2, 3 * 32, (0.010, 0.020, 0.170)))  # one preempted batch
    assert values["latency"] == pytest.approx(20.0)


@linux_only
def test_peak_memory_sees_a_short_lived_native_allocation() -> None:
    """A 200 MB numpy buffer (C allocator, invisible to tracemalloc) freed before the window
    closes must still show as the window's peak."""
    sensor = ProcessSensor()
    assert sensor.memory_method == "peak-reset", sensor.describe().detail
    sensor.start_window()
    quiet = sensor.stop_window(Window(0.01, 1, (0.01,)))["memory"]
    sensor.start_window()
    buffer = np.ones(200_000_000 // 8)  # touched pages: resident
    del buffer
    time.sleep(0.01)
    peak = sensor.stop_window(Window(0.01, 1, (0.01,)))["memory"]
    assert peak - quiet == pytest.approx(200.0, abs=25.0)
    assert sensor.current_anonymous_mb() < peak - 150.0


@linux_only
def test_sampling_fallback_when_peak_cannot_be_reset(tmp_path) -> None:
    """Without a writable clear_refs the sensor samples statm: a buffer held 50 ms is seen."""
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "statm").symlink_to("/proc/self/statm")
    (proc / "status").symlink_to("/proc/self/status")
    sensor = ProcessSensor(proc_root=proc, sample_interval_s=0.002)
    assert sensor.memory_method == "sampled"
    assert "sampled" in sensor.describe().detail
    assert not (proc / "clear_refs").exists(), "the sensor must not create files in the proc folder"
    sensor.start_window()
    before = sensor.current_anonymous_mb()
    buffer = np.ones(200_000_000 // 8)
    time.sleep(0.05)
    del buffer
    peak = sensor.stop_window(Window(0.05, 1, (0.05,)))["memory"]
    assert peak - before == pytest.approx(200.0, abs=25.0)


def test_without_proc_the_peak_since_start_is_reported(tmp_path) -> None:
    sensor = ProcessSensor(proc_root=tmp_path)
    assert sensor.memory_method == "rusage" and "since process start" in sensor.describe().detail
    sensor.start_window()
    assert sensor.stop_window(Window(0.01, 1, (0.01,)))["memory"] > 10.0
