"""``--transfer-from EXP...``: read the finished experiments of the same store into a transfer prior.

Everything is checked before the run writes anything (the store is opened without creating it):
a source missing from the store, one with no config there (never driven by ``hyperpower run``),
one sharing no variable with this experiment, or with fewer than ``MIN_SOURCE_JOBS`` complete jobs
is refused in one paragraph naming it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from hyperpower.config import ExperimentConfig, config_from_json
from hyperpower.errors import ConfigError
from hyperpower.jobs import JobStatus
from hyperpower.optimize.transfer import SourceTask, TransferPrior, shared_variables

MIN_SOURCE_JOBS = 3


def load_transfer_prior(store_uri: str, config: ExperimentConfig) -> TransferPrior | None:
    """The prior of ``config.settings.transfer.sources`` (None when it names nothing)."""
    from hyperpower.store import mask_uri, open_store
    from hyperpower.store.sqlite import StoreFileMissing

    names = list(config.settings.transfer.sources or [])
    if not names:
        return None
    if config.name in names:
        raise ConfigError(f"--transfer-from {config.name}: that is this experiment; name finished experiments of "
                          f"related tasks (its own results are used anyway)")
    try:
        store = open_store(store_uri, create=False)
    except StoreFileMissing:
        raise ConfigError(f"--transfer-from {' '.join(names)}: store {mask_uri(store_uri)} does not exist yet, so it "
                          f"holds no experiment {names[0]!r}; transfer reads finished experiments of the store this "
                          f"run uses (give --store)") from None
    with store:
        present = store.list_experiments()
        sources = [_source(store, name, present, config) for name in names]
    return TransferPrior(config.space, sources)


def _source(store: Any, name: str, present: list[str], config: ExperimentConfig) -> SourceTask:
    from hyperpower.loop.worker import META_CONFIG
    from hyperpower.store import mask_uri

    where = f"--transfer-from {name}"
    if name not in present:
        raise ConfigError(f"{where}: no experiment {name!r} in store {mask_uri(store.uri)} (it holds "
                          f"{', '.join(present) or 'none'}); transfer reads finished experiments of the same store")
    data = store.get_meta(name, META_CONFIG)
    if data is None:
        raise ConfigError(f"{where}: experiment {name!r} has no config in store {mask_uri(store.uri)} (it was never "
                          f"driven by `hyperpower run`), so its variables are unknown")
    source_config = config_from_json(data, f"store {mask_uri(store.uri)} ({name})")
    shared = shared_variables(config.space, source_config.space)
    if not shared:
        raise ConfigError(f"{where}: experiment {name!r} shares no variable with {config.name!r} (its variables: "
                          f"{', '.join(source_config.space.names)}; this one's: {', '.join(config.space.names)}), so "
                          f"its results say nothing about this search; name a related experiment")
    objectives = [_objective_name(config, source_config)]
    raw, values = [], []
    for job in store.list_jobs(name, JobStatus.COMPLETE):
        row = [job.values.get(objective) for objective in objectives]
        if all(isinstance(v, (int, float)) and math.isfinite(v) for v in row):
            raw.append(job.raw_params)
            values.append(row)
    if len(values) < MIN_SOURCE_JOBS:
        raise ConfigError(f"{where}: experiment {name!r} has {len(values)} complete job(s) with a finite "
                          f"{objectives[0]}; transfer needs at least {MIN_SOURCE_JOBS} (run it further first)")
    return SourceTask(name, source_config.space, raw, np.array(values, dtype=float))


def _objective_name(config: ExperimentConfig, source: ExperimentConfig) -> str:
    """The target's objective when the source measured it, else the source's own objective."""
    return config.objective_task.name if config.objective_task.name in source.tasks or \
        config.settings.objectives.primary == source.settings.objectives.primary else source.objective_task.name


def transfer_line(prior: TransferPrior) -> str:
    return (f"hyperpower: transfer from {', '.join(prior.names)}: {len(prior.points)} configurations over the shared "
            f"variables {', '.join(prior.shared)} (Gaussian-copula prior: initial design and weighted extra "
            f"observations)")
