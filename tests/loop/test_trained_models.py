"""Trained models kept in EXP/output (``--keep-models best|all|none``): pruning, and a real run whose
best job's saved model reproduces the errors it reported."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from hyperpower.config import ExperimentConfig, Task
from hyperpower.settings.section import HyperPowerSettings
from hyperpower.experiment import ExperimentPaths
from hyperpower.jobs import Job, JobStatus
from hyperpower.loop.trained_models import prune_trained_models, trained_model_file
from hyperpower.store import open_store

EXPERIMENT = "tiny"


def finish(store, status: JobStatus, error: float | None = None, feasible: bool | None = True) -> int:
    """Add a job and drive it to ``status`` through the store's claim/finish path; returns its id."""
    job = store.add_job(EXPERIMENT, Job(id=0, experiment=EXPERIMENT))
    if status is JobStatus.PENDING:
        return job.id
    store.claim_job(EXPERIMENT, "w")
    if status is not JobStatus.RUNNING:
        store.finish_job(EXPERIMENT, job.id, "w", status, values={} if error is None else {"error": error},
                         feasible=feasible if status is JobStatus.COMPLETE else None)
    return job.id


@pytest.fixture
def experiment(tmp_path: Path):
    """Jobs 1 (error 0.3), 2 (0.1, the best), 3 (0.05 but over a budget), 4 broken, 5 running; each
    with a model file, as the job processes leave them."""
    paths = ExperimentPaths(tmp_path / EXPERIMENT, "hyperpower")
    paths.output_dir.mkdir(parents=True)
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    finish(store, JobStatus.COMPLETE, 0.3)
    finish(store, JobStatus.COMPLETE, 0.1)
    finish(store, JobStatus.COMPLETE, 0.05, feasible=False)
    finish(store, JobStatus.BROKEN)
    finish(store, JobStatus.RUNNING)
    for job_id in range(1, 6):
        paths.job_model(job_id).write_bytes(b"model")
    yield store, paths
    store.close()


def config(keep_models: str) -> ExperimentConfig:
    return ExperimentConfig(name=EXPERIMENT, space=None, tasks={"error": Task("error")},
                            settings=HyperPowerSettings.from_section({"keep_models": keep_models}))


def kept(paths: ExperimentPaths) -> list[int]:
    return sorted(int(path.stem.split("_")[1]) for path in paths.output_dir.glob("job_*.keras"))


@pytest.mark.parametrize("keep_models, expected", [
    ("best", [2, 5]),        # the best feasible job, and the running one (not decided yet)
    ("all", [1, 2, 3, 5]),   # every complete job; the broken one's model is not worth loading
    ("none", [5]),
])
def test_pruning_keeps_what_the_policy_says_and_never_a_running_jobs_model(experiment, keep_models, expected):
    store, paths = experiment
    deleted = prune_trained_models(store, paths, config(keep_models))
    assert kept(paths) == expected
    assert sorted(deleted) == sorted(paths.job_model(i) for i in range(1, 6) if i not in expected)
    assert prune_trained_models(store, paths, config(keep_models)) == []  # nothing left to prune


def test_a_better_job_supersedes_the_best_and_its_model_is_then_pruned(experiment):
    store, paths = experiment
    prune_trained_models(store, paths, config("best"))
    store.finish_job(EXPERIMENT, 5, "w", JobStatus.COMPLETE, values={"error": 0.01}, feasible=True)
    prune_trained_models(store, paths, config("best"))
    assert kept(paths) == [5]


class StaleStore:
    """The store as a worker read it just before another worker's job finished."""

    def __init__(self, jobs: list[Job]) -> None:
        self.jobs = jobs

    def list_jobs(self, experiment: str) -> list[Job]:
        return self.jobs


