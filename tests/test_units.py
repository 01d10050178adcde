"""Units and rounding: one way to print a measured value, everywhere a user reads one."""

from __future__ import annotations

import io
import math
from pathlib import Path

from hyperpower.config import ExperimentConfig, Task
from hyperpower.settings.section import HyperPowerSettings
from hyperpower.objective import measure_hardware
from hyperpower.space import SearchSpace, Variable
from hyperpower.units import format_measurement, format_number, format_value, name_with_unit


def test_one_rounding_four_significant_digits_and_whole_numbers_from_a_thousand() -> None:
    assert [format_number(v) for v in (299.6543, 0.08333, 12345.6, 1250.0, 90.0, 5.5e-05)] == [
        "299.7", "0.08333", "12346", "1250", "90", "5.5e-05"]
    assert [format_number(v) for v in (math.nan, math.inf, -math.inf)] == ["NaN", "inf", "-inf"]
    assert format_value("memory", 299.6543) == "299.7 MB" and format_value("error", 0.14218) == "0.1422"
    assert format_value("power", math.nan) == "NaN W" and format_value("latency", None) == "-"


def test_measurements_and_column_names_carry_the_unit() -> None:
    assert format_measurement("memory", 316.71, 0.0123) == "316.7 ± 0.012 MB"
    assert format_measurement("latency", 3.392, None) == "3.392 ms"
    assert [name_with_unit(m) for m in ("power", "memory", "latency", "energy", "error", "budget_left")] == [
        "power_W", "memory_MB", "latency_ms", "energy_mJ", "error", "budget_left"]


class FakeMeasurer:
    """Stands in for the fork server: fixed values, as a real measurement returns them."""

    def measure(self, path: Path, metrics: list[str], seed: int | None = None) -> dict:
        return {"values": {"memory": 290.31, "latency": 3.3921}, "spread": {"memory": 0.11, "latency": 0.47},
                "contention": {"others_share": 0.834, "steal_share": 0.0, "load_1min": 5.2}}


def test_the_job_log_gives_each_measured_value_its_unit(tmp_path: Path) -> None:
    config = ExperimentConfig("exp", SearchSpace([Variable("x", "INT", 1, 2)]),
                              {"error": Task("error"), "memory": Task("memory", "CONSTRAINT", "NOISELESS", 300.0)},
                              HyperPowerSettings.from_section({"budgets": {"memory": 300.0}, "device": "cpu"}))
    log = io.StringIO()
    values = measure_hardware(tmp_path / "net.py", config, log, measurer=FakeMeasurer())
    # issue 15 point 3: the latency's spread is a value of the job (status, export), in ms
    assert values == {"memory": 290.31, "latency": 3.3921, "latency_spread": 0.47}
    assert ("measured memory=290.3 ± 0.11 MB, latency=3.392 ± 0.47 ms (other processes used 83% of the CPUs "
            "meanwhile)") in log.getvalue()
