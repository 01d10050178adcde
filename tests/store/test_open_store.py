"""``open_store``: the URI picks the backend; pymongo is imported only for MongoDB."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hyperpower.errors import StoreError
from hyperpower.store import open_store
from hyperpower.store.mongo import MongoStore
from hyperpower.store.sqlite import SQLiteStore


def test_sqlite_uri_opens_sqlite_store(tmp_path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'hp.sqlite'}", timeout_s=5.0) as store:
        assert isinstance(store, SQLiteStore)
        assert store.lock_timeout_s == 5.0
        assert store.uri == f"sqlite:///{tmp_path / 'hp.sqlite'}"
    assert (tmp_path / "hp.sqlite").is_file()


def test_relative_sqlite_path_is_relative_to_working_directory(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "exp").mkdir()
    open_store("sqlite:///exp/hp.sqlite").close()
    assert (tmp_path / "exp" / "hp.sqlite").is_file()


def test_mongodb_uri_opens_mongo_store_without_connecting() -> None:
    store = open_store("mongodb://user:pw@127.0.0.1:1/results", timeout_s=1.0)
    assert isinstance(store, MongoStore)
    assert store.database_name == "results"
    assert store.display_uri == "mongodb://user:***@127.0.0.1:1/results"
    store.close()


def test_bad_uri_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="'redis://localhost' is not understood; accepted forms"):
        open_store("redis://localhost")


def test_sqlite_does_not_import_pymongo(tmp_path) -> None:
    code = (
        "import sys; from hyperpower.store import open_store; "
        f"open_store('sqlite:///{tmp_path / 'hp.sqlite'}').close(); "
        "print('pymongo' in sys.modules)"
    )
    command = [sys.executable, "-c", code]
    output = subprocess.run(command, capture_output=True, text=True, check=True)
    assert output.stdout.strip() == "False"
