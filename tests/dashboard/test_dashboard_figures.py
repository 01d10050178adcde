"""The dashboard's figures and overview for what a small run does not show: rungs of a scheduler,
devices, a broken job, store strings with markup. Pure functions over a snapshot, no server."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

from hyperpower.config import load_config
from hyperpower.dashboard.figures import devices, rungs
from hyperpower.dashboard.figure_style import hover_text
from hyperpower.dashboard.job_table import job_table
from hyperpower.dashboard.overview import overview
from hyperpower.dashboard.source import ExperimentSnapshot
from hyperpower.jobs import Job, JobStatus
from hyperpower.settings.section import HyperPowerSettings

REPO = Path(__file__).resolve().parents[2]


def _snapshot(jobs: list[Job], **settings) -> ExperimentSnapshot:
    config = load_config(REPO / "experiments" / "spearmint_toy" / "config.json")
    config = dataclasses.replace(config, settings=HyperPowerSettings.from_section({**config.settings.to_section(), **settings}))
    return ExperimentSnapshot(name=config.name, store_uri="sqlite:////nowhere.sqlite", config=config, paths=None,
                              jobs=jobs, models={}, finished=False, read_at=time.time())


def _job(job_id: int, objective: float, **fields) -> Job:
    values = {"objective": objective, "budget_left": 0.1, **fields.pop("values", {})}
    return Job(id=job_id, experiment="spearmint_toy", status=fields.pop("status", JobStatus.COMPLETE),
               method=fields.pop("method", "rand"),
               params={"x": 0.1 * job_id, "y": 0.2}, values=values, start_time=100.0 + job_id, end_time=101.0 + job_id,
               **fields)


def test_the_rungs_figure_draws_each_rung_and_each_promotion() -> None:
    jobs = [_job(1, 1.5, rung=0, epochs=1), _job(2, 1.4, rung=0, epochs=1), _job(3, 1.6, rung=0, epochs=1),
            _job(4, 1.2, rung=1, epochs=3, parent=2, trained_epochs=2)]
    snapshot = _snapshot(jobs, scheduler="asha", min_epochs=1, max_epochs=9, eta=3)
    figure = rungs(snapshot)["figure"]
    by_name = {trace["name"]: trace for trace in figure["data"]}
    assert by_name["rung 0"]["customdata"] == [1, 2, 3] and by_name["rung 1"]["customdata"] == [4]
    assert by_name["promotion"]["x"] == [1, 3, None] and by_name["promotion"]["y"] == [1.4, 1.2, None]
    scheduler = overview(snapshot)["scheduler"]
    assert [(r["epochs"], r["jobs"], r["complete"]) for r in scheduler["rungs"]] == [(1, 3, 3), (3, 1, 1), (9, 0, 0)]
    table = job_table(jobs, snapshot.config)
    assert table["filters"]["rung"] == ["0", "1"]
    assert next(row for row in table["rows"] if row["id"] == 4)["cells"]["epochs"] == "3 (+2 on job 2)"
    assert rungs(_snapshot(jobs)) is None  # no scheduler, no rung figure


def test_the_devices_figure_has_one_trace_per_device_with_runtimes() -> None:
    jobs = [_job(1, 1.5, device="cpu", values={"runtime": 30.0}), _job(2, 1.3, device="gpu:0", values={"runtime": 4.0}),
            _job(3, 1.2, device="gpu:0", values={"runtime": 5.0}), _job(4, 1.1, device="cpu")]  # no runtime: not drawn
    snapshot = _snapshot(jobs, devices=["cpu", "gpu:0"], prices={"gpu:0": 2.5})
    traces = {trace["name"]: trace for trace in devices(snapshot)["figure"]["data"]}
    assert traces["cpu"]["x"] == [30.0] and traces["gpu:0"]["customdata"] == [2, 3]
    entries = overview(snapshot)["devices"]
    assert entries == [{"device": "cpu", "price_per_hour": None, "jobs": 2, "complete": 2},
                       {"device": "gpu:0", "price_per_hour": 2.5, "jobs": 2, "complete": 2}]
    assert job_table(jobs, snapshot.config)["filters"]["device"] == ["cpu", "gpu:0"]


def test_hover_text_escapes_store_strings_and_a_broken_job_shows_its_reason() -> None:
    broken = _job(1, float("nan"), status=JobStatus.BROKEN, method="<script>x</script>",
                  error="Traceback (most recent call last):\nValueError: <img src=y>")
    broken.params = {"<b>name</b>": "<i>v</i>"}
    text = hover_text(broken, _snapshot([broken]).config)
    assert "<script>" not in text and "&lt;script&gt;x&lt;/script&gt;" in text
    assert "&lt;b&gt;name&lt;/b&gt; = &lt;i&gt;v&lt;/i&gt;" in text and "reason: ValueError: &lt;img src=y&gt;" in text
    state = overview(_snapshot([broken]))
    assert state["progress"]["counts"]["broken"] == 1 and state["state"] == "stopped"
    json.dumps(state, allow_nan=False)  # strict JSON: no NaN leaks out of the overview


def test_the_objective_is_labelled_by_the_split_the_run_used(tmp_path: Path) -> None:
    """Issue 22.8 everywhere: a HyperPower run's error is a validation error unless the run said
    --objective-split test; a Spearmint main-file's error task claims no split."""
    import shutil

    from hyperpower.experiment import resolve_experiment
    from hyperpower.generate import GenerateOptions, build_config

    folder = tmp_path / "digits"
    shutil.copytree(REPO / "experiments" / "digits" / "keras_model", folder / "keras_model")
    labels = []
    for split in ("validation", "test"):
        config = build_config(resolve_experiment(folder), GenerateOptions(objective_split=split))
        snapshot = ExperimentSnapshot(name="digits", store_uri="sqlite:////nowhere.sqlite", config=config, paths=None,
                                      jobs=[], models={}, finished=False, read_at=time.time())
        labels.append(overview(snapshot)["objectives"][0]["label"])
    assert labels == ["validation error (fraction, 1 - accuracy)", "test error (fraction, 1 - accuracy)"]
    assert overview(_snapshot([]))["objectives"][0]["label"] == "objective"
