"""The SQLite store's tables, and the conversion between a ``jobs`` row and a ``Job``.

The schema is meant to be read with the ``sqlite3`` shell: one row per job with the status as
text, dict fields as JSON text (``json_extract(params, '$.conv1_num_output')`` works), times as
seconds since the epoch (the ``job_times`` view shows them as UTC dates), and one table each for
metadata, profiling samples and fitted models. ``counters`` hands out job ids inside the same
transaction that inserts the job, so ids are sequential per experiment even across processes.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from hyperpower.jobs import Job
from hyperpower.store import codec

SCHEMA_VERSION = 3
#: columns added after version 1 (2: multi-fidelity, issue 13; 3: the job's device, issue 14),
#: with their SQL types: ``migrate`` adds them to an older file, whose jobs then read them as NULL
ADDED_COLUMNS = {2: (("rung", "INTEGER"), ("epochs", "INTEGER"), ("trained_epochs", "INTEGER"),
                     ("parent", "INTEGER")),
                 3: (("device", "TEXT"),)}

JOB_COLUMNS = (
    "experiment", "id", "status", "method", "raw_params", "params", "values", "predicted",
    "feasible", "early_terminated", "submit_time", "start_time", "end_time", "worker",
    "heartbeat_time", "attempts", "error", "log_path", "rung", "epochs", "trained_epochs", "parent",
    "device",
)

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS counters (
        experiment TEXT PRIMARY KEY,
        last_job_id INTEGER NOT NULL          -- the id most recently handed out
    )""",
    """CREATE TABLE IF NOT EXISTS jobs (
        experiment TEXT NOT NULL,
        id INTEGER NOT NULL,
        status TEXT NOT NULL
            CHECK (status IN ('pending', 'running', 'complete', 'broken', 'skipped')),
        method TEXT NOT NULL DEFAULT '',
        raw_params TEXT NOT NULL DEFAULT '{}', -- JSON: optimizer values, before transforms
        params TEXT NOT NULL DEFAULT '{}',     -- JSON: values written into the network
        "values" TEXT NOT NULL DEFAULT '{}',   -- JSON: measured metrics (NaN as null)
        predicted TEXT NOT NULL DEFAULT '{}',  -- JSON: a-priori model predictions
        feasible INTEGER,                      -- 1 / 0 / NULL (unknown)
        early_terminated INTEGER NOT NULL DEFAULT 0,
        submit_time REAL,                      -- seconds since the epoch (UTC)
        start_time REAL,
        end_time REAL,
        worker TEXT,                           -- holder of a running job
        heartbeat_time REAL,
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        log_path TEXT,
        rung INTEGER,                          -- multi-fidelity: rung index, NULL without --scheduler
        epochs INTEGER,                        -- total epochs trained once the job is done
        trained_epochs INTEGER,                -- epochs this job trained itself
        parent INTEGER,                        -- the job whose checkpoint it continues
        device TEXT,                           -- the device the job runs on; NULL: any worker's
        PRIMARY KEY (experiment, id)
    )""",
    "CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (experiment, status, id)",
    """CREATE TABLE IF NOT EXISTS meta (
        experiment TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,                   -- JSON
        PRIMARY KEY (experiment, key)
    )""",
    """CREATE TABLE IF NOT EXISTS profiles (
        sequence INTEGER PRIMARY KEY AUTOINCREMENT, -- insertion order
        experiment TEXT NOT NULL,
        sample TEXT NOT NULL                   -- JSON: {"params", "features", "values", ...}
    )""",
    "CREATE INDEX IF NOT EXISTS profiles_by_experiment ON profiles (experiment, sequence)",
    """CREATE TABLE IF NOT EXISTS models (
        experiment TEXT NOT NULL,
        metric TEXT NOT NULL,
        model TEXT NOT NULL,                   -- JSON: a model document, as in EXP/models/<metric>.json
        PRIMARY KEY (experiment, metric)
    )""",
    """CREATE VIEW IF NOT EXISTS job_times AS
        SELECT experiment, id, status, worker, attempts,
               datetime(submit_time, 'unixepoch') AS submitted_utc,
               datetime(start_time, 'unixepoch') AS started_utc,
               datetime(end_time, 'unixepoch') AS ended_utc,
               datetime(heartbeat_time, 'unixepoch') AS heartbeat_utc,
               end_time - start_time AS duration_s
        FROM jobs""",
)

