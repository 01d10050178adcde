"""RaplSensor on a fake powercap folder: package domains only, wrap-around, unreadable files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hardware_fixtures import write_rapl_domain
from hyperpower.hardware.sensors import RaplSensor, Window
from hyperpower.hardware.sensors.rapl import energy_delta_uj


def _set_energy(root: Path, domain: str, energy_uj: int) -> None:
    (root / domain / "energy_uj").write_text(f"{energy_uj}\n")


def test_sums_package_domains_only(fake_powercap: Path) -> None:
    sensor = RaplSensor(fake_powercap)
    info = sensor.describe()
    assert info.available and "intel-rapl:0 (package-0)" in info.detail and "intel-rapl:1 (package-1)" in info.detail
    sensor.start_window()
    _set_energy(fake_powercap, "intel-rapl:0", 1_000_000 + 30_000_000)  # +30 J
    _set_energy(fake_powercap, "intel-rapl:1", 5_000_000 + 10_000_000)  # +10 J
    _set_energy(fake_powercap, "intel-rapl:0:0", 99_000_000)  # a subdomain: must be ignored
    values = sensor.stop_window(Window(duration_s=2.0, images=400, batch_times_s=(2.0,)))
    assert values["power"] == pytest.approx(40.0 / 2.0)
    assert values["energy"] == pytest.approx(40_000.0 / 400)


def test_counter_wrap_around_is_corrected(tmp_path: Path) -> None:
    root = tmp_path / "powercap"
    write_rapl_domain(root, "intel-rapl:0", "package-0", energy_uj=999_000_000, max_range_uj=1_000_000_000)
    sensor = RaplSensor(root)
    sensor.start_window()
    _set_energy(root, "intel-rapl:0", 4_000_000)  # wrapped: 1 J before the wrap, 4 J after
    values = sensor.stop_window(Window(1.0, 10, (1.0,)))
    assert values["power"] == pytest.approx(5.0)
    assert energy_delta_uj(10, 30, 100) == 20


def test_missing_root_is_unavailable_with_reason(tmp_path: Path) -> None:
    info = RaplSensor(tmp_path / "nope").describe()
    assert not info.available
    assert "does not exist" in info.detail and str(tmp_path / "nope") in info.detail


def test_root_without_packages_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "powercap" / "dtpm").mkdir(parents=True)
    info = RaplSensor(tmp_path / "powercap").describe()
    assert not info.available and "no intel-rapl:N package domains" in info.detail


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_counter_is_unavailable_naming_the_file(fake_powercap: Path) -> None:
    counter = fake_powercap / "intel-rapl:1" / "energy_uj"
    counter.chmod(0o200)
    info = RaplSensor(fake_powercap).describe()
    assert not info.available
    assert str(counter) in info.detail and "permission denied" in info.detail


def test_counter_that_cannot_be_read_is_unavailable(fake_powercap: Path) -> None:
    counter = fake_powercap / "intel-rapl:0" / "energy_uj"
    counter.unlink()
    counter.mkdir()  # reading a folder fails even for root
    info = RaplSensor(fake_powercap).describe()
    assert not info.available and str(counter) in info.detail and "not readable" in info.detail


def test_garbage_counter_is_unavailable(fake_powercap: Path) -> None:
    _set_energy(fake_powercap, "intel-rapl:0", 0)
    (fake_powercap / "intel-rapl:0" / "energy_uj").write_text("n/a\n")
    info = RaplSensor(fake_powercap).describe()
    assert not info.available and "does not hold an integer" in info.detail
