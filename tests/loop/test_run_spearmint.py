"""`hyperpower run` on plain Spearmint folders: optimum found, failures recorded, resume exact."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hyperpower.jobs import JobStatus
from hyperpower.store import open_store

pytestmark = pytest.mark.e2e  # every test here starts hyperpower processes

REPO = Path(__file__).resolve().parents[2]


def _jobs(folder: Path, experiment: str = "spearmint_toy"):
    with open_store(f"sqlite:///{folder / 'hyperpower.sqlite'}") as store:
        return store.list_jobs(experiment)


def test_plain_spearmint_folder_finds_constrained_optimum_within_one_percent(toy_experiment: Path, run_cli) -> None:
    result = run_cli("run", str(toy_experiment), "--max-evals", "30", "--seed", "3")
    jobs = _jobs(toy_experiment)
    assert len(jobs) == 30 and all(j.status is JobStatus.COMPLETE for j in jobs)
    feasible = [j for j in jobs if j.feasible]
    best = min(j.values["objective"] for j in feasible)
    assert best <= 1.005 * 1.01, f"best feasible {best} not within 1% of 1.005"
    # every infeasible job really broke the constraint, every feasible one respected it
    for job in jobs:
        assert job.feasible == (job.values["budget_left"] >= 0)
    assert "job   30" in result.stdout


def _write_main(folder: Path, body: str) -> None:
    (folder / "toy.py").write_text(textwrap.dedent(body))


def test_broken_and_timed_out_jobs_are_recorded_and_the_run_goes_on(toy_experiment: Path, run_cli) -> None:
    _write_main(toy_experiment, """
        import math, time
        def main(job_id, params):
            x = float(params["x"][0])
            if job_id == 2:
                raise RuntimeError("exploding network")
            if job_id == 3:
                return {"objective": math.nan, "budget_left": 1.0}
            if job_id == 4:
                time.sleep(60)
            return {"objective": x, "budget_left": 1.0}
        """)
    config = json.loads((toy_experiment / "config.json").read_text())
    config["hyperpower"] = {"method": "rand", "job_timeout_s": 3, "objective": "objective"}
    (toy_experiment / "config.json").write_text(json.dumps(config))
    run_cli("run", str(toy_experiment), "--max-evals", "6")
    jobs = {j.id: j for j in _jobs(toy_experiment)}
    # a NaN objective is an invalid result (issue 11): COMPLETE, infeasible, NaN kept; not broken
    assert [jobs[i].status for i in range(1, 7)] == [JobStatus.COMPLETE, JobStatus.BROKEN, JobStatus.COMPLETE,
                                                      JobStatus.BROKEN, JobStatus.COMPLETE, JobStatus.COMPLETE]
    assert "exploding network" in jobs[2].error and "Traceback" in jobs[2].error
    assert jobs[3].feasible is False and math.isnan(jobs[3].values["objective"]) and not jobs[3].error
    assert "timed out after 3 s" in jobs[4].error
    assert Path(jobs[2].log_path).read_text().count("exploding network") >= 1
    status = run_cli("status", str(toy_experiment))
    assert "exploding network" in status.stdout and "invalid (NaN)" in status.stdout


@pytest.mark.xdist_group("signals")  # kills or signals mid-run: one at a time (tests/conftest.py)
def test_killed_driver_resumes_without_losing_or_repeating_finished_jobs(toy_experiment: Path, run_cli) -> None:
    ledger = toy_experiment / "ledger.txt"
    _write_main(toy_experiment, f"""
        import time
        def main(job_id, params):
            time.sleep(0.4)
            with open({str(ledger)!r}, "a") as f:
                f.write(f"{{job_id}}\\n")
            return {{"objective": float(params["x"][0]), "budget_left": 1.0}}
        """)
    command = [sys.executable, "-m", "hyperpower", "run", str(toy_experiment), "--max-evals", "12",
               "--method", "rand", "--workers", "2"]
    driver = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if (toy_experiment / "hyperpower.sqlite").exists() and \
                sum(j.status is JobStatus.COMPLETE for j in _jobs(toy_experiment)) >= 4:
            break
        time.sleep(0.2)
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    finished_before = {j.id for j in _jobs(toy_experiment) if j.status is JobStatus.COMPLETE}
    assert len(finished_before) >= 4

    run_cli("run", str(toy_experiment), "--max-evals", "12", "--method", "rand", "--workers", "2")
    jobs = _jobs(toy_experiment)
    assert sum(j.status is JobStatus.COMPLETE for j in jobs) == 12
    assert not [j for j in jobs if not j.status.finished]
    executions = ledger.read_text().split()
    for job_id in finished_before:
        assert executions.count(str(job_id)) == 1, f"finished job {job_id} ran again"

    run_cli("run", str(toy_experiment), "--max-evals", "12", "--method", "rand")
    assert len(_jobs(toy_experiment)) == len(jobs), "a finished experiment must not run more jobs"


# -- real Spearmint folders (issue 11) ------------------------------------------------------------

def _spearmint_folder(parent: Path, config: dict, main_name: str, main_source: str) -> Path:
    """A folder shaped like HIPS/Spearmint's examples: config.json + a main-file."""
    folder = parent / "hips_example"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(config, indent=4) + "\n")
    (folder / main_name).write_text(textwrap.dedent(main_source))
    return folder


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