# Tables whose rows belong to one experiment (delete_experiment empties them all).
EXPERIMENT_TABLES = ("jobs", "meta", "profiles", "models", "counters")
# Tables whose rows make an experiment "exist" for list_experiments.
CONTENT_TABLES = ("jobs", "meta", "profiles", "models")


def quoted(column: str) -> str:
    """Column names are quoted because ``values`` is an SQL keyword."""
    return f'"{column}"'


INSERT_JOB = "INSERT INTO jobs ({}) VALUES ({})".format(
    ", ".join(quoted(column) for column in JOB_COLUMNS), ", ".join("?" for _ in JOB_COLUMNS)
)
UPDATE_JOB = "UPDATE jobs SET {} WHERE experiment = ? AND id = ?".format(
    ", ".join(f"{quoted(column)} = ?" for column in JOB_COLUMNS[2:])
)
SELECT_JOBS = "SELECT {} FROM jobs".format(", ".join(quoted(column) for column in JOB_COLUMNS))


def select_jobs(present: set[str]) -> str:
    """``SELECT_JOBS`` for a file that may lack the columns of later versions: a missing one reads
    as NULL, as ``migrate`` would have made it. A read-only reader cannot migrate the file."""
    columns = [quoted(column) if column in present else f"NULL AS {quoted(column)}" for column in JOB_COLUMNS]
    return "SELECT {} FROM jobs".format(", ".join(columns))


def read_schema(connection: sqlite3.Connection) -> tuple[int, set[str]]:
    """The file's schema version and the columns its ``jobs`` table has (empty: no such table),
    read without changing anything."""
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    present = {row[1] for row in connection.execute("PRAGMA table_info(jobs)")}
    return version, present


def create_schema(connection: sqlite3.Connection) -> int:
    """Create missing tables inside the caller's transaction; return the file's schema version."""
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        return version
    for statement in SCHEMA:
        connection.execute(statement)
    migrate(connection)
    if version < SCHEMA_VERSION:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return SCHEMA_VERSION


def migrate(connection: sqlite3.Connection) -> None:
    """Add the columns of later versions that the file lacks (a new file already has them from
    ``CREATE TABLE``), so old stores still open and their jobs read them as NULL: full-fidelity
    jobs on any device. Presence, not ``version``, decides: a file whose version was raised by a
    HyperPower that predates one of the columns still gets it."""
    present = {row[1] for row in connection.execute("PRAGMA table_info(jobs)")}
    for _, columns in sorted(ADDED_COLUMNS.items()):
        for name, kind in columns:
            if name not in present:
                connection.execute(f"ALTER TABLE jobs ADD COLUMN {quoted(name)} {kind}")


def job_row(job: Job) -> tuple[Any, ...]:
    """A job as the parameter tuple of ``INSERT_JOB`` (JSON text for dict fields)."""
    record = codec.job_record(job)
    for field in codec.JSON_FIELDS:
        record[field] = codec.dumps_json(record[field])
    record["feasible"] = None if record["feasible"] is None else int(record["feasible"])
    record["early_terminated"] = int(record["early_terminated"])
    return tuple(record[column] for column in JOB_COLUMNS)


def job_update(job: Job) -> tuple[Any, ...]:
    """A job as the parameter tuple of ``UPDATE_JOB`` (every field but the key, then the key)."""
    row = job_row(job)
    return row[2:] + row[:2]


def job_from_row(row: sqlite3.Row | tuple[Any, ...]) -> Job:
    """Inverse of ``job_row`` for a row selected with ``SELECT_JOBS``."""
    record = dict(zip(JOB_COLUMNS, tuple(row)))
    for field in codec.JSON_FIELDS:
        record[field] = codec.loads_json(record[field], default={})
    return codec.job_from_record(record)
