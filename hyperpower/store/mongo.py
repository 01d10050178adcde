"""The distributed experiment store: MongoDB through pymongo 4, for workers on many machines.

Layout (design §9), readable in mongosh: in the URI's database (default ``hyperpower``) each
experiment NAME has the collections ``NAME.jobs`` (``_id`` = job id, ``status`` as text, times in
seconds since the epoch, NaN metrics as BSON NaN), ``NAME.meta`` (``_id`` = key, ``value``),
``NAME.profiles`` (``_id`` = insertion number, then the sample's fields) and ``NAME.models``
(``_id`` = metric, then the model document). ``counters`` holds ``{_id: "NAME.jobs", seq: N}``.

Why it is built this way (plumbing in ``mongo_connection``):

* ``claim_job`` is one ``find_one_and_update({status: pending}, sort by _id)``: the server hands a
  job to exactly one caller. Every conditional change (heartbeat, finish, release, requeue) puts
  its precondition in the filter, so a stale worker's late write matches nothing.
* Ids come from an atomic counter, and every call is retried on connection trouble until
  ``timeout_s`` (default 60 s), then ``StoreError`` names the URI with its password masked. A
  claim retried after an ambiguous network error may leave a job RUNNING with no live worker;
  its heartbeat then goes stale and ``requeue_stale`` returns it to the queue.
"""

from __future__ import annotations

import dataclasses
import re
import time
from typing import Any, Callable, Sequence

import pymongo
from pymongo import ReturnDocument

from hyperpower.errors import StoreError
from hyperpower.jobs import Job, JobStatus
from hyperpower.store import codec, rules
from hyperpower.store.base import ExperimentStore
from hyperpower.store.mongo_connection import MongoDatabase, make_client
from hyperpower.store.uri import mask_uri, mongo_database_name

KINDS = ("jobs", "meta", "profiles", "models")
UNFINISHED = [JobStatus.PENDING.value, JobStatus.RUNNING.value]


