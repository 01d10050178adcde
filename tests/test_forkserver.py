"""The fork server runs each task in its own child, survives failing and hanging tasks, and its
children die with it."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from hyperpower.forkserver import ForkServer, ForkServerError

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fork server is Linux-only")


def _task_module(folder: Path) -> str:
    """A module whose main(argv) does what argv[0] says; importable by the server through PYTHONPATH."""
    (folder / "forktask.py").write_text(
        "import os, sys, time\n"
        "LOADED_AT = time.time()\n"
        "def main(argv):\n"
        "    kind = argv[0]\n"
        "    print(f'task {kind} in {os.getpid()} loaded at {LOADED_AT}', flush=True)\n"
        "    if kind == 'fail':\n"
        "        raise RuntimeError('task failed on purpose')\n"
        "    if kind == 'hang':\n"
        "        time.sleep(60)\n"
        "    return int(argv[1]) if len(argv) > 1 else 0\n")
    return "forktask"


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan killed by its death signal may wait to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.fixture
def server(tmp_path: Path):
    module = _task_module(tmp_path)
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), *sys.path]))
    with ForkServer([module], f"{module}:main", env=environment, startup_timeout_s=60) as fork_server:
        yield fork_server


def test_each_task_runs_in_a_fresh_child_of_one_warm_server(server: ForkServer, tmp_path: Path) -> None:
    logs = [tmp_path / f"task{i}.log" for i in range(2)]
    codes = []
    for log in logs:
        task = server.start(["ok", "3"], log)
        codes.append(task.wait(30))
    assert codes == [3, 3]
    first, second = (log.read_text().split() for log in logs)
    assert first[3] != second[3], "each task has its own process"
    assert first[-1] == second[-1], "the module was imported once, in the server, before forking"


def test_a_request_naming_another_target_imports_it_in_the_child_only(server: ForkServer, tmp_path: Path) -> None:
    """A worker's jobs fork from its measurement server this way (loop.executor): the server's
    state, which every later child starts from, must not gain the other target's modules."""
    (tmp_path / "othertask.py").write_text(
        "import os, sys, time\n"
        "LOADED_AT = time.time()\n"
        "def main(argv):\n"
        "    print(f'other in {os.getpid()} loaded at {LOADED_AT}', flush=True)\n"
        "    return int(argv[0])\n")
    logs = [tmp_path / f"other{i}.log" for i in range(2)]
    codes = [server.start([str(4 + i)], log, target="othertask:main").wait(30) for i, log in enumerate(logs)]
    assert codes == [4, 5]
    first, second = (log.read_text().split() for log in logs)
    assert first[0] == second[0] == "other" and first[-1] != second[-1], "imported in each child, not the server"
    assert server.start(["ok", "2"], tmp_path / "own.log").wait(30) == 2, "the server's own target is unchanged"
    assert (tmp_path / "own.log").read_text().startswith("task ok")


def test_failing_and_hanging_tasks_leave_the_server_usable(server: ForkServer, tmp_path: Path) -> None:
    failing = server.start(["fail"], tmp_path / "fail.log")
    assert failing.wait(30) == 1
    assert "RuntimeError: task failed on purpose" in (tmp_path / "fail.log").read_text()
    hanging = server.start(["hang"], tmp_path / "hang.log")
    assert hanging.wait(0.5) is None
    with pytest.raises(ForkServerError, match="one task at a time"):
        server.start(["ok"], tmp_path / "other.log")
    hanging.kill()
    assert hanging.returncode == -signal.SIGKILL
    assert server.start(["ok", "0"], tmp_path / "after.log").wait(30) == 0


def test_children_die_with_the_server(server: ForkServer, tmp_path: Path) -> None:
    hanging = server.start(["hang"], tmp_path / "hang.log")
    os.kill(server._process.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not _running(hanging.pid):
            return
        time.sleep(0.1)
    pytest.fail("the task outlived its killed server")


def test_server_and_tasks_are_out_of_the_terminals_process_group(server: ForkServer, tmp_path: Path) -> None:
    """Ctrl-C reaches the whole foreground process group: the server and its tasks must not be in
    ours, so the parent alone decides what an interrupt does to the running task."""
    hanging = server.start(["hang"], tmp_path / "hang.log")
    try:
        ours = os.getpgid(0)
        assert os.getpgid(server._process.pid) != ours
        assert os.getpgid(hanging.pid) != ours
        assert os.getsid(server._process.pid) == server._process.pid, "the server leads a session of its own"
    finally:
        hanging.kill()
    assert hanging.returncode == -signal.SIGKILL
