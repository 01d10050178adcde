"""Lossless conversion of jobs and free-form values for storage."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hyperpower.jobs import Job, JobStatus
from hyperpower.store import codec


def test_to_plain_turns_numpy_and_tuples_into_python() -> None:
    value = {"a": np.arange(3), "b": (np.float32(0.5), np.bool_(True)), 3: np.int64(-2), "c": None}
    plain = codec.to_plain(value)
    assert plain == {"a": [0, 1, 2], "b": [0.5, True], "3": -2, "c": None}
    assert type(plain["a"][0]) is int and type(plain["b"][1]) is bool
    assert type(codec.to_plain(np.float64(0.25))) is float


def test_to_plain_refuses_objects_it_cannot_store() -> None:
    with pytest.raises(TypeError, match="cannot store a value of type object"):
        codec.to_plain({"x": object()})


def test_metrics_encode_non_finite_as_standard_json_and_back() -> None:
    metrics = {"error": math.nan, "power": math.inf, "gain": -math.inf, "memory": 3.5, "n": 2}
    encoded = codec.encode_metrics(metrics)
    assert encoded == {
        "error": None, "power": "Infinity", "gain": "-Infinity", "memory": 3.5, "n": 2}
    decoded = codec.decode_metrics(encoded)
    assert math.isnan(decoded["error"])
    assert (decoded["power"], decoded["gain"]) == (math.inf, -math.inf)
    assert (decoded["memory"], decoded["n"]) == (3.5, 2)
    assert codec.decode_metrics(None) == {}


def test_free_form_json_keeps_nan_tokens() -> None:
    text = codec.dumps_json({"best": math.nan, "ids": (1, 2)})
    assert text == '{"best":NaN,"ids":[1,2]}'
    assert math.isnan(codec.loads_json(text)["best"])
    assert codec.loads_json(None, default={}) == {}


def test_job_record_round_trip() -> None:
    job = Job(id=4, experiment="e", status=JobStatus.RUNNING, raw_params={"w": np.array([1, 2])},
              values={"error": math.nan}, feasible=True, worker="w1", attempts=2)
    record = codec.job_record(job)
    assert record["status"] == "running" and record["raw_params"] == {"w": [1, 2]}
    assert record["values"] == {"error": None}
    assert math.isnan(codec.job_record(job, encode_non_finite=False)["values"]["error"])
    back = codec.job_from_record(dict(record, feasible=1, early_terminated=0))
    assert (back.feasible, back.early_terminated, back.raw_params) == (True, False, {"w": [1, 2]})
    assert back.status is JobStatus.RUNNING and math.isnan(back.values["error"])
