"""One process's connection to a SQLite store file, and the transactions that retry on locks.

* WAL journal: readers (``status``, reports) never block the workers that write.
* ``transaction(work, write=True)`` runs ``work`` inside ``BEGIN IMMEDIATE``: the write lock is
  taken before anything is read, so no other writer can act between a read and a write of the
  same transaction (this is what makes claims atomic across processes).
* A busy database is waited for: SQLite's busy handler waits up to a second per attempt, and the
  attempt is rolled back and retried with backoff until ``lock_timeout_s``; then ``StoreError``
  names the file.
* A connection inherited through ``fork`` is never reused (SQLite forbids it): the child opens
  its own. A lock serialises the threads of one process, so a heartbeat thread may share it.
* ``read_only``: the file is opened with SQLite's ``mode=ro`` and the journal mode is left as it
  is, so SQLite itself refuses every write and the file's bytes never change (a reader of a WAL
  file may still leave SQLite's ``-wal``/``-shm`` side files beside it, as any reader does).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Callable, TypeVar
from urllib.parse import quote

from hyperpower.errors import StoreError
from hyperpower.store.retry import RetryTimeout, retry_until

Result = TypeVar("Result")
SQLITE_BUSY, SQLITE_LOCKED = 5, 6
BUSY_HANDLER_MAX_S = 1.0
_PROGRAMMING_ERRORS = (sqlite3.ProgrammingError, sqlite3.IntegrityError, sqlite3.InterfaceError)


def is_locked_error(error: BaseException) -> bool:
    """``database is locked`` / ``database table is locked``: another connection is writing."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
    return "locked" in str(error) or "busy" in str(error)


class SQLiteConnection:
    """Lazily opened connection to ``path`` with retrying transactions."""

    def __init__(self, path: Path, lock_timeout_s: float, read_only: bool = False) -> None:
        self.path = path
        self.lock_timeout_s = lock_timeout_s
        self.read_only = read_only
        self._thread_lock = threading.RLock()
        self._connection: sqlite3.Connection | None = None
        self._connection_pid: int | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._connection is not None and self._connection_pid == os.getpid():
            return self._connection
        connection = sqlite3.connect(
            self._target(),
            timeout=min(self.lock_timeout_s, BUSY_HANDLER_MAX_S),
            isolation_level=None,  # transactions are explicit: BEGIN IMMEDIATE ... COMMIT
            check_same_thread=False,  # threads are serialised by self._thread_lock
            uri=self.read_only,
        )
        try:
            if not self.read_only:  # setting the journal mode is a write
                connection.execute("PRAGMA journal_mode=WAL")
        except sqlite3.Error:
            connection.close()
            raise
        self._connection, self._connection_pid = connection, os.getpid()
        return connection

    def _target(self) -> str | Path:
        """The path, or for a read-only connection the ``file:`` URI that asks for ``mode=ro``."""
        if not self.read_only:
            return self.path
        return f"file:{quote(str(self.path.resolve()))}?mode=ro"

    def _attempt(self, work: Callable[[sqlite3.Connection], Result], write: bool) -> Result:
        connection = self._connect()
        connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            result = work(connection)
            connection.execute("COMMIT")
            return result
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise

    def transaction(self, work: Callable[[sqlite3.Connection], Result], *, write: bool) -> Result:
        """Run ``work`` in one transaction, retrying while the database is locked.

        ``work`` may run more than once (each failed attempt is rolled back), so it must do
        nothing outside the database.
        """
        with self._thread_lock:
            try:
                return retry_until(
                    lambda: self._attempt(work, write), is_locked_error, self.lock_timeout_s
                )
            except RetryTimeout as timeout:
                raise StoreError(
                    f"SQLite store {self.path} stayed locked for more than "
                    f"{self.lock_timeout_s:g} s ({timeout.last_error}); another process holds a "
                    f"write transaction on it. Stop that process or raise the lock timeout"
                ) from timeout
            except sqlite3.DatabaseError as error:
                if isinstance(error, _PROGRAMMING_ERRORS):
                    raise  # a bug in this package, not the user's file: keep the traceback
                raise StoreError(f"SQLite store {self.path}: {error}") from error

    def close(self) -> None:
        with self._thread_lock:
            if self._connection is not None and self._connection_pid == os.getpid():
                self._connection.close()
            self._connection = None