QUADRATIC = """\
    import numpy as np

    def main(job_id, params):
        x, y = float(params['x'][0]), float(params['y'][0])
        print('Anything printed here ends up in the output directory for job #%d' % job_id)
        return {'quad': (x - 0.3) ** 2 + (y - 0.6) ** 2}
    """
XY = {"x": {"type": "FLOAT", "size": 1, "min": 0, "max": 1}, "y": {"type": "FLOAT", "size": 1, "min": 0, "max": 1}}


def test_hips_shaped_folder_runs_max_finished_jobs_evaluations_with_no_flag(tmp_path: Path, run_cli) -> None:
    """Issue 11 done-when: `main_file`, `max_finished_jobs`, a lower-case task type, a top-level
    likelihood and keys HyperPower does not use; `hyperpower run FOLDER` alone runs 25 evaluations.
    (Before, `main_file` was not read: every job broke on a missing hyperpower.py.)"""
    folder = _spearmint_folder(tmp_path, {
        "language": "PYTHON", "main_file": "quadratic", "experiment-name": "quadratic-example",
        "likelihood": "NOISELESS", "acquisition": "EI", "grid_size": 1000, "max_finished_jobs": 25,
        "variables": XY, "tasks": {"quad": {"type": "objective"}}}, "quadratic.py", QUADRATIC)
    config_before = (folder / "config.json").read_bytes()
    result = run_cli("run", str(folder), "--seed", "1")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("hyperpower: quadratic-example: hw-ieci, objective quad")
    assert "up to 25 evaluations, no time limit" in lines[0]
    ignored = [line for line in lines if "ignoring Spearmint settings" in line]
    assert len(ignored) == 1 and ignored[0].endswith("acquisition, grid_size")
    jobs = _jobs(folder, "quadratic-example")
    assert len(jobs) == 25 and all(j.status is JobStatus.COMPLETE for j in jobs)
    assert min(j.values["quad"] for j in jobs) < 0.02  # the GP found the bowl's bottom at (0.3, 0.6)
    assert "ends up in the output directory for job #25" in (folder / "output" / "job_00025.out").read_text()
    assert (folder / "config.json").read_bytes() == config_before
    snapshot = json.loads((folder / "output" / "run_config.json").read_text())
    assert snapshot["main-file"] == "quadratic" and snapshot["hyperpower"]["max_evals"] == 25
    assert snapshot["tasks"] == {"quad": {"type": "OBJECTIVE", "likelihood": "NOISELESS"}}


BRANIN_PY2 = """\
    import numpy as np
    import math

    def branin(x, y):
      result = np.square(y - (5.1/(4*np.square(math.pi)))*np.square(x) + (5/math.pi)*x - 6) + 10
      print 'Result = %f' % result
      return float(result)

    def main(job_id, params):
      return branin(params['x'], params['y'])
    """


