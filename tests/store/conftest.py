"""The ``store`` fixture: every backend the contract suite (test_contract*.py) runs against.

Backends: SQLite in a temporary file, mongomock (always), and a real MongoDB server when
HYPERPOWER_TEST_MONGODB_URI is set (a fresh database per test, dropped afterwards). Time is
injected (``FakeClock``) so stale heartbeats need no sleeping.
"""

from __future__ import annotations

import os
import uuid
from typing import Iterator

import pytest

from hyperpower.store.base import ExperimentStore

MONGODB_URI_VARIABLE = "HYPERPOWER_TEST_MONGODB_URI"
NO_MONGODB_REASON = f"{MONGODB_URI_VARIABLE} not set: no MongoDB server to test against"


class FakeClock:
    """Seconds since the epoch that move only when a test says so."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.start = start
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _uri_with_database(uri: str, database: str) -> str:
    scheme, rest = uri.split("://", 1)
    rest, _, query = rest.partition("?")
    hosts = rest.split("/", 1)[0]
    return f"{scheme}://{hosts}/{database}" + (f"?{query}" if query else "")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(
    params=["sqlite", "mongomock", pytest.param("mongodb", marks=pytest.mark.mongodb)]
)
def store(request: pytest.FixtureRequest, tmp_path, clock: FakeClock) -> Iterator[ExperimentStore]:
    if request.param == "sqlite":
        from hyperpower.store.sqlite import SQLiteStore

        backend: ExperimentStore = SQLiteStore(tmp_path / "store.sqlite", clock=clock)
        yield backend
        backend.close()
    elif request.param == "mongomock":
        import mongomock

        from hyperpower.store.mongo import MongoStore

        client = mongomock.MongoClient()
        backend = MongoStore("mongodb://localhost/contract", client=client, clock=clock)
        yield backend
    else:
        uri = os.environ.get(MONGODB_URI_VARIABLE)
        if not uri:
            pytest.skip(NO_MONGODB_REASON)
        from hyperpower.store.mongo import MongoStore

        database = f"hyperpower_test_{uuid.uuid4().hex[:12]}"
        backend = MongoStore(_uri_with_database(uri, database), clock=clock, timeout_s=10.0)
        try:
            yield backend
        finally:
            backend.client.drop_database(database)
            backend.close()


