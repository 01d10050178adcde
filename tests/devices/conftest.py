"""Fixtures of the device tests: a private copy of the Spearmint toy experiment, and the CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def toy_experiment(tmp_path: Path) -> Path:
    folder = tmp_path / "spearmint_toy"
    shutil.copytree(REPO / "experiments" / "spearmint_toy", folder)
    return folder


@pytest.fixture
def run_cli():
    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "hyperpower", *args], capture_output=True, text=True,
                              timeout=timeout, cwd=REPO)
    return run
