"""Experiment stores: embedded SQLite (default) and MongoDB, behind one ``ExperimentStore``.

``open_store(uri)`` picks the backend from the URI (design §9). The MongoDB backend, and with it
pymongo, is imported only when a ``mongodb://`` URI is opened, so commands on SQLite stay fast.
"""

from __future__ import annotations

from hyperpower.store.base import ExperimentStore
from hyperpower.store.uri import ACCEPTED_FORMS, mask_uri, parse_store_uri

__all__ = ["ACCEPTED_FORMS", "ExperimentStore", "mask_uri", "open_store"]


def open_store(uri: str, *, timeout_s: float = 60.0, create: bool = True, read_only: bool = False) -> ExperimentStore:
    """Open the store at ``uri``: ``sqlite:///PATH`` or ``mongodb://...``/``mongodb+srv://...``.

    ``timeout_s`` bounds how long a locked SQLite file or an unreachable MongoDB server is
    waited for before ``StoreError``. A URI of another form raises ``StoreError`` naming it and
    the accepted forms. ``create=False`` refuses a SQLite file that does not exist yet instead of
    creating an empty one (a worker must not leave a stray store behind a mistyped path).
    ``read_only=True`` (views such as ``dashboard``): a ``ReadOnlyStore`` that refuses every write,
    over a backend opened not to write either (a SQLite file must exist and is opened ``mode=ro``).
    """
    address = parse_store_uri(uri)
    if address.kind == "sqlite":
        from hyperpower.store.sqlite import SQLiteStore

        store: ExperimentStore = SQLiteStore(address.target, lock_timeout_s=timeout_s, create=create,
                                             read_only=read_only)
    else:
        from hyperpower.store.mongo import MongoStore

        store = MongoStore(address.target, timeout_s=timeout_s, read_only=read_only)
    if not read_only:
        return store
    from hyperpower.store.read_only import ReadOnlyStore

    return ReadOnlyStore(store)