class MongoStore(ExperimentStore):
    """``ExperimentStore`` in a MongoDB database; ``client`` injects one (tests: mongomock).

    ``timeout_s``: how long an unreachable server is retried before ``StoreError``. ``clock``
    gives the times written into jobs (seconds since the epoch); with several machines their
    clocks should agree to well within the heartbeat timeout (NTP does that). ``read_only``: no
    index is created on first use of a jobs collection (``open_store(..., read_only=True)``).
    """

    def __init__(
        self,
        uri: str,
        client: Any = None,
        *,
        timeout_s: float = 60.0,
        clock: Callable[[], float] = time.time,
        read_only: bool = False,
    ) -> None:
        self.uri = uri
        self.display_uri = mask_uri(uri)
        self.database_name = mongo_database_name(uri)
        self.timeout_s = timeout_s
        self._clock = clock
        self._owns_client = client is None
        client = make_client(uri, timeout_s) if client is None else client
        self._db = MongoDatabase(client, self.database_name, self.display_uri, timeout_s, read_only=read_only)
        self._call, self._collection = self._db.call, self._db.collection

    @property
    def client(self) -> Any:
        return self._db.client

    def close(self) -> None:
        if self._owns_client:
            self._db.client.close()

    # -- jobs -----------------------------------------------------------------------------------
    def add_job(self, experiment: str, job: Job) -> Job:
        jobs = self._collection(experiment, "jobs")
        job_id = self._db.reserve_ids(experiment, "jobs", 1)
        submit_time = self._clock() if job.submit_time is None else job.submit_time
        stored = dataclasses.replace(job, id=job_id, experiment=experiment, submit_time=submit_time)
        document = _job_document(stored)
        self._db.put(jobs, document)
        return _job_from_document(experiment, document)

    def claim_job(self, experiment: str, worker: str, devices: Sequence[str] | None = None) -> Job | None:
        jobs, now = self._collection(experiment, "jobs"), self._clock()
        condition: dict[str, Any] = {"status": JobStatus.PENDING.value}
        if devices is not None:  # a missing field matches None too: jobs of older HyperPowers run anywhere
            condition["device"] = {"$in": [None, *(str(device) for device in devices)]}
        document = self._call(
            lambda: jobs.find_one_and_update(
                condition,
                {
                    "$set": {"status": JobStatus.RUNNING.value, "worker": worker,
                             "start_time": now, "end_time": None, "heartbeat_time": now},
                    "$inc": {"attempts": 1},
                },
                sort=[("_id", pymongo.ASCENDING)],
                return_document=ReturnDocument.AFTER,
            )
        )
        return None if document is None else _job_from_document(experiment, document)

    def heartbeat(self, experiment: str, job_id: int, worker: str) -> bool:
        jobs, now = self._collection(experiment, "jobs"), self._clock()
        result = self._call(
            lambda: jobs.update_one(
                {"_id": job_id, "status": JobStatus.RUNNING.value, "worker": worker},
                {"$set": {"heartbeat_time": now}},
            )
        )
        return result.matched_count == 1

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
        status = rules.check_finish_status(status)
        jobs = self._collection(experiment, "jobs")
        if worker is None:
            condition: dict[str, Any] = {"_id": job_id, "status": {"$in": UNFINISHED}}
        else:
            condition = {"_id": job_id, "status": JobStatus.RUNNING.value, "worker": worker}
        changes: dict[str, Any] = {
            "status": status.value, "feasible": feasible, "error": error,
            "early_terminated": bool(early_terminated), "end_time": self._clock(),
        }
        if values is not None:
            changes["values"] = codec.to_plain(values)
        if log_path is not None:
            changes["log_path"] = log_path
        if trained_epochs is not None:
            changes["trained_epochs"] = int(trained_epochs)
        document = self._call(
            lambda: jobs.find_one_and_update(
                condition, {"$set": changes}, return_document=ReturnDocument.AFTER
            )
        )
        if document is not None:
            return _job_from_document(experiment, document)
        current = self._call(lambda: jobs.find_one({"_id": job_id}))
        refusal = rules.finish_refusal(
            self.display_uri, experiment, job_id,
            None if current is None else JobStatus(current["status"]),
            None if current is None else current.get("worker"),
            worker,
        )
        raise refusal or StoreError(
            f"job {job_id} of experiment {experiment!r} in {self.display_uri} changed while "
            f"being finished; nothing was written"
        )

    def release_job(self, experiment: str, job_id: int, worker: str) -> bool:
        jobs = self._collection(experiment, "jobs")
        result = self._call(
            lambda: jobs.update_one(
                {"_id": job_id, "status": JobStatus.RUNNING.value, "worker": worker},
                {"$set": {"status": JobStatus.PENDING.value, "worker": None,
                          "start_time": None, "heartbeat_time": None}},
            )
        )
        return result.matched_count == 1

    def cancel_pending_job(self, experiment: str, job_id: int) -> bool:
        jobs = self._collection(experiment, "jobs")
        result = self._call(
            lambda: jobs.delete_one({"_id": job_id, "status": JobStatus.PENDING.value})
        )
        return result.deleted_count == 1

    def requeue_stale(self, experiment: str, timeout_s: float, max_attempts: int) -> list[int]:
        rules.check_requeue_arguments(timeout_s, max_attempts)
        jobs, now = self._collection(experiment, "jobs"), self._clock()
        stale = {
            "status": JobStatus.RUNNING.value,
            "$or": [{"heartbeat_time": None}, {"heartbeat_time": {"$lt": now - timeout_s}}],
        }
        candidates = self._call(
            lambda: list(jobs.find(stale, {"attempts": 1}).sort("_id", pymongo.ASCENDING))
        )
        requeued = []
        for candidate in candidates:
            attempts = int(candidate.get("attempts", 0))
            if attempts < max_attempts:
                changes = {"status": JobStatus.PENDING.value, "worker": None,
                           "start_time": None, "heartbeat_time": None}
            else:
                changes = {"status": JobStatus.BROKEN.value, "end_time": now,
                           "error": rules.heartbeat_lost_message(attempts)}
            # the filter repeats the staleness test: a heartbeat or re-claim since wins
            condition = {"_id": candidate["_id"], "attempts": attempts, **stale}
            result = self._call(lambda: jobs.update_one(condition, {"$set": changes}))
            if result.matched_count == 1:
                requeued.append(int(candidate["_id"]))
        return requeued

    def get_job(self, experiment: str, job_id: int) -> Job | None:
        jobs = self._collection(experiment, "jobs")
        document = self._call(lambda: jobs.find_one({"_id": job_id}))
        return None if document is None else _job_from_document(experiment, document)

    def list_jobs(self, experiment: str, status: JobStatus | None = None) -> list[Job]:
        jobs = self._collection(experiment, "jobs")
        query = {} if status is None else {"status": JobStatus(status).value}
        documents = self._call(lambda: list(jobs.find(query).sort("_id", pymongo.ASCENDING)))
        return [_job_from_document(experiment, document) for document in documents]

    def delete_experiment(self, experiment: str) -> None:
        self._db.drop_experiment(experiment, KINDS)

    def list_experiments(self) -> list[str]:
        names = self._call(self._db.database.list_collection_names)
        found = set()
        for name in names:
            experiment, _, kind = name.rpartition(".")
            if kind in KINDS and experiment and experiment not in found:
                if self._call(lambda: self._db.database[name].find_one({}, {"_id": 1})) is not None:
                    found.add(experiment)
        return sorted(found)

    # -- metadata, profiles, models -------------------------------------------------------------
    def set_meta(self, experiment: str, key: str, value: Any) -> None:
        document = {"_id": key, "value": codec.to_plain(value)}
        self._db.put(self._collection(experiment, "meta"), document)

    def get_meta(self, experiment: str, key: str, default: Any = None) -> Any:
        meta = self._collection(experiment, "meta")
        document = self._call(lambda: meta.find_one({"_id": key}))
        return default if document is None else document.get("value")

    def list_meta(self, experiment: str, prefix: str = "") -> dict[str, Any]:
        meta = self._collection(experiment, "meta")
        query = {"_id": {"$regex": "^" + re.escape(prefix)}} if prefix else {}
        documents = self._call(lambda: list(meta.find(query).sort("_id", 1)))
        return {document["_id"]: document.get("value") for document in documents}

    def add_profile_samples(self, experiment: str, samples: list[dict[str, Any]]) -> None:
        profiles = self._collection(experiment, "profiles")
        plain = [_without_id(codec.to_plain(sample), "profiling sample") for sample in samples]
        if not plain:
            return
        first = self._db.reserve_ids(experiment, "profiles", len(plain))
        for offset, sample in enumerate(plain):
            self._db.put(profiles, {"_id": first + offset, **sample})

    def list_profile_samples(self, experiment: str) -> list[dict[str, Any]]:
        profiles = self._collection(experiment, "profiles")
        documents = self._call(lambda: list(profiles.find({}).sort("_id", pymongo.ASCENDING)))
        return [_strip_id(document) for document in documents]

    def save_model(self, experiment: str, metric: str, model: dict[str, Any]) -> None:
        document = {"_id": metric, **_without_id(codec.to_plain(model), "model")}
        self._db.put(self._collection(experiment, "models"), document)

    def load_models(self, experiment: str) -> dict[str, dict[str, Any]]:
        models = self._collection(experiment, "models")
        documents = self._call(lambda: list(models.find({}).sort("_id", pymongo.ASCENDING)))
        return {document["_id"]: _strip_id(document) for document in documents}


def _job_document(job: Job) -> dict[str, Any]:
    """A job as its mongosh-readable document: ``_id`` = id, the experiment is the collection."""
    record = codec.job_record(job, encode_non_finite=False)
    record["_id"] = record.pop("id")
    record.pop("experiment")
    return record


def _job_from_document(experiment: str, document: dict[str, Any]) -> Job:
    record = dict(document)
    record["id"] = int(record.pop("_id"))
    record["experiment"] = experiment
    return codec.job_from_record(record)


def _without_id(document: Any, what: str) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise TypeError(f"a {what} must be a dict, not {type(document).__name__}")
    if "_id" in document:
        raise ValueError(f"a {what} may not have an '_id' field: MongoDB uses it as the key")
    return document


def _strip_id(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "_id"}
