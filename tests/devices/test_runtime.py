"""A job's ``runtime`` (and so its ``cost``) is its training, not its warm-up (issue 22 point 11):
the first job of a run once trained "7.8 s" against 1.3-2.5 s for the others, because the job
process's start, imports and the fork server's start were timed with it. Here the import phase
of every job is made slow on purpose, and the runtime must not contain it."""

from __future__ import annotations

from pathlib import Path

import pytest

from hyperpower.jobs import JobStatus
from hyperpower.store import open_store

IMPORT_DELAY_S = 2.0
TRAINING_S = 0.3

SLOW_IMPORT_MAIN = f"""
import time

time.sleep({IMPORT_DELAY_S})  # the main-file's import: a heavy framework, a data set loaded


def main(job_id, params):
    time.sleep({TRAINING_S})  # the training
    x, y = float(params["x"][0]), float(params["y"][0])
    return {{"objective": (x - 0.6) ** 2 + (y - 0.2) ** 2 + 1.0, "budget_left": 0.7 - x - y}}
"""


def test_runtime_and_cost_time_the_main_call_not_the_main_files_import(toy_experiment: Path, run_cli) -> None:
    (toy_experiment / "toy.py").write_text(SLOW_IMPORT_MAIN)
    run_cli("run", str(toy_experiment), "--devices", "cpu", "--price", "cpu=3.6", "--method", "rand",
            "--max-evals", "2", "--seed", "1")
    with open_store(f"sqlite:///{toy_experiment / 'hyperpower.sqlite'}") as store:
        jobs = store.list_jobs("spearmint_toy")
    assert [job.status for job in jobs] == [JobStatus.COMPLETE] * 2
    for job in jobs:
        assert job.duration_s > IMPORT_DELAY_S + TRAINING_S  # the import did happen in the job
        assert TRAINING_S <= job.values["runtime"] < IMPORT_DELAY_S, job.values
        assert job.values["cost"] == pytest.approx(3.6 * job.values["runtime"] / 3600)
        log = (toy_experiment / "output" / f"job_{job.id:05d}.out").read_text()
        assert "main() returned after" in log


def test_runtime_as_a_second_objective_is_recorded_without_devices_or_prices() -> None:
    """``--optimize error --optimize runtime`` with no --devices or --price: every job must carry
    ``runtime`` (it once looked only at the primary objective, and every job broke with "the
    objective 'runtime' is missing")."""
    from hyperpower.devices import job_runtime_values
    from hyperpower.settings.section import HyperPowerSettings

    settings = HyperPowerSettings.from_section({"objective": ["error", "runtime"]})
    assert job_runtime_values(settings, None, 2.5) == {"runtime": 2.5}
    assert job_runtime_values(HyperPowerSettings.from_section({}), None, 2.5) == {}, "plain runs record what they did"


def test_cost_as_a_second_objective_needs_a_price() -> None:
    from hyperpower.devices import check_run_devices
    from hyperpower.errors import ConfigError
    from hyperpower.settings.section import HyperPowerSettings

    settings = HyperPowerSettings.from_section({"objective": ["error", "cost"]})
    with pytest.raises(ConfigError, match="cost objective needs a price"):
        check_run_devices(settings, queue_only=False, here=["cpu"])
    priced = HyperPowerSettings.from_section({"objective": ["error", "cost"], "prices": {"cpu": 0.1}})
    check_run_devices(priced, queue_only=False, here=["cpu"])
