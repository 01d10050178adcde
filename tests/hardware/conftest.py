"""Shared test doubles for the hardware tests: the fake NVML module and a fake powercap folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from fake_nvml import FakeDevice, FakeNVML
from hardware_fixtures import write_rapl_domain, write_tiny_experiment


@pytest.fixture
def fake_powercap(tmp_path: Path) -> Path:
    """A powercap folder with two packages, a core subdomain (not to be added) and a DRAM one."""
    root = tmp_path / "powercap"
    write_rapl_domain(root, "intel-rapl:0", "package-0", 1_000_000)
    write_rapl_domain(root, "intel-rapl:1", "package-1", 5_000_000)
    write_rapl_domain(root, "intel-rapl:0:0", "core", 400_000)
    write_rapl_domain(root, "intel-rapl:0:1", "dram", 100_000)
    return root


@pytest.fixture
def fake_nvml() -> FakeNVML:
    """One fake Volta-or-newer GPU at 250 W with an energy counter."""
    return FakeNVML([FakeDevice()])


@pytest.fixture
def tiny_experiment(tmp_path: Path) -> Path:
    return write_tiny_experiment(tmp_path)