@pytest.mark.parametrize("stale_first", [True, False])
def test_two_jobs_finishing_at_once_never_delete_the_current_best(experiment, stale_first):
    """Worker A finished job 6 (error 0.08, best when A read the store); worker B finished job 5
    (error 0.01) at the same moment. In either order of their pruning, the best's file stays."""
    store, paths = experiment
    job6 = finish(store, JobStatus.RUNNING)
    paths.job_model(job6).write_bytes(b"model")
    store.finish_job(EXPERIMENT, job6, "w", JobStatus.COMPLETE, values={"error": 0.08}, feasible=True)
    snapshot_of_a = store.list_jobs(EXPERIMENT)  # job 5 still running here
    store.finish_job(EXPERIMENT, 5, "w", JobStatus.COMPLETE, values={"error": 0.01}, feasible=True)
    prunings = [lambda: prune_trained_models(StaleStore(snapshot_of_a), paths, config("best")),
                lambda: prune_trained_models(store, paths, config("best"))]
    for prune in (prunings if stale_first else reversed(prunings)):
        prune()
        assert paths.job_model(5).is_file(), "the current best's model was deleted"
    assert kept(paths) == [5]


def test_trained_model_file_is_none_for_a_pruned_model_or_an_unfinished_job(experiment):
    store, paths = experiment
    jobs = {job.id: job for job in store.list_jobs(EXPERIMENT)}
    assert trained_model_file(paths, jobs[2]) == paths.job_model(2)
    assert trained_model_file(paths, jobs[5]) is None  # running: its file may still change
    paths.job_model(2).unlink()
    assert trained_model_file(paths, jobs[2]) is None


TEMPLATE = textwrap.dedent('''
    import keras
    import numpy as np

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, 200)
    inputs = rng.normal(size=(200, 6)).astype("float32")
    inputs[np.arange(200), labels] += 3.0
    x_train, y_train, x_test, y_test = inputs[:150], labels[:150], inputs[150:], labels[150:]
    model = keras.Sequential([
        keras.Input((6,)),
        keras.layers.Dense(HYPERPARAM{"type": "INT", "token": "units", "min": 4, "max": 32, "structural": true},
                           activation="relu"),
        keras.layers.Dense(4, activation="softmax"),
    ])
    model.compile(
        optimizer=keras.optimizers.SGD(
            learning_rate=HYPERPARAM{"type": "FLOAT", "token": "learning_rate",
                                     "min": 0.001, "max": 0.3, "scale": "log"},
            momentum=0.9),
        loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    batch_size = 16
    epochs = 10
''')


@pytest.mark.slow
def test_the_best_jobs_model_survives_the_run_and_reproduces_its_errors(tmp_path: Path, run_cli) -> None:
    import keras

    from hyperpower.network import load_network
    from hyperpower.splits import job_splits
    from hyperpower.training import accuracy_of

    folder = tmp_path / "tiny"
    (folder / "keras_model").mkdir(parents=True)
    (folder / "keras_model" / "network_def.py").write_text(TEMPLATE)
    run_cli("run", str(folder), "--method", "rand", "--epochs", "2", "--max-evals", "3", "--seed", "0",
            timeout=600)
    best = json.loads(run_cli("best", str(folder), "--json").stdout)
    model_path = folder / "output" / f"job_{best['id']:05d}.keras"
    assert best["trained_model"] == str(model_path)
    assert sorted(path.name for path in (folder / "output").glob("*.keras")) == [model_path.name]
    network = load_network(best["network_file"])
    assert network.epochs == 2, "the network file states the epochs the job trained, not the template's 10"

    model = keras.saving.load_model(model_path)
    splits = job_splits(network)  # the validation split, carved again by the same rule
    error = 1.0 - accuracy_of(model, *splits.selection, batch_size=16)
    test_error = 1.0 - accuracy_of(model, *splits.test, batch_size=16)
    assert (error, test_error) == pytest.approx((best["values"]["error"], best["test_error"]), abs=1e-12)

    exported = json.loads(run_cli("export", str(folder)).stdout)
    assert [row["trained_model"] is not None for row in exported] == [row["id"] == best["id"] for row in exported]
    assert all(0.0 <= row["test_error"] <= 1.0 for row in exported)
