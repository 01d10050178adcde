"""Store URIs: which backend, which file or database, and how to print one without its password.

Accepted forms (design §9):

* ``sqlite:///PATH``: ``sqlite:////abs/path.sqlite`` (absolute, four slashes) or
  ``sqlite:///rel/path.sqlite`` (relative to the working directory); ``~`` is expanded.
* ``mongodb://[user:password@]host[:port][,host...]/[DATABASE][?options]`` and
  ``mongodb+srv://...``; the database defaults to ``hyperpower``.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from urllib.parse import unquote

from hyperpower.errors import StoreError

SQLITE_PREFIX = "sqlite:///"
MONGO_SCHEMES = ("mongodb://", "mongodb+srv://")
DEFAULT_MONGO_DATABASE = "hyperpower"
ACCEPTED_FORMS = (
    "sqlite:////absolute/path.sqlite, sqlite:///relative/path.sqlite, "
    "mongodb://[user:password@]host[:port]/[database] or mongodb+srv://..."
)

_PASSWORD_PATTERN = re.compile(r"^(?P<scheme>[a-z+]+://)(?P<user>[^:@/]*):(?P<password>[^@]*)@")


@dataclasses.dataclass(frozen=True)
class StoreAddress:
    """A parsed store URI: ``kind`` is "sqlite" (``target`` a path) or "mongodb" (the URI)."""

    kind: str
    target: str


def parse_store_uri(uri: str) -> StoreAddress:
    """Classify ``uri``; StoreError naming the value and the accepted forms when it is neither."""
    if not isinstance(uri, str) or not uri.strip():
        raise StoreError(f"store URI {uri!r} is empty; accepted forms: {ACCEPTED_FORMS}")
    uri = uri.strip()
    if uri.startswith(SQLITE_PREFIX):
        path = uri[len(SQLITE_PREFIX):]
        if not path or path.endswith("/"):
            raise StoreError(
                f"store URI {uri!r} names no database file; accepted forms: {ACCEPTED_FORMS}"
            )
        return StoreAddress("sqlite", str(Path(path).expanduser()))
    if uri.startswith(MONGO_SCHEMES):
        hosts = uri.split("://", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]
        if not hosts or hosts.startswith("?"):
            raise StoreError(
                f"store URI {mask_uri(uri)!r} names no MongoDB host; accepted forms: "
                f"{ACCEPTED_FORMS}"
            )
        return StoreAddress("mongodb", uri)
    raise StoreError(
        f"store URI {mask_uri(uri)!r} is not understood; accepted forms: {ACCEPTED_FORMS}"
    )


def mask_uri(uri: str) -> str:
    """``mongodb://alice:secret@host/db`` -> ``mongodb://alice:***@host/db`` (for messages)."""
    return _PASSWORD_PATTERN.sub(lambda match: f"{match['scheme']}{match['user']}:***@", uri)


def mongo_database_name(uri: str) -> str:
    """The database in a MongoDB URI's path, or ``hyperpower`` when the path is empty.

    Parsed by hand rather than with ``pymongo.uri_parser`` because that resolves the DNS records
    of ``mongodb+srv`` URIs, which must not happen merely to name a database.
    """
    rest = uri.split("://", 1)[-1].split("?", 1)[0]
    rest = rest.rsplit("@", 1)[-1]  # user info may hold percent-escaped characters only
    database = unquote(rest.split("/", 1)[1]) if "/" in rest else ""
    return database or DEFAULT_MONGO_DATABASE
