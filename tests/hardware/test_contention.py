"""How busy other processes kept the CPUs during a measurement (issue 15 point 3)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hyperpower.hardware.contention import CpuCounters, contention_since, read_counters


def test_others_share_is_machine_busy_time_minus_our_own_over_the_total() -> None:
    ticks = os.sysconf("SC_CLK_TCK")
    before = CpuCounters(total=1000.0, idle=400.0, steal=10.0, own_s=5.0)
    # 2 CPUs for 1 s: 2 * ticks jiffies; idle 0.2 CPU-s, steal 0.1, we used 0.5 CPU-s
    after = CpuCounters(total=1000.0 + 2 * ticks, idle=400.0 + 0.2 * ticks, steal=10.0 + 0.1 * ticks, own_s=5.5)
    shares = contention_since(before, after)
    assert shares["others_share"] == pytest.approx((2 - 0.2 - 0.1 - 0.5) / 2)
    assert shares["steal_share"] == pytest.approx(0.05)
    assert shares["load_1min"] >= 0.0
    assert contention_since(None, after) == {} and contention_since(after, after) == {}


def test_counters_are_read_from_proc_stat_and_missing_ones_are_none(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 5 50 800 20 0 3 7 0 0\ncpu0 50 2 25 400 10 0 1 3 0 0\n")
    counters = read_counters(stat)
    assert (counters.total, counters.idle, counters.steal) == (985.0, 820.0, 7.0)
    assert read_counters(tmp_path / "absent") is None
