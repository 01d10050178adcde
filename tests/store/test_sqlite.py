"""SQLite-only behaviour: waiting on and giving up on a locked file, a schema a person can read."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from hyperpower.errors import StoreError
from hyperpower.jobs import Job, JobStatus
from hyperpower.store.sqlite import SQLiteStore


def _job(**fields) -> Job:
    return Job(id=0, experiment="", **fields)


def _blocker(path, mode: str) -> sqlite3.Connection:
    """Another connection holding a write transaction (``mode``: IMMEDIATE or EXCLUSIVE)."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute(f"BEGIN {mode}")
    return connection


def test_locked_store_raises_store_error_naming_the_file(tmp_path) -> None:
    path = tmp_path / "locked.sqlite"
    store = SQLiteStore(path, lock_timeout_s=0.3)
    blocker = _blocker(path, "EXCLUSIVE")
    started = time.monotonic()
    with pytest.raises(StoreError) as raised:
        store.add_job("alpha", _job())
    waited = time.monotonic() - started
    blocker.execute("ROLLBACK")
    assert str(path) in str(raised.value) and "locked" in str(raised.value)
    assert 0.3 <= waited < 3.0
    assert store.add_job("alpha", _job()).id == 1  # the failed attempt used no id


def test_transient_lock_is_waited_out(tmp_path) -> None:
    path = tmp_path / "busy.sqlite"
    store = SQLiteStore(path, lock_timeout_s=10.0)
    store.add_job("alpha", _job())
    blocker = _blocker(path, "IMMEDIATE")
    release = threading.Timer(0.4, lambda: blocker.execute("COMMIT"))
    release.start()
    started = time.monotonic()
    claimed = store.claim_job("alpha", "w1")
    release.join()
    assert claimed is not None and claimed.id == 1
    assert time.monotonic() - started >= 0.3


def test_readers_are_not_blocked_by_a_writer(tmp_path) -> None:
    """WAL mode: status/report commands read while a worker holds the write lock."""
    path = tmp_path / "wal.sqlite"
    store = SQLiteStore(path, lock_timeout_s=0.2)
    store.add_job("alpha", _job(raw_params={"a": 1}))
    blocker = _blocker(path, "IMMEDIATE")
    try:
        assert store.get_job("alpha", 1).raw_params == {"a": 1}
        assert [job.id for job in store.list_jobs("alpha")] == [1]
    finally:
        blocker.execute("ROLLBACK")
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_schema_reads_well_in_the_sqlite_shell(tmp_path) -> None:
    path = tmp_path / "readable.sqlite"
    store = SQLiteStore(path, clock=lambda: 1_700_000_000.0)
    store.add_job("alpha", _job(params={"conv1_num_output": 48}, values={"error": float("nan")}))
    store.claim_job("alpha", "host:7")
    store.finish_job("alpha", 1, "host:7", JobStatus.COMPLETE, values={"error": 0.25})
    store.set_meta("alpha", "finished", True)
    connection = sqlite3.connect(path)
    row = connection.execute(
        "SELECT status, worker, json_extract(params, '$.conv1_num_output'),"
        " json_extract(\"values\", '$.error') FROM jobs WHERE experiment = 'alpha' AND id = 1"
    ).fetchone()
    assert row == ("complete", "host:7", 48, 0.25)
    assert connection.execute("SELECT submitted_utc, duration_s FROM job_times").fetchone() == (
        "2023-11-14 22:13:20", 0.0)
    assert connection.execute("SELECT value FROM meta").fetchone() == ("true",)


def test_nan_metric_is_standard_json_null_in_the_file(tmp_path) -> None:
    path = tmp_path / "nan.sqlite"
    SQLiteStore(path).add_job("alpha", _job(values={"error": float("nan"), "power": float("inf")}))
    text = sqlite3.connect(path).execute('SELECT "values" FROM jobs').fetchone()[0]
    assert text == '{"error":null,"power":"Infinity"}'


def test_missing_folder_is_a_store_error(tmp_path) -> None:
    path = tmp_path / "no" / "such" / "folder" / "store.sqlite"
    with pytest.raises(StoreError, match="folder .*folder does not exist"):
        SQLiteStore(path)


def test_file_that_is_not_a_database_is_a_store_error(tmp_path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(StoreError, match=str(path)):
        SQLiteStore(path)


def test_newer_schema_version_is_refused(tmp_path) -> None:
    path = tmp_path / "future.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA user_version = 99")
    connection.close()
    with pytest.raises(StoreError, match="schema version 99"):
        SQLiteStore(path)


def test_store_can_be_shared_with_a_heartbeat_thread(tmp_path) -> None:
    store = SQLiteStore(tmp_path / "threads.sqlite")
    store.add_job("alpha", _job())
    store.claim_job("alpha", "w1")
    results: list[bool] = []

    def beat() -> None:
        for _ in range(20):
            results.append(store.heartbeat("alpha", 1, "w1"))

    thread = threading.Thread(target=beat)
    thread.start()
    for _ in range(20):
        store.get_job("alpha", 1)
    thread.join()
    assert results == [True] * 20


def test_uri_names_the_file(tmp_path) -> None:
    store = SQLiteStore(tmp_path / "a.sqlite")
    assert store.uri == f"sqlite:///{tmp_path / 'a.sqlite'}"
    assert store.uri.startswith("sqlite:////")
