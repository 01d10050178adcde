"""Issue 22.1 and 22.2 through `hyperpower run`: folders shaped like HIPS Spearmint's examples run
unchanged under numpy 2 (params are 1-element arrays that also act as numbers), a per-task
main-file is read where Spearmint's distributed example puts it, and a run whose first results
are all NaN says so with the exception the job log shows.

Before: every job of these folders broke ("only 0-dimensional arrays can be converted to Python
scalars"), the constrained one silently returned NaN for every job, and the distributed one was
refused with "no 'main-file'"."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from hyperpower.config import load_experiment_config
from hyperpower.experiment import resolve_experiment
from hyperpower.jobs import Job, JobStatus
from hyperpower.loop.job_process import evaluate
from hyperpower.store import open_store
from spearmint_shapes import BRANIN_MINIMUM, EXAMPLES, expected_values, write_example


def _jobs(folder: Path):
    name = json.loads((folder / "config.json").read_text())["experiment-name"]
    with open_store(f"sqlite:///{folder / 'hyperpower.sqlite'}") as store:
        return store.list_jobs(name)


def _point(job) -> tuple[float, float]:
    params = {name.lower(): value for name, value in job.raw_params.items()}
    return params["x"], params["y"]


@pytest.mark.slow
def test_the_simple_example_runs_unchanged_and_finds_a_branin_optimum(tmp_path: Path, run_cli) -> None:
    """`float(result)`, `'%f' % result` and `print(params)` on the arrays; 20 evaluations of the
    default GP-EI. Seeds 0-11 (measured in-process with the same optimizer) reached 0.42-0.79 by
    evaluation 20; random search gets under 1.0 within 20 with probability 0.21."""
    folder = write_example(tmp_path, "simple")
    run_cli("run", str(folder), "--max-evals", "20", "--seed", "0")
    jobs = _jobs(folder)
    assert len(jobs) == 20 and all(job.status is JobStatus.COMPLETE for job in jobs), [j.error for j in jobs]
    for job in jobs:
        assert job.values["main"] == pytest.approx(expected_values("simple", *_point(job))["main"], rel=1e-9)
    best = min(job.values["main"] for job in jobs)
    assert best < 1.0, f"best {best:.3f} after 20 evaluations (optimum {BRANIN_MINIMUM})"
    log = (folder / "output" / "job_00001.out").read_text()
    assert "Result = " in log and "{'x': array([" in log  # printed as Spearmint's users saw it


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_each_example_shapes_main_file_gets_params_it_can_treat_as_numbers(tmp_path: Path, name: str) -> None:
    """What a job process does with each shape (``job_process.evaluate``), in this process to
    stay fast: the values are those the main-file means, NaN only where it returns NaN."""
    folder = write_example(tmp_path, name)
    paths = resolve_experiment(folder)
    config = load_experiment_config(paths)
    names = config.space.names
    for index, (x, y) in enumerate([(0.2, 0.7), (2.9, 2.9), (-2.0, 9.0)], start=1):
        raw = {names[0]: x, names[1]: y}
        job = Job(id=index, experiment=config.name, raw_params=raw, params=raw)
        values = evaluate(paths, config, job)["values"]
        for task, value in expected_values(name, x, y).items():
            if math.isnan(value):
                assert math.isnan(values[task]), (name, task, values)
            else:
                assert values[task] == pytest.approx(value, rel=1e-9, abs=0.1 if name == "noisy" else 1e-12)


@pytest.mark.parametrize("name", ["constrained", "distributed"])
def test_example_shapes_run_unchanged_through_run(tmp_path: Path, run_cli, name: str) -> None:
    """The constrained shape catches every exception and returns NaN (before: every job NaN); the
    distributed one names its main-file in its task only (before: refused, "no 'main-file'")."""
    config, files = EXAMPLES[name]
    if name == "constrained":  # a box around the NaN region's edge, so both kinds of point come up
        config = {**config, "variables": {"X": {"type": "FLOAT", "size": 1, "min": -1, "max": 6},
                                          "Y": {"type": "FLOAT", "size": 1, "min": 0, "max": 6}}}
    folder = write_example(tmp_path, name, config, files)
    result = run_cli("run", str(folder), "--max-evals", "4", "--method", "rand", "--seed", "4")
    jobs = _jobs(folder)
    assert len(jobs) == 4 and all(job.status is JobStatus.COMPLETE for job in jobs), [j.error for j in jobs]
    for job in jobs:
        expected = expected_values(name, *_point(job))
        for task, value in expected.items():
            if math.isnan(value):
                assert math.isnan(job.values[task]), (task, job.values)
            else:
                assert job.values[task] == pytest.approx(value, rel=1e-9, abs=0.1 if name == "noisy" else 1e-12)
    if name == "constrained":
        valid = [job for job in jobs if not math.isnan(job.values["branin"])]
        assert valid and len(valid) < len(jobs), "the seed must give both a valid point and a NaN one"
        assert all(job.feasible == (job.values["y_at_least_x"] >= 0) for job in valid)
    objective = next(iter(expected_values(name, 1.0, 1.0)))
    first_all_nan = all(math.isnan(job.values[objective]) for job in jobs[:3])
    assert ("warning: the first 3 results (jobs 1, 2, 3) are all NaN" in result.stdout) == first_all_nan


def test_the_first_results_all_nan_say_so_with_the_exception_the_log_shows(tmp_path: Path, run_cli) -> None:
    """The constrained shape whose evaluate fails on something else (a data file it lacks): the
    main-file prints the exception and returns NaN, so nothing breaks and no traceback is kept."""
    source = EXAMPLES["constrained"][1]["branin_con.py"].replace(
        "    x = params['X']\n", "    x = params['X'] + np.loadtxt('offsets.txt').sum()\n")
    folder = write_example(tmp_path, "constrained", files={"branin_con.py": source})
    result = run_cli("run", str(folder), "--max-evals", "4", "--method", "rand", "--seed", "1")
    lines = [line for line in result.stdout.splitlines() if "are all NaN" in line]
    assert len(lines) == 1, result.stdout
    assert lines[0].startswith("hyperpower: warning: the first 3 results (jobs 1, 2, 3) are all NaN (invalid); ")
    assert "job_00001.out shows: offsets.txt not found. / An error occurred in branin_con.py" in lines[0]
    assert all(job.status is JobStatus.COMPLETE for job in _jobs(folder))


def test_tasks_naming_different_main_files_run_in_turn_within_each_job(tmp_path: Path, run_cli) -> None:
    """Spearmint's decoupled toy (PESC examples/toy-fast-slow): f, c1 and c2 each name their own
    main-file, each returning its task. HyperPower evaluates every task of a job together, so a
    job calls each file once, in task order."""
    toy = EXAMPLES["toy"][1]["toy.py"]
    files = {f"{task}.py": toy.replace("return {'f': f, 'c1': c1, 'c2': c2}",
                                       f"print('{task}.py called')\n        return {{'{task}': {task}}}")
             for task in ("f", "c1", "c2")}
    files["c2.py"] = files["c2.py"].replace("return {'c2': c2}", "return float(c2)")  # a bare number: its task's
    config = {key: value for key, value in EXAMPLES["toy"][0].items() if key != "main_file"}
    config["tasks"] = {"f": {"type": "objective", "main_file": "f"}, "c1": {"type": "constraint", "main-file": "c1.py"},
                       "c2": {"type": "constraint", "main_file": "c2"}}
    folder = write_example(tmp_path, "toy", config, files)
    run_cli("run", str(folder), "--max-evals", "3", "--method", "rand", "--seed", "2")
    jobs = _jobs(folder)
    assert len(jobs) == 3 and all(job.status is JobStatus.COMPLETE for job in jobs), [j.error for j in jobs]
    for job in jobs:
        assert job.values == pytest.approx(expected_values("toy", *_point(job)), rel=1e-9, abs=1e-12)
        assert job.feasible == (job.values["c1"] >= 0 and job.values["c2"] >= 0)
    log = (folder / "output" / "job_00002.out").read_text()
    assert log.index("f.py called") < log.index("c1.py called") < log.index("c2.py called")


def test_a_task_main_file_that_is_missing_is_refused_naming_the_task(tmp_path: Path, run_cli) -> None:
    config = {**EXAMPLES["distributed"][0], "tasks": {"branin": {"type": "OBJECTIVE", "main-file": "branin"},
                                                      "cost": {"type": "CONSTRAINT", "main-file": "cost"}}}
    folder = write_example(tmp_path, "distributed", config)
    result = run_cli("run", str(folder), "--max-evals", "2", check=False)
    assert result.returncode == 2
    assert "main-file 'cost' (named by task 'cost'): no such file" in result.stderr, result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["branin.py", "config.json"]
