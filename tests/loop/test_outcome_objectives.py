"""The run loop's verdict on a job of several objectives (issue 12): every objective must come
back, a NaN in any one of them is an invalid result (complete, infeasible), an infinite one breaks."""

from __future__ import annotations

import math

from hyperpower.config import config_from_json
from hyperpower.feasibility import is_invalid_result, measured_feasibility, objective_problem

CONFIG = config_from_json({"variables": {"x": {"type": "FLOAT", "min": 0, "max": 1}},
                           "tasks": {"f1": {"type": "OBJECTIVE"}, "f2": {"type": "OBJECTIVE"},
                                     "c": {"type": "CONSTRAINT"}}})


def test_nan_in_the_second_objective_is_an_invalid_result() -> None:
    values = {"f1": 0.3, "f2": math.nan, "c": 1.0}
    assert objective_problem(CONFIG, values) is None
    assert is_invalid_result(CONFIG, values) and measured_feasibility(CONFIG, values) is False
    assert measured_feasibility(CONFIG, {"f1": 0.3, "f2": 0.4, "c": 1.0}) is True


def test_a_missing_or_infinite_second_objective_breaks_the_job() -> None:
    assert "the objective 'f2' is missing" in objective_problem(CONFIG, {"f1": 0.3, "c": 1.0})
    assert "the objective 'f2' is inf" in objective_problem(CONFIG, {"f1": 0.3, "f2": math.inf, "c": 1.0})
    assert not is_invalid_result(CONFIG, {"f1": 0.3, "f2": 0.1})
