"""A run whose objectives differ from those the experiment's stored jobs ran under.

Every job keeps every value it measured or returned, so a job run to minimize error × memory
also holds its latency, and can be read again as an error × latency result: the front, the
incumbent and the GPs of the new run start from it. A job lacks a value it never measured
(``cost`` without a price then, a task its main-file did not return); under objectives that need
it, such a job would silently drop out of the front and of the optimizer's data. ``run`` refuses
that case before writing anything, naming the earlier objectives and the ways out.
"""

from __future__ import annotations

from pathlib import Path

from hyperpower.config import ExperimentConfig, config_from_json
from hyperpower.errors import ConfigError
from hyperpower.experiment import ExperimentPaths
from hyperpower.jobs import Job, JobStatus


def check_objectives_against_jobs(paths: ExperimentPaths, config: ExperimentConfig, store_uri: str) -> str | None:
    """None when the stored jobs ran under this run's objectives (or there are none); the line
    that says they are re-read when the objectives changed and every complete job has a value of
    each new one; ConfigError (nothing written) when some job lacks one. Reads the store only."""
    stored = _stored(config, store_uri)
    if stored is None:
        return None
    earlier, jobs = stored
    now = config.settings.objectives.names
    complete = [job for job in jobs if job.status is JobStatus.COMPLETE]
    if earlier == now or not complete:
        return None
    lacking = {name: [job for job in complete if name not in job.values] for name in now}
    lacking = {name: found for name, found in lacking.items() if found}
    if lacking:
        raise ConfigError(_refusal(paths, config, earlier, complete, lacking))
    return (f"hyperpower: {config.name}: the objectives changed from {_names(earlier)} to {_names(now)}; the "
            f"{len(complete)} complete job(s) stored are re-read under {_names(now)} (each holds those values)")


def _stored(config: ExperimentConfig, store_uri: str) -> tuple[list[str], list[Job]] | None:
    """The objectives the experiment's last run had (its config in the store) and its jobs; None
    without a store file, a stored config or any job."""
    from hyperpower.loop.worker import META_CONFIG
    from hyperpower.store import mask_uri, open_store
    from hyperpower.store.uri import parse_store_uri

    address = parse_store_uri(store_uri)
    if address.kind == "sqlite" and not Path(address.target).exists():
        return None
    with open_store(store_uri) as store:
        data = store.get_meta(config.name, META_CONFIG)
        jobs = store.list_jobs(config.name) if data is not None else []
    if data is None or not jobs:
        return None
    try:
        earlier = config_from_json(data, f"store {mask_uri(store_uri)} ({config.name})")
    except ConfigError:
        return None  # a config an older HyperPower stored and this one cannot read: nothing to compare
    return earlier.settings.objectives.names, jobs


def _refusal(paths: ExperimentPaths, config: ExperimentConfig, earlier: list[str], complete: list[Job],
             lacking: dict[str, list[Job]]) -> str:
    now = config.settings.objectives.names
    missing = "; ".join(f"{len(jobs)} have no {name} value (first: job {jobs[0].id})" for name, jobs in lacking.items())
    if paths.layout == "spearmint":
        keep = f"keep the OBJECTIVE task(s) {', '.join(earlier)} in {paths.config}"
        new = f"give {paths.config} a new \"experiment-name\""
    else:
        keep = "keep them (" + " ".join(f"--optimize {name}" for name in earlier) + ")"
        new = (f"start a new experiment (a copy of the folder is one: cp -r {paths.root} "
               f"{paths.root.parent / (paths.root.name + '_2')}, then run the copy)")
    return (f"{config.name}: the last run of {config.name} minimized {_names(earlier)}, and this run minimizes "
            f"{_names(now)}; of the {len(complete)} complete job(s) stored, {missing}. A job records only what it measured (cost needs a "
            f"--price when the job runs; a Spearmint task, a value its main-file returned), so those jobs cannot be "
            f"read under the new objectives and would drop out of the front and the optimizer's data. Either "
            f"{keep}, or {new}, or drop the stored jobs with `hyperpower clean {paths.root}`")


def _names(names: list[str]) -> str:
    return " × ".join(names)
