"""The line a run prints when its first results are all NaN (issue 22.1): which exception text a
job log shows, and when the line is due."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from hyperpower.config import ExperimentConfig, Task
from hyperpower.settings.section import HyperPowerSettings
from hyperpower.jobs import Job, JobStatus
from hyperpower.loop.invalid_results import all_nan_line, first_exception_text
from hyperpower.space import SearchSpace, Variable

HEADER = '# job 1 (rand) params {"x": 0.5}\n'


@pytest.mark.parametrize("log, expected", [
    (HEADER + "Traceback (most recent call last):\n  File \"m.py\", line 3, in main\n    float(x)\n"
     "TypeError: only 0-dimensional arrays can be converted to Python scalars\n",
     "TypeError: only 0-dimensional arrays can be converted to Python scalars"),
    (HEADER + "Evaluating at (0.5, 0.5)\nValueError('bad shape')\n", "ValueError('bad shape')"),
    (HEADER + "/exp/m.py:4: RuntimeWarning: invalid value encountered in sqrt\n",
     "/exp/m.py:4: RuntimeWarning: invalid value encountered in sqrt"),
    (HEADER + "Evaluating at (0.5, 0.5)\nweights.csv not found.\nAn error occurred in branin_con.py\n",
     "weights.csv not found. / An error occurred in branin_con.py"),
    (HEADER + "Evaluating at (0.5, 0.5)\nResult = 1.0\n", None),
    ("", None),
])
def test_the_first_exception_text_of_a_log(log: str, expected: str | None) -> None:
    assert first_exception_text(log) == expected


def _config() -> ExperimentConfig:
    return ExperimentConfig(name="e", space=SearchSpace([Variable("x", "FLOAT", 0.0, 1.0)]),
                            tasks={"f": Task("f")}, settings=HyperPowerSettings.from_section({"objective": "f"}), main_file="m.py")


def _job(tmp_path: Path, job_id: int, value: float, log: str = HEADER,
         status: JobStatus = JobStatus.COMPLETE) -> Job:
    path = tmp_path / f"job_{job_id:05d}.out"
    path.write_text(log)
    return Job(id=job_id, experiment="e", status=status, values={"f": value} if status is JobStatus.COMPLETE else {},
               log_path=str(path))


def test_the_line_is_due_when_the_first_three_results_are_nan(tmp_path: Path) -> None:
    config = _config()
    nan = [_job(tmp_path, i, math.nan) for i in (1, 2, 3)]
    assert all_nan_line(nan[:2], config) is None
    assert all_nan_line([*nan[:2], _job(tmp_path, 3, 0.5)], config) is None
    crashed = _job(tmp_path, 4, math.nan, status=JobStatus.BROKEN)  # a crash is not a result
    assert all_nan_line([*nan[:2], crashed], config) is None
    line = all_nan_line(nan, config)
    assert line.startswith("hyperpower: warning: the first 3 results (jobs 1, 2, 3) are all NaN (invalid); ")
    assert line.endswith("show no exception, so the main-file returns NaN itself")


def test_the_line_quotes_the_first_log_with_an_exception(tmp_path: Path) -> None:
    jobs = [_job(tmp_path, 1, math.nan), _job(tmp_path, 2, math.nan, HEADER + "KeyError: 'x'\n"),
            _job(tmp_path, 3, math.nan, HEADER + "OSError: disk\n")]
    assert all_nan_line(jobs, _config()).endswith(f"{tmp_path / 'job_00002.out'} shows: KeyError: 'x'")
