"""Fixtures for loop tests: a private copy of the plain Spearmint toy experiment."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def toy_experiment(tmp_path: Path) -> Path:
    """experiments/spearmint_toy copied into tmp_path (so runs never touch the repo)."""
    folder = tmp_path / "spearmint_toy"
    shutil.copytree(REPO / "experiments" / "spearmint_toy", folder)
    return folder


def _run_cli(*args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``python -m hyperpower ARGS`` as a user would."""
    result = subprocess.run([sys.executable, "-m", "hyperpower", *args], capture_output=True, text=True,
                            timeout=timeout, cwd=REPO)
    if check and result.returncode != 0:
        raise AssertionError(f"hyperpower {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture
def run_cli():
    """``run_cli("run", folder, "--max-evals", "5")`` runs the CLI in a subprocess; fails the test on a
    non-zero exit unless ``check=False``."""
    return _run_cli
