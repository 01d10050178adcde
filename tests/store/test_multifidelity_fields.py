"""Issue 13 point 3: rung, epochs, trained_epochs and parent round-trip in every store, and a
SQLite file written before they existed still opens (migrated), its jobs reading them as None."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hyperpower.jobs import Job, JobStatus
from hyperpower.store import sqlite_schema
from hyperpower.store.sqlite import SQLiteStore


def test_the_fields_round_trip_and_finish_sets_trained_epochs(store) -> None:
    parent = store.add_job("e", Job(id=0, experiment="e", raw_params={"x": 1}, rung=0, epochs=1))
    child = store.add_job("e", Job(id=0, experiment="e", raw_params={"x": 1}, rung=1, epochs=3, parent=parent.id))
    read = store.get_job("e", child.id)
    assert (read.rung, read.epochs, read.trained_epochs, read.parent) == (1, 3, None, parent.id)
    claimed = store.claim_job("e", "w")
    finished = store.finish_job("e", claimed.id, "w", JobStatus.COMPLETE, values={"error": 0.5}, trained_epochs=1)
    assert finished.trained_epochs == 1 and store.get_job("e", claimed.id).trained_epochs == 1
    assert store.get_job("e", claimed.id).export_dict()["trained_epochs"] == 1


def test_a_plain_job_keeps_the_fields_none(store) -> None:
    job = store.add_job("e", Job(id=0, experiment="e", raw_params={"x": 1}))
    assert (job.rung, job.epochs, job.trained_epochs, job.parent) == (None, None, None, None)


_VERSION_1_JOBS = """CREATE TABLE jobs (
    experiment TEXT NOT NULL, id INTEGER NOT NULL, status TEXT NOT NULL, method TEXT NOT NULL DEFAULT '',
    raw_params TEXT NOT NULL DEFAULT '{}', params TEXT NOT NULL DEFAULT '{}', "values" TEXT NOT NULL DEFAULT '{}',
    predicted TEXT NOT NULL DEFAULT '{}', feasible INTEGER, early_terminated INTEGER NOT NULL DEFAULT 0,
    submit_time REAL, start_time REAL, end_time REAL, worker TEXT, heartbeat_time REAL,
    attempts INTEGER NOT NULL DEFAULT 0, error TEXT, log_path TEXT, PRIMARY KEY (experiment, id))"""


def test_a_version_1_sqlite_file_is_migrated_and_its_jobs_read_as_full_fidelity(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    connection = sqlite3.connect(path)
    connection.execute(_VERSION_1_JOBS)
    connection.execute("CREATE TABLE counters (experiment TEXT PRIMARY KEY, last_job_id INTEGER NOT NULL)")
    connection.execute("INSERT INTO counters VALUES ('e', 1)")
    connection.execute("""INSERT INTO jobs (experiment, id, status, raw_params, "values")
                          VALUES ('e', 1, 'complete', '{"x": 1}', '{"error": 0.25}')""")
    connection.execute("PRAGMA user_version = 1")
    connection.commit()
    connection.close()

    with SQLiteStore(path) as store:
        old = store.get_job("e", 1)
        assert old.values == {"error": 0.25} and (old.rung, old.epochs, old.trained_epochs, old.parent) == \
            (None, None, None, None)
        new = store.add_job("e", Job(id=0, experiment="e", raw_params={"x": 1}, rung=1, epochs=3, parent=1))
        assert new.id == 2 and store.get_job("e", 2).parent == 1
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == sqlite_schema.SCHEMA_VERSION == 3
    connection.close()


def test_an_old_mongodb_job_document_reads_as_full_fidelity() -> None:
    import mongomock

    from hyperpower.store.mongo import MongoStore

    client = mongomock.MongoClient()
    store = MongoStore("mongodb://localhost/old", client=client)
    store.add_job("e", Job(id=0, experiment="e", raw_params={"x": 1}))
    jobs = client["old"]["e.jobs"] if "e.jobs" in client["old"].list_collection_names() else None
    collection = jobs if jobs is not None else next(client["old"][name] for name in client["old"].list_collection_names()
                                                    if name.endswith("jobs"))
    collection.update_one({"_id": 1}, {"$unset": {"rung": "", "epochs": "", "trained_epochs": "", "parent": ""}})
    assert "rung" not in collection.find_one({"_id": 1})
    job = store.get_job("e", 1)
    assert (job.rung, job.epochs, job.trained_epochs, job.parent) == (None, None, None, None)
