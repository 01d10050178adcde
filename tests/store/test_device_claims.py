"""The device claim filter (issue 14): a worker claims only jobs of the devices it serves, a job
with no device runs anywhere, in every backend (SQLite, mongomock, MongoDB when configured)."""

from __future__ import annotations

import sqlite3

from hyperpower.jobs import Job, JobStatus
from hyperpower.store.base import ExperimentStore


def _add(store: ExperimentStore, device: str | None) -> int:
    return store.add_job("alpha", Job(id=0, experiment="alpha", device=device)).id


def test_workers_claim_only_jobs_of_their_devices(store: ExperimentStore) -> None:
    gpu, cpu, anywhere, gpu1 = _add(store, "gpu:0"), _add(store, "cpu"), _add(store, None), _add(store, "gpu:1")
    claimed = store.claim_job("alpha", "cpu-worker", ["cpu"])
    assert (claimed.id, claimed.device, claimed.status) == (cpu, "cpu", JobStatus.RUNNING)
    assert store.claim_job("alpha", "cpu-worker", ["cpu"]).id == anywhere, "a job without a device runs anywhere"
    assert store.claim_job("alpha", "cpu-worker", ["cpu"]) is None, "gpu jobs wait for a gpu worker"
    assert store.claim_job("alpha", "gpu-worker", ["gpu:1", "gpu:0"]).id == gpu
    assert store.claim_job("alpha", "any", None).id == gpu1, "a worker without a device list takes any job"
    assert store.get_job("alpha", gpu).device == "gpu:0"


def test_device_round_trips_and_an_empty_list_serves_only_device_free_jobs(store: ExperimentStore) -> None:
    _add(store, "gpu:0")
    assert store.claim_job("alpha", "w", []) is None
    free = _add(store, None)
    assert store.claim_job("alpha", "w", []).id == free


def test_an_older_sqlite_file_gains_the_device_column(tmp_path) -> None:
    from hyperpower.store.sqlite import SQLiteStore

    path = tmp_path / "old.sqlite"
    with SQLiteStore(path) as store:
        _add(store, None)
    connection = sqlite3.connect(path)  # make it look like a file of the HyperPower before issue 14
    connection.execute("ALTER TABLE jobs DROP COLUMN device")
    connection.commit()
    connection.close()
    with SQLiteStore(path) as store:
        assert store.get_job("alpha", 1).device is None
        assert store.claim_job("alpha", "w", ["cpu"]).id == 1
        assert store.get_job("alpha", _add(store, "cpu")).device == "cpu"
