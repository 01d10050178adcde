"""``hyperpower worker --store URI --experiment NAME``: run queued jobs of a driver elsewhere.

Start any number, on any machine that reaches the store (several per machine with SQLite). A
worker exits when the driver marks the experiment finished, after ``--max-jobs``, or on SIGTERM /
Ctrl-C, in which case it stops its running job and gives it back to the queue.
"""

from __future__ import annotations

import argparse
import signal


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("worker", help="claim and run queued jobs of an experiment (distributed use)")
    parser.add_argument("--store", required=True, metavar="URI", help="the driver's store, e.g. mongodb://host/hyperpower")
    parser.add_argument("--experiment", required=True, metavar="NAME", help="experiment name (its folder name)")
    parser.add_argument("--experiment-dir", metavar="DIR",
                        help="the experiment folder on this machine (default: the driver's path)")
    parser.add_argument("--max-jobs", type=int, metavar="N", help="exit after running N jobs")
    parser.add_argument("--poll-interval", type=float, default=1.0, metavar="SECONDS",
                        help="how often an idle worker looks for a job")


def run(args: argparse.Namespace) -> int:
    from hyperpower.generate import normalize_store_uri
    from hyperpower.loop.worker import Worker, worker_context
    from hyperpower.store import open_store

    with open_store(normalize_store_uri(args.store)) as store:
        paths, config, config_path = worker_context(store, args.experiment, args.experiment_dir)
        worker = Worker(store, paths, config, config_path, max_jobs=args.max_jobs,
                        poll_interval_s=args.poll_interval)
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signal_number, lambda *_: worker.stop_event.set())
        print(f"hyperpower worker {worker.name}: serving {args.experiment} from {store.uri}", flush=True)
        done = worker.run()
        print(f"hyperpower worker {worker.name}: ran {done} job(s), exiting", flush=True)
    return 0
