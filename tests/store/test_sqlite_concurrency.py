"""Real OS processes sharing one SQLite file: every job claimed exactly once, ids gap-free.

Each child is a fresh interpreter (``subprocess``, so nothing is inherited through fork). The
children start together: each writes a ready file, and none begins until the parent writes the
go file, so their transactions really interleave.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from hyperpower.jobs import Job, JobStatus
from hyperpower.store.sqlite import SQLiteStore

PROCESSES = 4
JOBS = 200

CHILD = r"""
import json, sys, time
from pathlib import Path
from hyperpower.jobs import Job, JobStatus
from hyperpower.store.sqlite import SQLiteStore

path, name, action, count, folder = sys.argv[1:6]
count, folder = int(count), Path(folder)
store = SQLiteStore(path, lock_timeout_s=30.0)
(folder / f"ready-{name}").touch()
while not (folder / "go").exists():
    time.sleep(0.005)
done = []
if action == "claim":
    while (job := store.claim_job("race", name)) is not None:
        store.finish_job("race", job.id, name, JobStatus.COMPLETE, values={"error": 0.0})
        done.append(job.id)
        time.sleep(0.002)  # a job takes time: lets the others in even on a loaded machine
else:
    for index in range(count):
        job = Job(id=0, experiment="", raw_params={"by": name, "n": index})
        done.append(store.add_job("race", job).id)
print(json.dumps(done))
"""


def _run_children(tmp_path: Path, action: str, count: int) -> dict[str, list[int]]:
    path = tmp_path / "shared.sqlite"
    names = [f"worker{index}" for index in range(PROCESSES)]
    children = {
        name: subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), name, action, str(count), str(tmp_path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for name in names
    }
    deadline = time.monotonic() + 60.0
    while not all((tmp_path / f"ready-{name}").exists() for name in names):
        assert time.monotonic() < deadline, "children did not start"
        assert all(child.poll() is None for child in children.values()), "a child died early"
        time.sleep(0.01)
    (tmp_path / "go").touch()
    results = {}
    for name, child in children.items():
        stdout, stderr = child.communicate(timeout=120)
        assert child.returncode == 0, stderr
        results[name] = json.loads(stdout)
    return results


def test_processes_claim_every_job_exactly_once(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "shared.sqlite")
    for index in range(JOBS):
        store.add_job("race", Job(id=0, experiment="", raw_params={"n": index}))
    claimed = _run_children(tmp_path, "claim", 0)
    all_claims = [job_id for ids in claimed.values() for job_id in ids]
    assert sorted(all_claims) == list(range(1, JOBS + 1))  # none lost, none twice
    assert sum(1 for ids in claimed.values() if ids) >= 2, "the processes did not overlap"
    for name, ids in claimed.items():
        assert ids == sorted(ids), f"{name} claimed out of id order"
    jobs = store.list_jobs("race")
    assert all(job.status is JobStatus.COMPLETE and job.attempts == 1 for job in jobs)
    holder = {job_id: name for name, ids in claimed.items() for job_id in ids}
    assert all(job.worker == holder[job.id] for job in jobs)


def test_concurrent_add_job_gives_unique_gap_free_ids(tmp_path: Path) -> None:
    SQLiteStore(tmp_path / "shared.sqlite")
    per_process = 50
    added = _run_children(tmp_path, "add", per_process)
    all_ids = [job_id for ids in added.values() for job_id in ids]
    assert sorted(all_ids) == list(range(1, PROCESSES * per_process + 1))
    for ids in added.values():
        assert ids == sorted(ids)
    store = SQLiteStore(tmp_path / "shared.sqlite")
    for job in store.list_jobs("race"):
        owner = job.raw_params["by"]
        assert job.id in added[owner]
