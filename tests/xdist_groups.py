"""``xdist_group`` marks honoured under ``--dist loadgroup`` whatever pytest's node ids look like.

pytest-xdist tells its controller about a test's group by appending ``@group`` to the test's node
id in the worker. From pytest 9.2 on, node ids are structured and that append no longer takes
effect (pytest-dev/pytest-xdist#1386, open when this was written), so grouped tests are spread
over the workers as if the mark were not there, silently. Here the workers write each grouped
test's group into a folder the controller gives them (``workerinput``), and the controller's
scheduler (``GroupScheduling``) reads it when it splits the collection into units. Node ids that
already carry ``@group`` (an xdist with the fix) are left to xdist's own rule.

The hooks are defined here and imported by tests/conftest.py (tests/test_xdist_groups.py imports
them into a conftest of its own to check the grouping in a real parallel run).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

#: the ``workerinput`` key naming the folder the workers write their groups into
GROUPS_FOLDER_KEY = "hyperpower_xdist_groups"
_FOLDER = pytest.StashKey[str]()


def group_of(item: pytest.Item) -> str | None:
    """The item's group as xdist names it: its xdist_group names, sorted and joined by ``_``."""
    names = {str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
             for mark in item.iter_markers("xdist_group")}
    return "_".join(sorted(names)) if names else None


def write_groups(folder: str, worker: str, items: list[pytest.Item]) -> None:
    """In a worker: ``{node id: group}`` of its grouped items, into ``folder/WORKER.json``."""
    groups = {item.nodeid: group for item in items if (group := group_of(item)) is not None}
    target = Path(folder) / f"{worker}.json"
    partial = target.with_suffix(".partial")
    partial.write_text(json.dumps(groups))
    os.replace(partial, target)


def make_scheduler(config: pytest.Config, log: Any, folder: str) -> Any:
    """The controller's scheduler: xdist's LoadGroupScheduling, with the workers' groups. Units
    keep the collection order (the workers put the long tests first, tests/conftest.py) instead of
    xdist's default of the units with the most tests first."""
    from xdist.scheduler import LoadGroupScheduling

    config.option.loadscopereorder = False

    class GroupScheduling(LoadGroupScheduling):
        """Grouped tests form one unit, as in LoadGroupScheduling; the groups come from the
        workers' files (every worker collects the same tests, so any file will do)."""

        def __init__(self) -> None:
            super().__init__(config, log)
            self._groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if nodeid.rfind("@") > nodeid.rfind("]"):
                return super()._split_scope(nodeid)
            if self._groups is None:  # first call: every worker has finished collecting
                self._groups = {}
                for path in sorted(Path(folder).glob("*.json")):
                    self._groups.update(json.loads(path.read_text()))
            return self._groups.get(nodeid, nodeid)

    return GroupScheduling()


# -- hooks (imported by tests/conftest.py) -------------------------------------------------------

def _loadgroup_controller(config: pytest.Config) -> bool:
    return (config.pluginmanager.hasplugin("xdist") and not hasattr(config, "workerinput")
            and bool(config.getoption("numprocesses", None)) and config.getoption("dist", "no") == "loadgroup")


def pytest_configure(config: pytest.Config) -> None:
    if _loadgroup_controller(config):
        config.stash[_FOLDER] = tempfile.mkdtemp(prefix="hyperpower-xdist-groups-")


def pytest_unconfigure(config: pytest.Config) -> None:
    if _FOLDER in config.stash:
        shutil.rmtree(config.stash[_FOLDER], ignore_errors=True)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    if _FOLDER in node.config.stash:
        node.workerinput[GROUPS_FOLDER_KEY] = node.config.stash[_FOLDER]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    return make_scheduler(config, log, config.stash[_FOLDER]) if _FOLDER in config.stash else None


@pytest.hookimpl(tryfirst=True)  # before xdist tells the controller that collection is finished
def pytest_collection_finish(session: pytest.Session) -> None:
    folder = getattr(session.config, "workerinput", {}).get(GROUPS_FOLDER_KEY)
    if folder:
        write_groups(folder, session.config.workerinput["workerid"], session.items)