@pytest.mark.parametrize("main_file, source, expected", [
    ("branin.py", BRANIN_PY2, r"branin.py:6: does not compile under Python 3: Missing parentheses .* looks like Python 2"),
    ("branin.py", "def evaluate(job_id, params):\n    return 1.0\n", r"branin.py: defines no main function"),
    ("absent", "", r"config.json: main-file 'absent': no such file .*absent.py"),
    ("../branin", "", r"config.json: 'main_file' '../branin' must be a file inside the experiment folder"),
])
def test_a_main_file_that_cannot_run_refuses_the_run_and_writes_nothing(tmp_path: Path, run_cli, main_file: str,
                                                                        source: str, expected: str) -> None:
    """Issue 11.2 / 11.10: before, each job broke (one after another) and the store filled up."""
    folder = _spearmint_folder(tmp_path, {"language": "PYTHON", "main_file": main_file, "variables": XY},
                               "branin.py", source)
    before = _tree(folder)
    result = run_cli("run", str(folder), "--max-evals", "3", check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert re.search(expected, result.stderr) and "Traceback" not in result.stderr
    assert _tree(folder) == before and not (folder / "output").exists()


MODEL_COST = """\
    def main(job_id, params):
        x, y = float(params['x'][0]), float(params['y'][0])
        return {'quad': (x - 0.7) ** 2 + (y - 0.6) ** 2, 'cost': x}
    """


def test_budget_and_model_make_hw_ieci_work_on_a_plain_spearmint_folder(tmp_path: Path, run_cli) -> None:
    """Issue 11.4: --budget adds a CONSTRAINT task (value <= budget) to any Spearmint folder and
    --model makes it known a priori, so HW-IECI never suggests a point the model rules out."""
    folder = _spearmint_folder(tmp_path, {"language": "PYTHON", "main-file": "quad.py", "experiment-name": "q",
                                          "variables": XY, "tasks": {"quad": {"type": "OBJECTIVE"}}},
                               "quad.py", MODEL_COST)
    model = tmp_path / "cost.json"
    model.write_text(json.dumps({"metric": "cost", "features": ["x"], "coef": [1.0], "intercept": 0.0}))
    config_before = (folder / "config.json").read_bytes()
    result = run_cli("run", str(folder), "--budget", "cost=0.4", "--model", f"cost={model}", "--method", "hw-ieci",
                     "--max-evals", "6", "--seed", "2")
    assert "budgets cost <= 0.4" in result.stdout.splitlines()[0]
    jobs = _jobs(folder, "q")
    assert len(jobs) == 6 and all(j.status is JobStatus.COMPLETE for j in jobs)
    for job in jobs:  # checked a priori: every suggestion is predicted, and measured, within budget
        assert job.predicted["cost"] == pytest.approx(job.raw_params["x"]) and job.raw_params["x"] <= 0.4
        assert job.feasible is True
    assert (folder / "config.json").read_bytes() == config_before
    snapshot = json.loads((folder / "output" / "run_config.json").read_text())
    assert snapshot["tasks"]["cost"] == {"type": "CONSTRAINT", "likelihood": "GAUSSIAN", "budget": 0.4}
    assert snapshot["hyperpower"]["models"] == {"cost": str(model)} and snapshot["hyperpower"]["method"] == "hw-ieci"


@pytest.mark.parametrize("flags, message", [
    (["--model", "budget_left=MODEL"], "--model budget_left=.*'budget_left' has no budget"),
    (["--heartbeat-timeout", "0"], "--heartbeat-timeout must be a positive number of seconds, got 0"),
    (["--heartbeat-timeout", "-5"], "--heartbeat-timeout must be a positive number of seconds, got -5"),
    (["--budget", "objective=3"], "budget objective=3 names the OBJECTIVE task 'objective'"),
])
def test_refused_flags_on_a_spearmint_folder_write_nothing(toy_experiment: Path, tmp_path: Path, run_cli,
                                                           flags: list[str], message: str) -> None:
    model = tmp_path / "m.json"
    model.write_text(json.dumps({"metric": "budget_left", "features": ["x"], "coef": [1.0]}))
    before = _tree(toy_experiment)
    result = run_cli("run", str(toy_experiment), "--max-evals", "2",
                     *[flag.replace("MODEL", str(model)) for flag in flags],
                     check=False)
    assert result.returncode == 2 and re.search(message, result.stderr), result.stderr
    assert _tree(toy_experiment) == before and not (toy_experiment / "hyperpower.sqlite").exists()


def test_first_line_shows_the_effective_limits(toy_experiment: Path, run_cli) -> None:
    """Issue 16.4: the run's first line says which limits apply."""
    first = run_cli("run", str(toy_experiment), "--max-evals", "1", "--max-time", "1h30m", "--method", "rand")
    assert "up to 1 evaluations, at most 1h30m, store sqlite:///" in first.stdout.splitlines()[0]
    again = run_cli("run", str(toy_experiment), "--max-evals", "2", "--max-time", "none", "--method", "rand")
    assert "up to 2 evaluations, no time limit" in again.stdout.splitlines()[0]
