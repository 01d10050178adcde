"""MongoDB-only behaviour: document layout, URI database, retries, unreachable servers."""

from __future__ import annotations

import math
import time

import mongomock
import pymongo.errors
import pytest

from hyperpower.errors import StoreError
from hyperpower.jobs import Job, JobStatus
from hyperpower.store.mongo import MongoStore



def _job(**fields) -> Job:
    return Job(id=0, experiment="", **fields)


def test_documents_are_readable_per_experiment_collections() -> None:
    client = mongomock.MongoClient()
    store = MongoStore("mongodb://localhost:27017/results", client=client, clock=lambda: 1000.0)
    store.add_job("digits", _job(method="random", params={"conv1": 20}, values={"error": math.nan}))
    store.set_meta("digits", "finished", False)
    store.add_profile_samples("digits", [{"params": {"conv1": 20}, "values": {"power": 41.0}}])
    store.save_model("digits", "power", {"metric": "power", "coef": [0.4], "intercept": 38.5})
    database = client["results"]
    assert sorted(database.list_collection_names()) == [
        "counters", "digits.jobs", "digits.meta", "digits.models", "digits.profiles"]
    document = database["digits.jobs"].find_one({"_id": 1})
    assert document["status"] == "pending" and document["params"] == {"conv1": 20}
    assert math.isnan(document["values"]["error"])  # a BSON NaN, not a string
    assert document["submit_time"] == 1000.0 and "experiment" not in document
    assert database["digits.meta"].find_one() == {"_id": "finished", "value": False}
    assert database["digits.profiles"].find_one()["_id"] == 1
    assert database["digits.models"].find_one()["_id"] == "power"
    assert database["counters"].find_one({"_id": "digits.jobs"})["seq"] == 1


def test_database_defaults_to_hyperpower() -> None:
    client = mongomock.MongoClient()
    store = MongoStore("mongodb://localhost:27017", client=client)
    store.add_job("digits", _job())
    assert client["hyperpower"]["digits.jobs"].count_documents({}) == 1
    assert store.database_name == "hyperpower"


def test_connection_trouble_is_retried(monkeypatch) -> None:
    """An election or a dropped connection clears in seconds: the claim still succeeds."""
    store = MongoStore("mongodb://localhost/retry", client=mongomock.MongoClient(), timeout_s=5.0)
    store.add_job("digits", _job())
    original = mongomock.collection.Collection.find_one_and_update
    failures = []

    def flaky(self, *args, **kwargs):
        if len(failures) < 2:
            failures.append(1)
            raise pymongo.errors.AutoReconnect("primary stepped down")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(mongomock.collection.Collection, "find_one_and_update", flaky)
    claimed = store.claim_job("digits", "w1")
    assert len(failures) == 2
    assert (claimed.id, claimed.status, claimed.attempts) == (1, JobStatus.RUNNING, 1)


def test_unreachable_server_is_a_store_error_with_masked_password() -> None:
    uri = "mongodb://alice:s3cret@127.0.0.1:1/experiments"  # nothing listens on port 1
    store = MongoStore(uri, timeout_s=0.5)
    started = time.monotonic()
    with pytest.raises(StoreError) as raised:
        store.add_job("digits", _job())
    store.close()
    message = str(raised.value)
    assert "mongodb://alice:***@127.0.0.1:1/experiments" in message
    assert "s3cret" not in message and "unreachable" in message
    assert time.monotonic() - started < 10.0


def test_invalid_uri_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="invalid URI"):
        MongoStore("mongodb://bob:pw@host:notaport/db")


def test_profile_sample_with_id_field_is_refused() -> None:
    store = MongoStore("mongodb://localhost/x", client=mongomock.MongoClient())
    with pytest.raises(ValueError, match="_id"):
        store.add_profile_samples("digits", [{"_id": 3, "values": {}}])
