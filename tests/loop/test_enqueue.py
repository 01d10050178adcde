"""``hyperpower enqueue`` (issue 23 point 3): a user's known configurations run before any
suggestion, the optimizer learns from them, bad ones are refused with the folder and store as they
were, predicted budget violators need --force; SQLite, mongomock, and --queue-only drivers with
workers."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from hyperpower.jobs import ENQUEUED_METHOD, JobStatus
from hyperpower.store import open_store

REPO = Path(__file__).resolve().parents[2]
KNOWN_GOOD = {"x": 0.5, "y": 0.1}  # feasible, near the toy's constrained optimum (experiments/spearmint_toy/toy.py)


def _store(folder: Path) -> str:
    return f"sqlite:///{folder / 'hyperpower.sqlite'}"


def _jobs(folder: Path):
    with open_store(_store(folder)) as store:
        return store.list_jobs("spearmint_toy")


def _set_hyperpower(folder: Path, **settings) -> None:
    config = json.loads((folder / "config.json").read_text())
    config["hyperpower"] = {**config.get("hyperpower", {}), **settings}
    (folder / "config.json").write_text(json.dumps(config))


def test_queued_configurations_run_first_with_queue_only_driver_and_worker_and_the_optimizer_learns(
        toy_experiment, run_cli, tmp_path) -> None:
    """Rand-Walk steps around the best measured-feasible job: the queued optimum, so the first
    suggestion after the queue lies near it (σ0 = 0.05: within 0.25 but for a 6σ draw)."""
    _set_hyperpower(toy_experiment, initial_design=2, sigma0=0.05)
    configurations = tmp_path / "known.json"
    configurations.write_text(json.dumps([KNOWN_GOOD, {"x": 0.9, "y": 0.9}]))
    queued = run_cli("enqueue", str(toy_experiment), "--file", str(configurations))
    assert "queued job 1: x=0.5, y=0.1" in queued.stdout and "queued job 2: x=0.9, y=0.9" in queued.stdout
    assert "runs them first, before any suggestion" in queued.stdout
    driver = subprocess.Popen([sys.executable, "-m", "hyperpower", "run", str(toy_experiment), "--queue-only",
                               "--method", "rand-walk", "--max-evals", "3", "--seed", "1"],
                              cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        worker = run_cli("worker", "--store", _store(toy_experiment), "--experiment", "spearmint_toy",
                         "--max-jobs", "3", "--poll-interval", "0.2", timeout=120)
        output, _ = driver.communicate(timeout=120)
    finally:
        driver.kill()
    assert driver.returncode == 0, output
    assert worker.returncode == 0, worker.stdout
    jobs = _jobs(toy_experiment)
    assert [job.method for job in jobs] == [ENQUEUED_METHOD, ENQUEUED_METHOD, "rand-walk"], jobs
    assert [job.raw_params for job in jobs[:2]] == [KNOWN_GOOD, {"x": 0.9, "y": 0.9}]
    assert all(job.status is JobStatus.COMPLETE for job in jobs)
    assert jobs[0].start_time < jobs[1].start_time < jobs[2].start_time, "the queued configurations ran first"
    assert jobs[0].feasible is True and jobs[1].feasible is False  # x + y = 1.8 breaks x + y <= 0.7
    step = math.dist((jobs[2].raw_params["x"], jobs[2].raw_params["y"]), (0.5, 0.1))
    assert step < 0.25, f"rand-walk centred its step on the queued feasible job: {jobs[2].raw_params}"


def _main(capsys, *arguments: str) -> tuple[int, str, str]:
    """``hyperpower ARGUMENTS`` in this process: exit status, stdout and stderr."""
    from hyperpower import cli

    capsys.readouterr()
    status = cli.main(list(arguments))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_bad_configurations_are_refused_naming_them_and_nothing_changes(toy_experiment, run_cli, tmp_path,
                                                                        capsys) -> None:
    assert run_cli("enqueue", str(toy_experiment), "x=0.2", "y=0.3").returncode == 0
    store = toy_experiment / "hyperpower.sqlite"
    before_store, before_files = store.read_bytes(), sorted(p.name for p in toy_experiment.iterdir())
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("x,y\n0.1,0.2\n0.3,7\n")
    cases = [
        (["x=1.5", "y=0.1"], "enqueue: x=1.5: outside x's values: a number in 0..1"),
        (["x=0.1"], "enqueue: no value for y; a queued configuration gives every variable (x, y)"),
        (["x=0.2", "y=0.3"], "is the configuration of job 1 (pending) already; nothing was queued"),
        (["--file", str(bad_csv)], f"{bad_csv} line 3: y=7: outside y's values"),
        ([], "give one configuration as NAME=VALUE words or a file of them with --file"),
    ]
    for arguments, message in cases:  # in this process: the same CLI, without a Python start per case
        status, _, error = _main(capsys, "enqueue", str(toy_experiment), *arguments)
        assert status == 2 and message in error and error.count("\n") == 1, (arguments, error)
    assert store.read_bytes() == before_store, "a refusal left the store as it was (the valid CSV row too)"
    assert sorted(p.name for p in toy_experiment.iterdir()) == before_files
    assert len(_jobs(toy_experiment)) == 1


def test_export_records_are_queued_again_and_a_time_limit_keeps_them(toy_experiment, run_cli, tmp_path) -> None:
    """``export``'s own JSON names configurations (its params); a queue-only run stopped by
    --max-time deletes the suggestions it queued but keeps what the user queued."""
    other = tmp_path / "exported.json"
    other.write_text(json.dumps([{"id": 4, "status": "complete", "params": {"x": 0.3, "y": 0.1}, "values": {}}]))
    assert run_cli("enqueue", str(toy_experiment), "--file", str(other)).returncode == 0
    result = run_cli("run", str(toy_experiment), "--queue-only", "--workers", "3", "--max-time", "2s",
                     "--method", "rand", "--max-evals", "5", "--heartbeat-timeout", "30")
    assert "2 queued job(s) no worker finished were cancelled" in result.stdout, result.stdout
    jobs = _jobs(toy_experiment)
    assert [(job.method, job.status, job.raw_params) for job in jobs] == \
        [(ENQUEUED_METHOD, JobStatus.PENDING, {"x": 0.3, "y": 0.1})]


TEMPLATE = '''import keras
import numpy as np
x_train = np.zeros((8, 4), dtype="float32"); y_train = np.zeros(8, dtype="int64")
x_test, y_test = x_train, y_train
units = HYPERPARAM{"type": "INT", "token": "units", "min": 1, "max": 16, "transform": "X64", "structural": true}
learning_rate = HYPERPARAM{"type": "INT", "token": "learning_rate", "min": 1, "max": 4, "transform": "NEGEXP10", "structural": false}
decay = HYPERPARAM{"type": "FLOAT", "token": "decay", "min": 0.0001, "max": 0.01, "scale": "log", "structural": false}
activation = HYPERPARAM{"type": "ENUM", "token": "activation", "options": ["relu", "tanh"], "structural": false}
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, activation=activation),
                          keras.layers.Dense(2, activation="softmax")])
model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="sparse_categorical_crossentropy")
'''


@pytest.fixture
def modelled_experiment(tmp_path: Path, run_cli) -> Path:
    """A template with transforms, a log-scale and an ENUM variable, a memory model (100 MB + 0.05
    MB per unit) and a memory budget of 150 MB: units above 1000 are predicted to break it."""
    from hyperpower.hardware.provenance import template_provenance
    from hyperpower.template import parse_template

    folder = tmp_path / "modelled"
    (folder / "keras_model").mkdir(parents=True)
    (folder / "keras_model" / "network_def.py").write_text(TEMPLATE)
    template = parse_template(folder / "keras_model" / "network_def.py")
    (folder / "models").mkdir()
    (folder / "models" / "memory.json").write_text(json.dumps(
        {"metric": "memory", "unit": "MB", "features": ["units"], "coef": [0.05], "intercept": 100.0,
         "cv_rmspe": 0.02, **template_provenance(template.space, ["units"])}))
    run_cli("generate", str(folder), "--budget", "memory=150MB")
    return folder


def test_values_are_network_values_and_a_predicted_violator_needs_force(modelled_experiment, run_cli, capsys) -> None:
    folder = modelled_experiment
    uri = f"sqlite:///{folder / 'hyperpower.sqlite'}"
    given = ["learning_rate=0.001", "decay=0.010000000000000004", "activation=tanh"]
    status, _, error = _main(capsys, "enqueue", str(folder), "units=1024", *given)
    assert status == 2 and "predicted to break a budget" in error and \
        "memory 151.2 MB predicted > budget 150 MB" in error and "give --force" in error, error
    assert not (folder / "hyperpower.sqlite").exists(), "a refused enqueue creates no store"
    status, _, error = _main(capsys, "enqueue", str(folder), "units=100", *given)
    assert status == 2 and "units=100: outside units's values: X64 of an integer in 1..16, 64..1024" in error, error
    fits = run_cli("enqueue", str(folder), "units=192", *given)
    assert "memory 109.6 MB predicted <= budget 150 MB" in fits.stdout, fits.stdout
    status, forced, _ = _main(capsys, "enqueue", str(folder), "units=1024", *given, "--force")
    assert status == 0 and "queued job 2" in forced and "(queued with --force)" in forced, forced
    with open_store(uri) as store:
        first, second = store.list_jobs("modelled")
    assert first.raw_params == {"units": 3, "learning_rate": 3, "decay": 0.01, "activation": "tanh"}
    assert first.params == {"units": 192, "learning_rate": 0.001, "decay": 0.01, "activation": "tanh"}
    assert first.predicted == pytest.approx({"memory": 109.6}) and second.predicted == pytest.approx({"memory": 151.2})
    status, output, _ = _main(capsys, "export", str(folder), "--format", "json")
    assert status == 0
    exported = json.loads(output)
    assert exported[0]["params"] == first.params, "enqueue takes the values export shows"


@pytest.mark.e2e
def test_mongodb_store_through_the_cli(toy_experiment, monkeypatch, capsys) -> None:
    """The CLI in this process, its MongoDB client a mongomock one (no server here): enqueue, then
    a run whose first job is the queued configuration."""
    import mongomock

    from hyperpower import cli
    from hyperpower.store.mongo import MongoStore

    client = mongomock.MongoClient()
    monkeypatch.setattr("hyperpower.store.mongo.make_client", lambda uri, timeout_s: client)
    uri = "mongodb://localhost/enqueue_test"
    assert cli.main(["enqueue", str(toy_experiment), "x=0.5", "y=0.1", "--store", uri]) == 0
    status, _, error = _main(capsys, "enqueue", str(toy_experiment), "x=0.5", "y=0.1", "--store", uri)
    assert status == 2 and "is the configuration of job 1 (pending) already" in error
    assert cli.main(["run", str(toy_experiment), "--store", uri, "--max-evals", "2", "--method", "rand",
                     "--seed", "0"]) == 0
    jobs = MongoStore(uri, client=client).list_jobs("spearmint_toy")
    assert [job.method for job in jobs] == [ENQUEUED_METHOD, "rand"]
    assert jobs[0].raw_params == KNOWN_GOOD and jobs[0].values["objective"] == pytest.approx(1.02)


def test_under_a_scheduler_a_queued_configuration_starts_at_the_first_rung_and_is_promoted() -> None:
    """ASHA treats it as one of its own new configurations: rung 0, first-rung epochs, and the top
    1/eta of rung 0 (here the queued one, best of three) continues one rung up."""
    from hyperpower.config import config_from_json
    from hyperpower.configurations import GivenConfiguration
    from hyperpower.loop.enqueue import plan_enqueue
    from hyperpower.schedule.scheduler import Scheduler

    config = config_from_json({
        "experiment-name": "asha", "variables": {"x": {"type": "FLOAT", "min": 0.0, "max": 1.0}},
        "tasks": {"objective": {"type": "OBJECTIVE"}},
        "hyperpower": {"scheduler": "asha", "min_epochs": 1, "max_epochs": 9, "eta": 3}})
    [planned] = plan_enqueue(config, {}, [], [GivenConfiguration({"x": 0.5}, "enqueue")])
    assert (planned.job.rung, planned.job.epochs, planned.job.method) == (0, 1, ENQUEUED_METHOD)
    finished = [dataclasses.replace(planned.job, id=1, status=JobStatus.COMPLETE, values={"objective": 0.1})]
    finished += [dataclasses.replace(planned.job, id=index, status=JobStatus.COMPLETE, method="asha",
                                     raw_params={"x": x}, params={"x": x}, values={"objective": 1.0 + x})
                 for index, x in ((2, 0.2), (3, 0.9))]
    [promotion] = Scheduler(config, optimizer=None).next_jobs(finished, 1)
    assert (promotion.parent, promotion.rung, promotion.epochs, promotion.method) == (1, 1, 3, ENQUEUED_METHOD)
