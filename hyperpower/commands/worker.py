"""``hyperpower worker --store URI --experiment NAME``: run queued jobs of a driver elsewhere.

Start any number, on any machine that reaches the store (several per machine with SQLite), before
or after the driver: a worker waits up to ``--wait`` for its driver to appear. It prints one line
per job and exits when the driver marks the experiment finished, or after ``--max-jobs``. SIGTERM
or Ctrl-C stops its running job and gives it back to the queue (exit 143 / 130).
"""

from __future__ import annotations

import argparse

DEFAULT_WAIT = "5m"


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("worker", help="claim and run queued jobs of an experiment (distributed use)")
    parser.add_argument("--store", required=True, metavar="URI", help="the driver's store, e.g. mongodb://host/hyperpower")
    parser.add_argument("--experiment", required=True, metavar="NAME", help="experiment name (its folder name)")
    parser.add_argument("--experiment-dir", metavar="DIR",
                        help="the experiment folder on this machine (default: the driver's path)")
    parser.add_argument("--max-jobs", type=int, metavar="N", help="exit after running N jobs")
    parser.add_argument("--poll-interval", type=float, default=1.0, metavar="SECONDS",
                        help="how often an idle worker looks for a job")
    parser.add_argument("--wait", default=DEFAULT_WAIT, metavar="DURATION",
                        help=f"how long to wait for the driver to publish the experiment, e.g. 90s, 10m "
                             f"(default {DEFAULT_WAIT})")
    parser.add_argument("--device", metavar="DEV", action="append", dest="devices",
                        help="a device this worker serves, cpu or gpu:N (repeat for several): it claims only jobs "
                             "of its devices (default: the experiment's devices this machine has)")


def run(args: argparse.Namespace) -> int:
    import dataclasses

    from hyperpower.commands.options import parse_duration
    from hyperpower.devices import worker_devices
    from hyperpower.generate import normalize_store_uri
    from hyperpower.loop.interrupts import StopSignals
    from hyperpower.loop.progress import job_line
    from hyperpower.loop.worker import Worker, wait_for_driver, worker_context
    from hyperpower.settings.section import with_changes

    wait_s = parse_duration(args.wait, "--wait")
    uri = normalize_store_uri(args.store)
    output = lambda line: print(line, flush=True)  # noqa: E731
    with StopSignals() as signals, signals.deferred() as stop_event:
        store = wait_for_driver(uri, args.experiment, wait_s, stop_event, output,
                                poll_interval_s=min(args.poll_interval, 1.0))
        if store is None:
            output(f"hyperpower worker: interrupted by {signals.signal_name} while waiting for the driver")
            return signals.exit_code
        with store:
            paths, config, config_path = worker_context(store, args.experiment, args.experiment_dir)
            devices = worker_devices(config.settings, args.devices)
            if devices and len(devices) == 1 and not config.settings.devices.options:  # where it trains and measures
                config = dataclasses.replace(config, settings=with_changes(config.settings, devices={"device": devices[0]}))
            worker = Worker(store, paths, config, config_path, max_jobs=args.max_jobs,
                            poll_interval_s=args.poll_interval, stop_event=stop_event,
                            on_finished=lambda job: output(job_line(job, config)), notify=output,
                            devices=devices)
            served = f" on {', '.join(devices)}" if devices else ""
            output(f"hyperpower worker {worker.name}: serving {args.experiment}{served} from {store.uri}")
            done = worker.run()
            released = worker.executor.released
            if signals.signal_number:
                given_back = (f"job(s) {', '.join(map(str, released))} went back to the queue"
                              if released else "no job was running")
                output(f"hyperpower worker {worker.name}: interrupted by {signals.signal_name} after "
                       f"{done} job(s): {given_back}")
                return signals.exit_code
            output(f"hyperpower worker {worker.name}: ran {done} job(s), exiting")
    return 0
