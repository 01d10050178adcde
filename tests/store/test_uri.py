"""Store URIs: backend choice, paths, database names and password masking."""

from __future__ import annotations

import pytest

from hyperpower.errors import StoreError
from hyperpower.store.uri import StoreAddress, mask_uri, mongo_database_name, parse_store_uri


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("sqlite:////abs/path/hp.sqlite", StoreAddress("sqlite", "/abs/path/hp.sqlite")),
        ("sqlite:///rel/hp.sqlite", StoreAddress("sqlite", "rel/hp.sqlite")),
        ("  sqlite:///hp.sqlite ", StoreAddress("sqlite", "hp.sqlite")),
        ("mongodb://h1:27017,h2/db?replicaSet=rs",
         StoreAddress("mongodb", "mongodb://h1:27017,h2/db?replicaSet=rs")),
        ("mongodb+srv://u:p@cluster.example.net/",
         StoreAddress("mongodb", "mongodb+srv://u:p@cluster.example.net/")),
    ],
)
def test_accepted_uris(uri: str, expected: StoreAddress) -> None:
    assert parse_store_uri(uri) == expected


def test_home_is_expanded(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert parse_store_uri("sqlite:///~/hp.sqlite").target == str(tmp_path / "hp.sqlite")


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("", "is empty"),
        ("hp.sqlite", "not understood"),
        ("sqlite://hp.sqlite", "not understood"),
        ("sqlite:///", "names no database file"),
        ("sqlite:////tmp/folder/", "names no database file"),
        ("postgresql://u:pw@host/db", "not understood"),
        ("mongodb:///db", "names no MongoDB host"),
        ("mongodb://user:pw@/db", "names no MongoDB host"),
    ],
)
def test_bad_uris_name_the_value_and_accepted_forms(uri: str, reason: str) -> None:
    with pytest.raises(StoreError) as raised:
        parse_store_uri(uri)
    message = str(raised.value)
    assert reason in message
    assert "sqlite:////absolute/path.sqlite" in message and "mongodb://" in message
    assert "pw@" not in message


@pytest.mark.parametrize(
    ("uri", "masked"),
    [
        ("mongodb://alice:s3cret@host/db", "mongodb://alice:***@host/db"),
        ("mongodb+srv://alice:p%40ss@c.example.net/?w=1",
         "mongodb+srv://alice:***@c.example.net/?w=1"),
        ("mongodb://host:27017/db", "mongodb://host:27017/db"),
        ("sqlite:////tmp/a.sqlite", "sqlite:////tmp/a.sqlite"),
    ],
)
def test_mask_uri_hides_only_the_password(uri: str, masked: str) -> None:
    assert mask_uri(uri) == masked


@pytest.mark.parametrize(
    ("uri", "database"),
    [
        ("mongodb://host/results", "results"),
        ("mongodb://u:p@h1,h2:27018/results?replicaSet=rs", "results"),
        ("mongodb://host", "hyperpower"),
        ("mongodb://host/", "hyperpower"),
        ("mongodb://host/?authSource=admin", "hyperpower"),
        ("mongodb+srv://u:p@cluster.example.net/my%20db", "my db"),
    ],
)
def test_mongo_database_name(uri: str, database: str) -> None:
    assert mongo_database_name(uri) == database
