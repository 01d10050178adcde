"""What a digits run records about how it timed and measured its jobs, through the real CLI, the
fork servers and Keras (issue 22 points 11 and 13). One run of two one-epoch jobs serves both
points, since each costs a Keras training:

* point 11: a job's ``runtime`` is its ``fit`` alone. The network file is made to sleep when it
  is executed (the import and model-build phase every job goes through, as is the fork server's
  start for job 1), and the runtime must not contain that sleep;
* point 13: with ``HYPERPOWER_QUICK_MEASURE`` exported outside the test suite (no
  ``PYTEST_CURRENT_TEST``) the run warns once, each job records the protocol its measurement
  used, ``status`` says so, and a malformed ``HYPERPOWER_TEST_MEASURE_DELAY_S`` breaks nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hyperpower.hardware.protocol import TEST_MEASURE_DELAY_ENV, TEST_SUITE_ENV
from hyperpower.hardware.sensors.sensor_set import QUICK_MEASURE, QUICK_MEASURE_ENV
from hyperpower.jobs import JobStatus
from hyperpower.store import open_store

REPO = Path(__file__).resolve().parents[2]
BUILD_DELAY_S = 1.0


def _cli_outside_the_suite(*args: str, **variables: str) -> subprocess.CompletedProcess:
    """``python -m hyperpower ARGS`` as a user's shell would run it: no pytest mark."""
    environment = {key: value for key, value in os.environ.items() if key != TEST_SUITE_ENV}
    environment.update(variables)
    return subprocess.run([sys.executable, "-m", "hyperpower", *args], capture_output=True, text=True,
                          timeout=900, cwd=REPO, env=environment)


@pytest.mark.slow
@pytest.mark.e2e
def test_runtime_is_the_training_and_each_measurement_records_its_protocol(tmp_path: Path) -> None:
    folder = tmp_path / "digits"
    shutil.copytree(REPO / "experiments" / "digits" / "keras_model", folder / "keras_model")
    template = folder / "keras_model" / "network_def.py"
    template.write_text(f"import time\ntime.sleep({BUILD_DELAY_S})  # a slow import and build phase\n"
                        + template.read_text())
    result = _cli_outside_the_suite(
        "run", str(folder), "--budget", "runtime=10m", "--method", "rand", "--epochs", "1", "--max-evals", "2",
        "--seed", "0", **{QUICK_MEASURE_ENV: "1", TEST_MEASURE_DELAY_ENV: "two seconds"})
    assert result.returncode == 0, result.stdout + result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning:" in line]
    assert len(warnings) == 2, result.stderr
    assert f"{QUICK_MEASURE_ENV}='1' is set: every measurement uses the shortened quick protocol" in warnings[0]
    assert f"{TEST_MEASURE_DELAY_ENV}='two seconds' is set (not a positive number of seconds, ignored)" in warnings[1]

    with open_store(f"sqlite:///{folder / 'hyperpower.sqlite'}") as store:
        jobs = store.list_jobs("digits")
    assert [job.status for job in jobs] == [JobStatus.COMPLETE] * 2  # the malformed delay broke nothing
    window_s, windows, _ = QUICK_MEASURE
    for job in jobs:
        log = (folder / "output" / f"job_{job.id:05d}.out").read_text()
        logged = float(re.search(r"after 1 epochs \(training (\d+\.\d+) s", log).group(1))
        assert job.values["runtime"] == pytest.approx(logged, abs=6e-4), (job.id, job.values["runtime"], logged)
        assert job.values["runtime"] < job.duration_s - BUILD_DELAY_S  # the build's sleep is not in it
        assert (job.values["measurement_windows"], job.values["measurement_window_s"],
                job.values["measurement_quick"]) == (windows, window_s, 1.0)
        assert f"protocol: quick protocol ({QUICK_MEASURE_ENV}): {windows} windows over {window_s:g} s" in log
    exported = json.loads(_cli_outside_the_suite("export", str(folder)).stdout)
    assert all(record["values"]["measurement_quick"] == 1.0 for record in exported)
    status = _cli_outside_the_suite("status", str(folder))
    assert "warning" not in status.stderr  # status measures nothing: no warning
    assert (f"measurement: 2 of 2 measured job(s) used the quick protocol ({QUICK_MEASURE_ENV}): "
            f"{windows} windows over {window_s:g} s") in status.stdout
