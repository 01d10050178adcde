"""The measurement protocol recorded with each measurement, and the test-only switches (issue 22
point 13): a measurement says how it was made; a malformed delay is ignored; the warnings appear
outside the test suite only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fake_nvml import FakeNVML
from hyperpower.hardware import detect_sensors, measure_inference
from hyperpower.hardware import protocol
from hyperpower.hardware.sensors.sensor_set import QUICK_MEASURE, QUICK_MEASURE_ENV


@pytest.fixture
def cpu_sensors(tmp_path: Path):
    return detect_sensors("cpu", nvml_module=FakeNVML(library_found=False), powercap_root=tmp_path / "none")


def _measure(sensors, **kwargs):
    return measure_inference(lambda batch: batch * 1.0, np.ones((8, 2)), 4, ["latency"], sensors, warmup_s=0.0,
                             rng=np.random.default_rng(0), **kwargs)


def test_a_measurement_records_the_protocol_it_used(cpu_sensors, monkeypatch) -> None:
    monkeypatch.setenv(QUICK_MEASURE_ENV, "1")
    quick = _measure(cpu_sensors)
    window_s, windows, gap = QUICK_MEASURE
    assert quick.protocol == {"windows": windows, "window_s": window_s, "max_gap_s": gap, "quick": True}
    assert quick.to_dict()["protocol"] == quick.protocol  # what the measuring process sends back
    monkeypatch.delenv(QUICK_MEASURE_ENV)
    full = _measure(cpu_sensors, min_window_s=0.06)
    assert full.protocol == {"windows": 12, "window_s": 0.06, "max_gap_s": cpu_sensors.max_gap_s(["latency"]),
                             "quick": False}
    assert protocol.protocol_values(full.protocol) == {"measurement_windows": 12.0, "measurement_window_s": 0.06,
                                                       "measurement_quick": 0.0}
    assert protocol.protocol_text(quick.protocol) == "quick protocol (HYPERPOWER_QUICK_MEASURE): 3 windows over 0.2 s"
    assert protocol.protocol_text(full.protocol) == "12 windows over 0.06 s"
    assert protocol.protocol_values({}) == {}


@pytest.mark.parametrize("text, seconds", [("", 0.0), ("2.5", 2.5), ("abc", 0.0), ("-3", 0.0), ("nan", 0.0),
                                           ("inf", 0.0), (" 1 ", 1.0)])
def test_a_malformed_measure_delay_is_ignored(monkeypatch, text: str, seconds: float) -> None:
    monkeypatch.setenv(protocol.TEST_MEASURE_DELAY_ENV, text)
    assert protocol.measure_delay_s() == seconds


def test_switches_are_named_outside_the_test_suite_only(monkeypatch) -> None:
    monkeypatch.setenv(QUICK_MEASURE_ENV, "1")
    monkeypatch.setenv(protocol.TEST_MEASURE_DELAY_ENV, "abc")
    assert protocol.switch_warnings() == []  # pytest's mark is set: the suite asked for both
    monkeypatch.delenv(protocol.TEST_SUITE_ENV)
    quick, delay = protocol.switch_warnings()
    assert quick.startswith("warning: HYPERPOWER_QUICK_MEASURE='1' is set: every measurement uses the shortened")
    assert "HYPERPOWER_TEST_MEASURE_DELAY_S='abc' is set (not a positive number of seconds, ignored)" in delay
    monkeypatch.setenv(QUICK_MEASURE_ENV, "0")
    monkeypatch.delenv(protocol.TEST_MEASURE_DELAY_ENV)
    assert protocol.switch_warnings() == []
