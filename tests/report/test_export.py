"""Export formats: JSON records and the flattened CSV table with units in its headers."""

from __future__ import annotations

import csv
import io
import json
import math

from hyperpower.jobs import Job, JobStatus
from hyperpower.report.export import csv_columns, export_jobs, flatten_export, jobs_to_csv, jobs_to_json
from hyperpower.store import open_store

EXPORT_KEYS = {"id", "status", "method", "params", "values", "predicted", "feasible", "early_terminated",
               "submit_time", "start_time", "end_time", "duration_s", "test_error", "trained_model", "reason",
               "rung", "epochs", "trained_epochs", "parent", "device"}  # issue 13: multi-fidelity fields; 14: device


def _jobs(experiment):
    with open_store(experiment.store_uri) as store:
        return store.list_jobs(experiment.config.name)


def test_json_export_is_a_list_of_design_records(filled_experiment) -> None:
    records = json.loads(jobs_to_json(_jobs(filled_experiment)))
    assert [r["id"] for r in records] == [1, 2, 3, 4, 5, 6]
    assert all(set(r) == EXPORT_KEYS for r in records)
    assert [r["status"] for r in records] == ["complete", "complete", "complete", "broken", "running", "pending"]
    first = records[0]
    assert first["params"]["activation"] == "relu" and first["params"]["dense_units"] == 64
    assert first["values"] == {"error": 0.05, "power": 80.0, "memory": 150.0}
    assert first["predicted"] == {"power": 85.0, "memory": 140.0}
    assert first["feasible"] is True and records[2]["early_terminated"] is True
    assert first["start_time"].endswith("+00:00") and first["duration_s"] >= 0
    assert records[5]["start_time"] is None and records[5]["duration_s"] is None


def test_export_has_the_test_error_and_the_trained_model_it_is_given() -> None:
    jobs = [Job(id=1, experiment="e", status=JobStatus.COMPLETE, values={"error": 0.1, "test_error": 0.12}),
            Job(id=2, experiment="e", status=JobStatus.COMPLETE, values={"error": 0.2})]
    records = json.loads(jobs_to_json(jobs, {1: "/exp/output/job_00001.keras"}))
    assert [(r["test_error"], r["trained_model"]) for r in records] == [(0.12, "/exp/output/job_00001.keras"),
                                                                         (None, None)]
    rows = list(csv.DictReader(io.StringIO(export_jobs(jobs, "csv", {1: "/exp/output/job_00001.keras"}))))
    assert [(row["test_error"], row["trained_model"]) for row in rows] == [("0.12", "/exp/output/job_00001.keras"),
                                                                            ("", "")]


def test_broken_jobs_export_the_exception_line_as_reason_and_the_store_keeps_the_whole_error(
        filled_experiment) -> None:
    jobs = _jobs(filled_experiment)
    records = json.loads(jobs_to_json(jobs))
    assert records[3]["status"] == "broken"
    assert records[3]["reason"] == "RuntimeError: exploding network"  # not "Traceback (most recent call last):"
    assert [r["reason"] for r in records[:3] + records[4:]] == [None] * 5
    assert jobs[3].error.startswith("Traceback (most recent call last):") and "--- log tail ---" in jobs[3].error
    rows = list(csv.DictReader(io.StringIO(jobs_to_csv(jobs))))
    assert rows[3]["reason"] == "RuntimeError: exploding network" and rows[0]["reason"] == ""


def test_reason_of_a_plain_message_is_its_first_line() -> None:
    error = "job process killed by SIGKILL (out of memory?)\n--- log tail ---\nTraceback (most recent call last):"
    job = Job(id=1, experiment="e", status=JobStatus.BROKEN, error=error)
    assert job.export_dict()["reason"] == "job process killed by SIGKILL (out of memory?)"


def test_json_export_writes_nan_as_null() -> None:
    job = Job(id=1, experiment="e", status=JobStatus.COMPLETE, values={"error": math.nan})
    assert json.loads(jobs_to_json([job]))[0]["values"] == {"error": None}


def test_csv_export_flattens_params_values_and_predictions(filled_experiment) -> None:
    text = jobs_to_csv(_jobs(filled_experiment))
    rows = list(csv.DictReader(io.StringIO(text)))
    header = text.splitlines()[0].split(",")
    assert header[:3] == ["id", "status", "method"]
    assert header[3:11] == [f"params.{name}" for name in filled_experiment.config.space.names]
    assert header[11:14] == ["values.error", "values.power_W", "values.memory_MB"]  # error is a fraction
    assert header[14:16] == ["predicted.power_W", "predicted.memory_MB"]
    assert header[16:] == ["feasible", "early_terminated", "submit_time", "start_time", "end_time", "duration_s",
                           "test_error", "trained_model", "reason",
                           "rung", "epochs", "trained_epochs", "parent", "device"]  # issue 13: multi-fidelity; 14: device
    assert len(rows) == 6
    assert rows[1]["values.memory_MB"] == "250.0" and rows[1]["feasible"] == "False"
    assert rows[1]["predicted.power_W"] == ""  # job 2 had no power prediction
    assert rows[3]["status"] == "broken" and rows[3]["values.error"] == ""
    assert rows[0]["params.learning_rate"] == "0.01"


def test_csv_columns_follow_first_appearance_and_lists_become_json() -> None:
    jobs = [Job(id=1, experiment="e", params={"b": [1, 2]}, values={"objective": 1.0, "latency": 2.0}),
            Job(id=2, experiment="e", params={"a": 3, "b": [3, 4]}, predicted={"energy": 4.0})]
    records = [job.export_dict() for job in jobs]
    assert csv_columns(records)[3:8] == ["params.b", "params.a", "values.objective", "values.latency_ms",
                                         "predicted.energy_mJ"]
    rows = list(csv.DictReader(io.StringIO(export_jobs(jobs, "csv"))))
    assert json.loads(rows[0]["params.b"]) == [1, 2] and rows[0]["params.a"] == ""
    assert flatten_export(records[1])["params.a"] == 3


def test_export_of_no_jobs() -> None:
    assert json.loads(export_jobs([], "json")) == []
    assert export_jobs([], "csv").splitlines() == [
        "id,status,method,feasible,early_terminated,submit_time,start_time,end_time,duration_s,test_error,trained_model,reason,"
        "rung,epochs,trained_epochs,parent,device"]  # issue 13: multi-fidelity fields
