"""``open_store(uri, read_only=True)``: what views such as ``hyperpower dashboard`` read through.
It reads what a run wrote, refuses every write with one StoreError, and leaves the SQLite file
byte for byte as it was; a MongoDB reader creates no index."""

from __future__ import annotations

import hashlib
import math
import sqlite3
from pathlib import Path

import pytest

from hyperpower.errors import StoreError
from hyperpower.jobs import Job, JobStatus
from hyperpower.store import open_store
from hyperpower.store.read_only import ReadOnlyStore
from hyperpower.store.sqlite import StoreFileMissing

WRITES = [
    ("add_job", ("e", Job(id=0, experiment="e"))),
    ("claim_job", ("e", "w")),
    ("heartbeat", ("e", 1, "w")),
    ("finish_job", ("e", 1, None, JobStatus.COMPLETE)),
    ("release_job", ("e", 1, "w")),
    ("cancel_pending_job", ("e", 1)),
    ("requeue_stale", ("e", 1.0, 3)),
    ("delete_experiment", ("e",)),
    ("set_meta", ("e", "k", 1)),
    ("add_profile_samples", ("e", [{"params": {}}])),
    ("save_model", ("e", "memory", {"metric": "memory"})),
]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def written(tmp_path: Path) -> Path:
    path = tmp_path / "store.sqlite"
    with open_store(f"sqlite:///{path}") as store:
        job = store.add_job("e", Job(id=0, experiment="e", params={"x": 1}))
        store.claim_job("e", "w")
        store.finish_job("e", job.id, "w", JobStatus.COMPLETE, values={"error": 0.25, "memory": math.nan})
        store.add_job("e", Job(id=0, experiment="e"))
        store.set_meta("e", "config", {"a": 1})
        store.save_model("e", "memory", {"metric": "memory", "coef": [1.0]})
    return path


def test_a_read_only_sqlite_store_reads_everything_a_run_wrote(written: Path) -> None:
    with open_store(f"sqlite:///{written}", read_only=True) as store:
        assert isinstance(store, ReadOnlyStore)
        jobs = store.list_jobs("e")
        assert [job.status for job in jobs] == [JobStatus.COMPLETE, JobStatus.PENDING]
        assert jobs[0].values["error"] == 0.25 and math.isnan(jobs[0].values["memory"])
        assert store.get_job("e", 2).status is JobStatus.PENDING
        assert store.list_experiments() == ["e"] and store.get_meta("e", "config") == {"a": 1}
        assert store.list_meta("e") == {"config": {"a": 1}}
        assert store.load_models("e")["memory"]["coef"] == [1.0]
        assert store.list_profile_samples("e") == []


@pytest.mark.parametrize("method, arguments", WRITES, ids=[name for name, _ in WRITES])
def test_every_write_is_refused_and_the_file_is_unchanged(written: Path, method: str, arguments: tuple) -> None:
    before, stamp = _digest(written), written.stat().st_mtime_ns
    with open_store(f"sqlite:///{written}", read_only=True) as store:
        with pytest.raises(StoreError, match=f"open read-only: {method} would change it"):
            getattr(store, method)(*arguments)
        store.list_jobs("e")
    assert _digest(written) == before and written.stat().st_mtime_ns == stamp


def test_sqlite_itself_refuses_writes_below_the_wrapper(written: Path) -> None:
    """The backend is opened mode=ro: even a write that bypassed the wrapper could not land."""
    before = _digest(written)
    with open_store(f"sqlite:///{written}", read_only=True) as store:
        with pytest.raises(StoreError, match="readonly database"):
            store.backend.set_meta("e", "k", 1)
    assert _digest(written) == before


def test_a_missing_file_is_refused_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "none.sqlite"
    with pytest.raises(StoreFileMissing, match="does not exist"):
        open_store(f"sqlite:///{path}", read_only=True)
    assert not path.exists()


def test_a_sqlite_file_of_another_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    before = _digest(path)
    with pytest.raises(StoreError, match="not a HyperPower store"):
        open_store(f"sqlite:///{path}", read_only=True)
    assert _digest(path) == before


def test_an_older_file_without_the_later_columns_reads_them_as_null(written: Path) -> None:
    """A read-only reader cannot migrate: the columns of schema versions 2 and 3 read as NULL."""
    with sqlite3.connect(written) as connection:
        for column in ("rung", "epochs", "trained_epochs", "parent", "device"):
            connection.execute(f'ALTER TABLE jobs DROP COLUMN "{column}"')
        connection.execute("PRAGMA user_version = 1")
    before = _digest(written)
    with open_store(f"sqlite:///{written}", read_only=True) as store:
        jobs = store.list_jobs("e")
        assert [job.rung for job in jobs] == [None, None] and jobs[0].device is None
        assert store.get_job("e", 1).values["error"] == 0.25
    assert _digest(written) == before


def test_a_read_only_mongo_store_creates_no_index() -> None:
    import mongomock

    from hyperpower.store.mongo import MongoStore

    client = mongomock.MongoClient()
    with MongoStore("mongodb://localhost/db", client=client) as writer:
        writer.add_job("e", Job(id=0, experiment="e"))
    client["db"]["e.jobs"].drop_indexes()
    reader = ReadOnlyStore(MongoStore("mongodb://localhost/db", client=client, read_only=True))
    assert [job.id for job in reader.list_jobs("e")] == [1]
    assert list(client["db"]["e.jobs"].index_information()) == ["_id_"]
    with pytest.raises(StoreError, match="read-only"):
        reader.set_meta("e", "k", 1)
    assert client["db"]["e.meta"].count_documents({}) == 0
