"""The embedded experiment store: one SQLite file, shared safely by the processes of one machine.

Every public method is one short transaction (``sqlite_connection``: WAL, ``BEGIN IMMEDIATE``,
retries while locked). Because a write transaction holds the write lock from its first read,
``claim_job`` reads the lowest pending id and marks it running with no other writer in between:
that makes claims atomic across processes. Job ids come from ``counters``, bumped in the same
transaction that inserts the job, so they are sequential and gap-free per experiment. Each
process opens its own ``SQLiteStore``. WAL needs a local file system (not NFS); use MongoDB to
share an experiment between machines.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from hyperpower.errors import StoreError
from hyperpower.jobs import Job, JobStatus
from hyperpower.store import codec, rules
from hyperpower.store import sqlite_schema as schema
from hyperpower.store.base import ExperimentStore
from hyperpower.store.sqlite_connection import SQLiteConnection


class StoreFileMissing(StoreError):
    """The SQLite file does not exist and the caller asked not to create it."""


class SQLiteStore(ExperimentStore):
    """``ExperimentStore`` in the SQLite file ``path`` (created when missing).

    ``lock_timeout_s``: how long a file locked by another process is waited for before
    ``StoreError``. ``create=False``: ``StoreFileMissing`` instead of creating a missing file. ``clock`` gives the times written into jobs (seconds since the epoch); tests
    inject one to make heartbeats stale without sleeping. ``read_only``: the file must exist; it is
    opened with SQLite's ``mode=ro`` and never migrated (columns an older file lacks read as NULL),
    so every write raises ``StoreError`` and the file stays byte for byte as it was (``dashboard``).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        lock_timeout_s: float = 60.0,
        clock: Callable[[], float] = time.time,
        create: bool = True,
        read_only: bool = False,
    ) -> None:
        self.path = Path(path)
        self.uri = f"sqlite:///{self.path}"
        self.lock_timeout_s = lock_timeout_s
        self._clock = clock
        if not self.path.parent.is_dir():
            raise StoreError(
                f"SQLite store {self.path}: folder {self.path.parent} does not exist "
                f"(create it or give another --store path)"
            )
        if (read_only or not create) and not self.path.is_file():
            raise StoreFileMissing(
                f"SQLite store {self.path} does not exist (no driver has created it yet, or the "
                f"--store path is wrong)"
            )
        self._database = SQLiteConnection(self.path, lock_timeout_s, read_only=read_only)
        self._transaction = self._database.transaction
        self._select_jobs = schema.SELECT_JOBS
        if read_only:
            version = self._open_read_only()
        else:
            version = self._transaction(schema.create_schema, write=True)
        if version > schema.SCHEMA_VERSION:
            raise StoreError(
                f"SQLite store {self.path} has schema version {version}, newer than this "
                f"HyperPower's {schema.SCHEMA_VERSION}; upgrade HyperPower to open it"
            )

    def _open_read_only(self) -> int:
        """Check that the file is a HyperPower store without writing to it; its schema version."""
        version, present = self._transaction(schema.read_schema, write=False)
        if not present:
            self._database.close()
            raise StoreError(f"SQLite store {self.path} holds no HyperPower jobs table: it is not a HyperPower "
                             f"store (give the --store a run wrote)")
        self._select_jobs = schema.select_jobs(present)
        return version

    def close(self) -> None:
        self._database.close()

    # -- jobs -----------------------------------------------------------------------------------
    def add_job(self, experiment: str, job: Job) -> Job:
        rules.check_experiment_name(experiment)

        def insert(connection: sqlite3.Connection) -> Job:
            connection.execute(
                "INSERT OR IGNORE INTO counters (experiment, last_job_id) VALUES (?, 0)",
                (experiment,),
            )
            connection.execute(
                "UPDATE counters SET last_job_id = last_job_id + 1 WHERE experiment = ?",
                (experiment,),
            )
            (job_id,) = connection.execute(
                "SELECT last_job_id FROM counters WHERE experiment = ?", (experiment,)
            ).fetchone()
            submit_time = self._clock() if job.submit_time is None else job.submit_time
            stored = _with(job, id=job_id, experiment=experiment, submit_time=submit_time)
            row = schema.job_row(stored)
            connection.execute(schema.INSERT_JOB, row)
            return schema.job_from_row(row)

        return self._transaction(insert, write=True)

    def claim_job(self, experiment: str, worker: str, devices: Sequence[str] | None = None) -> Job | None:
        rules.check_experiment_name(experiment)
        device_filter, device_arguments = "", []
        if devices is not None:
            marks = ", ".join("?" for _ in devices)
            device_filter = f" AND (device IS NULL OR device IN ({marks}))" if devices else " AND device IS NULL"
            device_arguments = [str(device) for device in devices]

        def claim(connection: sqlite3.Connection) -> Job | None:
            row = connection.execute(
                "SELECT id FROM jobs WHERE experiment = ? AND status = 'pending'" + device_filter +
                " ORDER BY id LIMIT 1",
                (experiment, *device_arguments),
            ).fetchone()
            if row is None:
                return None
            now = self._clock()
            connection.execute(
                "UPDATE jobs SET status = 'running', worker = ?, start_time = ?, end_time = NULL,"
                " heartbeat_time = ?, attempts = attempts + 1"
                " WHERE experiment = ? AND id = ? AND status = 'pending'",
                (worker, now, now, experiment, row[0]),
            )
            return _select_job(connection, self._select_jobs, experiment, row[0])

        return self._transaction(claim, write=True)

    def heartbeat(self, experiment: str, job_id: int, worker: str) -> bool:
        rules.check_experiment_name(experiment)
        def beat(connection: sqlite3.Connection) -> bool:
            cursor = connection.execute(
                "UPDATE jobs SET heartbeat_time = ? WHERE experiment = ? AND id = ?"
                " AND status = 'running' AND worker = ?",
                (self._clock(), experiment, job_id, worker),
            )
            return cursor.rowcount == 1

        return self._transaction(beat, write=True)

    def finish_job(
        self,
        experiment: str,
        job_id: int,
        worker: str | None,
        status: JobStatus,
        *,
        values: dict[str, float] | None = None,
        feasible: bool | None = None,
        early_terminated: bool = False,
        error: str | None = None,
        log_path: str | None = None,
        trained_epochs: int | None = None,
    ) -> Job:
        rules.check_experiment_name(experiment)
        status = rules.check_finish_status(status)

        def finish(connection: sqlite3.Connection) -> Job:
            current = _select_job(connection, self._select_jobs, experiment, job_id)
            refusal = rules.finish_refusal(
                self.uri, experiment, job_id,
                None if current is None else current.status,
                None if current is None else current.worker,
                worker,
            )
            if refusal is not None:
                raise refusal
            assert current is not None
            finished = _with(
                current,
                status=status,
                values=current.values if values is None else dict(values),
                feasible=feasible,
                early_terminated=early_terminated,
                error=error,
                log_path=current.log_path if log_path is None else log_path,
                trained_epochs=current.trained_epochs if trained_epochs is None else int(trained_epochs),
                end_time=self._clock(),
            )
            connection.execute(schema.UPDATE_JOB, schema.job_update(finished))
            return _select_job(connection, self._select_jobs, experiment, job_id)

        return self._transaction(finish, write=True)

    def release_job(self, experiment: str, job_id: int, worker: str) -> bool:
        rules.check_experiment_name(experiment)
        def release(connection: sqlite3.Connection) -> bool:
            cursor = connection.execute(
                "UPDATE jobs SET status = 'pending', worker = NULL, start_time = NULL,"
                " heartbeat_time = NULL WHERE experiment = ? AND id = ?"
                " AND status = 'running' AND worker = ?",
                (experiment, job_id, worker),
            )
            return cursor.rowcount == 1

        return self._transaction(release, write=True)

    def cancel_pending_job(self, experiment: str, job_id: int) -> bool:
        def cancel(connection: sqlite3.Connection) -> bool:
            cursor = connection.execute(
                "DELETE FROM jobs WHERE experiment = ? AND id = ? AND status = 'pending'",
                (experiment, job_id),
            )
            return cursor.rowcount == 1

        return self._transaction(cancel, write=True)

    def requeue_stale(self, experiment: str, timeout_s: float, max_attempts: int) -> list[int]:
        rules.check_experiment_name(experiment)
        rules.check_requeue_arguments(timeout_s, max_attempts)

        def requeue(connection: sqlite3.Connection) -> list[int]:
            now = self._clock()
            stale = connection.execute(
                "SELECT id, attempts FROM jobs WHERE experiment = ? AND status = 'running'"
                " AND (heartbeat_time IS NULL OR heartbeat_time < ?) ORDER BY id",
                (experiment, now - timeout_s),
            ).fetchall()
            for job_id, attempts in stale:
                if attempts < max_attempts:
                    connection.execute(
                        "UPDATE jobs SET status = 'pending', worker = NULL, start_time = NULL,"
                        " heartbeat_time = NULL WHERE experiment = ? AND id = ?",
                        (experiment, job_id),
                    )
                else:
                    connection.execute(
                        "UPDATE jobs SET status = 'broken', end_time = ?, error = ?"
                        " WHERE experiment = ? AND id = ?",
                        (now, rules.heartbeat_lost_message(attempts), experiment, job_id),
                    )
            return [job_id for job_id, _ in stale]

        return self._transaction(requeue, write=True)

    def get_job(self, experiment: str, job_id: int) -> Job | None:
        rules.check_experiment_name(experiment)
        return self._transaction(lambda c: _select_job(c, self._select_jobs, experiment, job_id), write=False)

    def list_jobs(self, experiment: str, status: JobStatus | None = None) -> list[Job]:
        rules.check_experiment_name(experiment)
        query, arguments = f"{self._select_jobs} WHERE experiment = ?", [experiment]
        if status is not None:
            query, arguments = query + " AND status = ?", arguments + [JobStatus(status).value]

        def select(connection: sqlite3.Connection) -> list[Job]:
            rows = connection.execute(query + " ORDER BY id", arguments).fetchall()
            return [schema.job_from_row(row) for row in rows]

        return self._transaction(select, write=False)

    def delete_experiment(self, experiment: str) -> None:
        rules.check_experiment_name(experiment)
        def delete(connection: sqlite3.Connection) -> None:
            for table in schema.EXPERIMENT_TABLES:
                connection.execute(f"DELETE FROM {table} WHERE experiment = ?", (experiment,))

        self._transaction(delete, write=True)

    def list_experiments(self) -> list[str]:
        query = " UNION ".join(f"SELECT experiment FROM {t}" for t in schema.CONTENT_TABLES)
        rows = self._transaction(lambda c: c.execute(query + " ORDER BY 1").fetchall(), write=False)
        return [name for (name,) in rows]

    # -- metadata, profiles, models -------------------------------------------------------------
    def set_meta(self, experiment: str, key: str, value: Any) -> None:
        rules.check_experiment_name(experiment)
        text = codec.dumps_json(value)
        self._transaction(
            lambda c: c.execute(
                "INSERT OR REPLACE INTO meta (experiment, key, value) VALUES (?, ?, ?)",
                (experiment, key, text),
            ),
            write=True,
        )

    def get_meta(self, experiment: str, key: str, default: Any = None) -> Any:
        rules.check_experiment_name(experiment)
        row = self._transaction(
            lambda c: c.execute(
                "SELECT value FROM meta WHERE experiment = ? AND key = ?", (experiment, key)
            ).fetchone(),
            write=False,
        )
        return default if row is None else codec.loads_json(row[0])

    def list_meta(self, experiment: str, prefix: str = "") -> dict[str, Any]:
        rules.check_experiment_name(experiment)
        rows = self._transaction(
            lambda c: c.execute(
                "SELECT key, value FROM meta WHERE experiment = ? AND substr(key, 1, ?) = ? ORDER BY key",
                (experiment, len(prefix), prefix),
            ).fetchall(),
            write=False,
        )
        return {key: codec.loads_json(value) for key, value in rows}

    def add_profile_samples(self, experiment: str, samples: list[dict[str, Any]]) -> None:
        rules.check_experiment_name(experiment)
        rows = [(experiment, codec.dumps_json(_sample_dict(sample))) for sample in samples]
        self._transaction(
            lambda c: c.executemany(
                "INSERT INTO profiles (experiment, sample) VALUES (?, ?)", rows
            ),
            write=True,
        )

    def list_profile_samples(self, experiment: str) -> list[dict[str, Any]]:
        rules.check_experiment_name(experiment)
        rows = self._transaction(
            lambda c: c.execute(
                "SELECT sample FROM profiles WHERE experiment = ? ORDER BY sequence", (experiment,)
            ).fetchall(),
            write=False,
        )
        return [codec.loads_json(text) for (text,) in rows]

    def save_model(self, experiment: str, metric: str, model: dict[str, Any]) -> None:
        rules.check_experiment_name(experiment)
        text = codec.dumps_json(model)
        self._transaction(
            lambda c: c.execute(
                "INSERT OR REPLACE INTO models (experiment, metric, model) VALUES (?, ?, ?)",
                (experiment, metric, text),
            ),
            write=True,
        )

    def load_models(self, experiment: str) -> dict[str, dict[str, Any]]:
        rules.check_experiment_name(experiment)
        rows = self._transaction(
            lambda c: c.execute(
                "SELECT metric, model FROM models WHERE experiment = ? ORDER BY metric",
                (experiment,),
            ).fetchall(),
            write=False,
        )
        return {metric: codec.loads_json(text) for metric, text in rows}


def _select_job(connection: sqlite3.Connection, select: str, experiment: str, job_id: int) -> Job | None:
    row = connection.execute(
        f"{select} WHERE experiment = ? AND id = ?", (experiment, job_id)
    ).fetchone()
    return None if row is None else schema.job_from_row(row)


def _with(job: Job, **changes: Any) -> Job:
    """A copy of ``job`` with ``changes`` (dataclasses.replace, named for readability)."""
    return dataclasses.replace(job, **changes)


def _sample_dict(sample: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(sample, dict):
        raise TypeError(f"a profiling sample must be a dict, not {type(sample).__name__}")
    return sample
