"""Suite-wide settings and fixtures. Every measurement the tests make (in this process and in the
job and measurement processes they start, which inherit the environment) is a quick one, 3
windows over 0.2 s instead of the 12-window protocol (``hardware.sensors.sensor_set``). Tests of
the protocol itself remove the variable with ``monkeypatch.delenv``. ``toy_experiment`` and
``run_cli`` serve every test that runs the CLI on a private copy of the plain Spearmint toy
experiment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Before numpy is first imported (by hyperpower below): one OpenBLAS thread in this process and in
# every process the tests start. The optimizer's matrices are small (tens of points), where more
# BLAS threads only spin: 25 evaluations of test_nan_results's Branin took 7.1 s of CPU (34 s
# wall) with two threads and 1.6 s (7.5 s) with one on this loaded 2-CPU machine, suggesting
# bit-identical points. In parallel runs (pytest-xdist) a spinning thread also takes the CPU from
# the other worker.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# The same for TensorFlow's thread pools in the Keras jobs the tests train (TensorFlow reads these
# two variables when it builds its pools): with several xdist workers on two CPUs, a second
# intra-op thread per job only competes with the other workers' jobs.
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

from hyperpower.hardware.sensors.sensor_set import QUICK_MEASURE_ENV  # noqa: E402

import xdist_groups  # noqa: E402 - tests/xdist_groups.py
from xdist_groups import (  # noqa: E402,F401 - hooks: xdist_group honoured under pytest 9.2
    pytest_collection_finish, pytest_configure, pytest_configure_node, pytest_unconfigure,
    pytest_xdist_make_scheduler)

os.environ.setdefault(QUICK_MEASURE_ENV, "1")

REPO = Path(__file__).resolve().parents[1]


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


# -- parallel runs (pytest-xdist, `./run_tool.sh test` uses `-n auto --dist loadgroup`) -----------

#: tests that signal or kill processes and wait for a moment inside a run (training started, a
#: promotion under way): they run one after another on one worker (``xdist_group``), never beside
#: each other; the other workers run the rest of the suite meanwhile
SIGNALS_GROUP = "signals"


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects: the e2e marks must be there
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests using ``run_cli`` are marked ``e2e``. In an xdist worker, the long tests go first (the
    ``signals`` group, then ``slow``, then ``e2e``, each kept in file order): a worker that picks
    one of them near the end would leave the other worker idle while it finishes."""
    for item in items:
        if "run_cli" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.e2e)
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=_start_order)


def _start_order(item: pytest.Item) -> int:
    if SIGNALS_GROUP in (xdist_groups.group_of(item) or "").split("_"):
        return 0
    if item.get_closest_marker("slow"):
        return 1
    return 2 if item.get_closest_marker("e2e") else 3
