"""Worker idle time between jobs on a 4-worker run, background fitting off and on (issue 18).

A cheap synthetic Spearmint main-file (a 6-D function that sleeps ``--job-s`` seconds, as a
short training would) runs under ``hyperpower``'s own driver and local workers. The store is
seeded with ``--seeded`` finished results first (a resumed experiment), so each HW-IECI fit is
as slow as it is mid-run; then ``--jobs`` new jobs run on 4 workers. Idle time of a worker =
start of its next job - end of its previous one (store timestamps).

    python benchmarks/optimizer/worker_idle.py --seeded 200 --jobs 40
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent.parent)]
DIM = 6
MAIN = '''
import time
import numpy as np

def main(job_id, params):
    x = np.array([float(params["x%d" % i][0]) for i in range(6)])
    time.sleep({job_s})
    return {{"objective": float(np.sum(np.sin(3 * x)) + np.sum((x - 0.3) ** 2))}}
'''


def _experiment(folder: Path, job_s: float) -> None:
    folder.mkdir(parents=True)
    (folder / "synthetic.py").write_text(textwrap.dedent(MAIN.format(job_s=job_s)))
    (folder / "config.json").write_text(json.dumps({
        "experiment-name": "idle", "language": "PYTHON", "main-file": "synthetic",
        "variables": {f"x{i}": {"type": "FLOAT", "size": 1, "min": 0.0, "max": 1.0} for i in range(DIM)},
        "tasks": {"objective": {"type": "OBJECTIVE", "likelihood": "NOISELESS"}},
    }))


def _seed_results(store, count: int) -> None:
    from hyperpower.jobs import Job, JobStatus

    rng = np.random.default_rng(0)
    for x in rng.random((count, DIM)):
        raw = {f"x{i}": float(x[i]) for i in range(DIM)}
        job = store.add_job("idle", Job(id=0, experiment="idle", raw_params=raw, params=raw))
        store.claim_job("idle", "seed")
        store.finish_job("idle", job.id, "seed", JobStatus.COMPLETE, feasible=True,
                         values={"objective": float(np.sum(np.sin(3 * x)) + np.sum((x - 0.3) ** 2))})


def run(background: bool, seeded: int, jobs: int, job_s: float, workers: int) -> dict:
    from hyperpower.experiment import resolve_experiment
    from hyperpower.generate import GenerateOptions
    from hyperpower.loop.driver import Driver, RunOptions
    from hyperpower.loop.preparation import prepare_run, write_run_files
    from hyperpower.optimize import Optimizer
    from hyperpower.store import open_store

    root = Path(tempfile.mkdtemp(prefix="hyperpower-idle-"))
    try:
        folder = root / "idle"
        _experiment(folder, job_s)
        paths = resolve_experiment(folder)
        prepared = prepare_run(paths, GenerateOptions(method="hw-ieci", max_evals=seeded + jobs))
        write_run_files(paths, prepared)
        with open_store(f"sqlite:///{folder / 'hyperpower.sqlite'}") as store:
            _seed_results(store, seeded)
            optimizer = Optimizer(prepared.config, {}, np.random.default_rng(1))
            optimizer.suggest(store.list_jobs("idle"))  # burn the chain in, as the run before did
            driver = Driver(store, paths, prepared.config, prepared.config_path, optimizer,
                            RunOptions(workers=workers, poll_interval_s=0.1, background_fit=background),
                            output=lambda line: None)
            started = time.monotonic()
            driver.run()
            wall = time.monotonic() - started
            new = [j for j in store.list_jobs("idle") if j.worker != "seed"]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    gaps = []
    for worker in {j.worker for j in new}:
        own = sorted((j for j in new if j.worker == worker), key=lambda j: j.start_time)
        gaps += [b.start_time - a.end_time for a, b in zip(own, own[1:])]
    return {"background_fit": background, "seeded": seeded, "jobs": len(new), "job_s": job_s, "workers": workers,
            "wall_s": wall, "idle_s": gaps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeded", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--job-s", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    results = HERE / "results" / "idle"
    results.mkdir(parents=True, exist_ok=True)
    for background in (False, True):
        record = run(background, args.seeded, args.jobs, args.job_s, args.workers)
        (results / f"background_{'on' if background else 'off'}.json").write_text(json.dumps(record))
        idle = np.array(record["idle_s"])
        print(f"background fit {'on ' if background else 'off'}: {record['jobs']} jobs in {record['wall_s']:.1f} s; "
              f"idle between jobs median {np.median(idle):.2f} s, mean {idle.mean():.2f} s, "
              f"90th percentile {np.percentile(idle, 90):.2f} s", flush=True)


if __name__ == "__main__":
    main()
