"""The measurement protocol a measurement used, recorded with it, and the test-only switches that
change it, which must leave a trace (issue 22 point 13).

Two environment variables exist for the test suite only:

* ``HYPERPOWER_QUICK_MEASURE`` (``sensors.sensor_set``) shrinks every measurement to 3 windows
  over 0.2 s, so CI measures real inference without paying the full protocol per job. Exported
  in a user's shell, it would silently make every value as noisy as the protocol exists to avoid;
  so every measurement records the protocol it used (``Measurement.protocol``; a job's values
  ``measurement_windows``, ``measurement_window_s`` and ``measurement_quick``; each profile
  sample's ``protocol``), and a command that measures says so in one line when a shortened one is
  in force outside the test suite.
* ``HYPERPOWER_TEST_MEASURE_DELAY_S`` (``measure_server``) sleeps before each measurement, to
  stand in for a slow GPU measurement in the heartbeat tests. A malformed or negative value is
  ignored (0 s) rather than breaking the measurement, and named in the same warning.

"Inside the test suite" is pytest's own mark: it sets ``PYTEST_CURRENT_TEST`` while a test runs,
and the processes a test starts inherit it.
"""

from __future__ import annotations

import math
import os
from typing import Any, Mapping

from hyperpower.hardware.sensors.sensor_set import QUICK_MEASURE, QUICK_MEASURE_ENV, quick_measure
from hyperpower.metrics import MEASUREMENT_RECORDS

TEST_MEASURE_DELAY_ENV = "HYPERPOWER_TEST_MEASURE_DELAY_S"
#: set by pytest in the environment while a test runs
TEST_SUITE_ENV = "PYTEST_CURRENT_TEST"

#: the job values that record the protocol of the job's inference measurement
PROTOCOL_VALUES = MEASUREMENT_RECORDS


def measurement_protocol(windows: int, window_s: float, max_gap_s: float, quick: bool) -> dict[str, Any]:
    """The protocol of one measurement as recorded: ``windows`` timed windows of together at
    least ``window_s`` seconds of steady-state inference, random gaps up to ``max_gap_s`` between
    them; ``quick``: shortened by ``HYPERPOWER_QUICK_MEASURE``."""
    return {"windows": int(windows), "window_s": float(window_s), "max_gap_s": float(max_gap_s), "quick": bool(quick)}


def protocol_values(protocol: Mapping[str, Any] | None) -> dict[str, float]:
    """The protocol as job values (all floats, as job values are); empty when none was recorded."""
    if not protocol:
        return {}
    return {"measurement_windows": float(protocol["windows"]), "measurement_window_s": float(protocol["window_s"]),
            "measurement_quick": 1.0 if protocol.get("quick") else 0.0}


def protocol_text(protocol: Mapping[str, Any]) -> str:
    """``12 windows over 1.5 s`` or ``quick protocol (HYPERPOWER_QUICK_MEASURE): 3 windows over 0.2 s``."""
    text = f"{int(protocol['windows'])} windows over {float(protocol['window_s']):g} s"
    return f"quick protocol ({QUICK_MEASURE_ENV}): {text}" if protocol.get("quick") else text


def is_quick_job(values: Mapping[str, Any]) -> bool:
    """The job's hardware values were measured with the shortened quick protocol."""
    return values.get("measurement_quick") == 1.0


def in_test_suite() -> bool:
    return bool(os.environ.get(TEST_SUITE_ENV))


def measure_delay_s() -> float:
    """Seconds ``HYPERPOWER_TEST_MEASURE_DELAY_S`` asks to wait before a measurement: 0 when
    unset, malformed, negative or not finite (a test hook must never break a measurement)."""
    text = os.environ.get(TEST_MEASURE_DELAY_ENV, "").strip()
    try:
        seconds = float(text) if text else 0.0
    except ValueError:
        return 0.0
    return seconds if math.isfinite(seconds) and seconds > 0 else 0.0


def switch_warnings() -> list[str]:
    """One line per test-only switch in force outside the test suite (none inside it): what it
    does to every measurement, and that it is not for real runs."""
    if in_test_suite():
        return []
    lines = []
    if quick_measure():
        window_s, windows, _ = QUICK_MEASURE
        lines.append(f"warning: {QUICK_MEASURE_ENV}={os.environ[QUICK_MEASURE_ENV]!r} is set: every measurement "
                     f"uses the shortened quick protocol ({windows} windows over {window_s:g} s), whose values are "
                     f"noisy; it is for the test suite, unset it for real runs (each job records the protocol used)")
    text = os.environ.get(TEST_MEASURE_DELAY_ENV, "").strip()
    if text:
        delay = measure_delay_s()
        effect = f"each measurement waits {delay:g} s first" if delay else "not a positive number of seconds, ignored"
        lines.append(f"warning: {TEST_MEASURE_DELAY_ENV}={text!r} is set ({effect}); it is a test hook, "
                     f"unset it for real runs")
    return lines
