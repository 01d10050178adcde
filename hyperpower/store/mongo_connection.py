"""A MongoDB database as the store uses it: retried calls, per-experiment collections, id counters.

Connection trouble (no server, an election, a dropped socket) is retried with backoff until
``timeout_s``, then raised as ``StoreError`` naming the URI with its password masked. Ids come
from ``find_one_and_update($inc, upsert)`` on ``counters``, atomic on the server, so workers on
different machines never get the same id; documents are then written with
``replace_one(upsert=True)`` under that reserved id, which is safe to repeat after a network error.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

import pymongo
import pymongo.errors
from pymongo import ReturnDocument

from hyperpower.errors import StoreError
from hyperpower.store import rules
from hyperpower.store.retry import RetryTimeout, retry_until
from hyperpower.store.uri import mask_uri

Result = TypeVar("Result")
COUNTERS = "counters"
SERVER_SELECTION_MAX_S = 5.0


def is_transient(error: BaseException) -> bool:
    """No server reachable, a network timeout, a primary stepping down: worth retrying."""
    return isinstance(error, pymongo.errors.ConnectionFailure)


def short_reason(error: BaseException) -> str:
    """The first clause of a pymongo error, without its long topology description."""
    text = str(error)
    for tail in (" (configured timeouts", ", Timeout:", ", Topology Description:"):
        text = text.split(tail, 1)[0]
    return f"{type(error).__name__}: {text[:300]}"


def make_client(uri: str, timeout_s: float) -> Any:
    """A pymongo client that gives up selecting a server after a few seconds per attempt.

    Options written in the URI win over these defaults.
    """
    options: dict[str, Any] = {"appname": "hyperpower"}
    selection_ms = int(1000 * max(0.1, min(timeout_s, SERVER_SELECTION_MAX_S)))
    if "serverselectiontimeoutms" not in uri.lower():
        options["serverSelectionTimeoutMS"] = selection_ms
    if "connecttimeoutms" not in uri.lower():
        options["connectTimeoutMS"] = selection_ms
    try:
        return pymongo.MongoClient(uri, **options)
    except (pymongo.errors.ConfigurationError, ValueError, TypeError) as error:
        raise StoreError(
            f"MongoDB store {mask_uri(uri)}: invalid URI or options ({error})"
        ) from error


class MongoDatabase:
    """The store's database in ``client``; every pymongo call goes through ``call``.

    ``read_only``: a reader (``dashboard``) creates no index, so opening writes nothing."""

    def __init__(self, client: Any, database_name: str, display_uri: str, timeout_s: float,
                 read_only: bool = False) -> None:
        self.client = client
        self.database = client[database_name]
        self.display_uri = display_uri
        self.timeout_s = timeout_s
        self.read_only = read_only
        self._indexed: set[str] = set()

    def call(self, operation: Callable[[], Result]) -> Result:
        """Run one pymongo call, retrying connection trouble until ``timeout_s``."""
        try:
            return retry_until(operation, is_transient, self.timeout_s)
        except RetryTimeout as timeout:
            raise StoreError(
                f"MongoDB store {self.display_uri} unreachable for {timeout.waited_s:.1f} s "
                f"({short_reason(timeout.last_error)}); start mongod or check the --store URI"
            ) from timeout
        except (pymongo.errors.OperationFailure, pymongo.errors.ConfigurationError) as error:
            raise StoreError(
                f"MongoDB store {self.display_uri} refused the operation: {error}"
            ) from error

    def collection(self, experiment: str, kind: str) -> Any:
        """``NAME.kind``; the jobs collection gets its (status, _id) index on first use."""
        rules.check_experiment_name(experiment)
        collection = self.database[f"{experiment}.{kind}"]
        if kind == "jobs" and experiment not in self._indexed and not self.read_only:
            # claims and listings filter on status and sort by id; an existing index is a no-op
            self.call(lambda: collection.create_index([("status", 1), ("_id", 1)]))
            self._indexed.add(experiment)
        return collection

    def reserve_ids(self, experiment: str, kind: str, count: int) -> int:
        """Reserve ``count`` consecutive ids of ``kind`` for ``experiment``; return the first."""
        counters = self.database[COUNTERS]

        def increment() -> dict[str, Any]:
            return counters.find_one_and_update(
                {"_id": f"{experiment}.{kind}"},
                {"$inc": {"seq": count}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )

        try:
            counter = self.call(increment)
        except pymongo.errors.DuplicateKeyError:  # two first upserts raced; the counter exists now
            counter = self.call(increment)
        return int(counter["seq"]) - count + 1

    def put(self, collection: Any, document: dict[str, Any]) -> None:
        """Write a document under its own ``_id``; repeating it is harmless (retry-safe)."""
        self.call(lambda: collection.replace_one({"_id": document["_id"]}, document, upsert=True))

    def drop_experiment(self, experiment: str, kinds: tuple[str, ...]) -> None:
        """Drop the experiment's collections and counters (its ids start at 1 again)."""
        rules.check_experiment_name(experiment)
        for kind in kinds:
            self.call(self.database[f"{experiment}.{kind}"].drop)
        counter_ids = [f"{experiment}.{kind}" for kind in kinds]
        self.call(lambda: self.database[COUNTERS].delete_many({"_id": {"$in": counter_ids}}))
        self._indexed.discard(experiment)
