"""``--transfer-from SOURCE...``: read finished experiments into a transfer prior.

A source is named three ways (issue 23 point 4), kept in config.json as given here:

* ``NAME``: an experiment of the store this run uses;
* an experiment folder (``experiments/mnist``, kept as an absolute path): that folder's
  experiment in that folder's store (its config's ``store``, else FOLDER/hyperpower.sqlite), so
  an experiment run with its own default store is read where it lives;
* ``STORE_URI#NAME`` (``sqlite:////data/old.sqlite#mnist``, ``mongodb://db1/hp#mnist``): an
  experiment of any store.

Everything is checked before the run writes anything (each store is opened without creating
it): a missing store or experiment, one with no config there (never driven by ``hyperpower
run``), one sharing no variable with this experiment, or one with fewer than ``MIN_SOURCE_JOBS``
complete jobs with a measured objective is refused in one paragraph naming it.

Each source passes every objective of this experiment it measured (issue 22.4), NaN where it
did not, so no GP is conditioned on a value nobody measured; a source that measured none of them
lends its own primary objective to this one's first (a related task under another name). The
run's lines say, per source, how many jobs were used and why any were left out.
"""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path

import numpy as np

from hyperpower.config import ExperimentConfig, config_from_json, load_config, load_experiment_config
from hyperpower.errors import ConfigError
from hyperpower.feasibility import is_number
from hyperpower.jobs import Job, JobStatus
from hyperpower.optimize.transfer import SourceTask, TransferPrior, shared_variables

MIN_SOURCE_JOBS = 3
STORE_SEPARATOR = "#"
NONE = "none"


@dataclasses.dataclass(frozen=True)
class SourceReference:
    """Where a source lives: its experiment name and store; ``given`` is the kept text."""

    given: str
    name: str
    store_uri: str


@dataclasses.dataclass
class LoadedSource:
    """A source read from its store: the task handed to the prior, its label in the run's lines,
    how many jobs it has, those left out before the prior saw them (reason -> count), and which
    of this experiment's objectives it measured (``read_as``: the source metric column 0 reads
    when it measured none of them)."""

    task: SourceTask
    label: str
    jobs: int
    left_out: dict[str, int]
    measured: list[str]
    read_as: str | None = None


def normalize_transfer_source(text: str) -> str:
    """The form ``--transfer-from`` keeps in config.json: ``STORE_URI#NAME`` with a SQLite path
    made absolute, a folder as its absolute path, a plain name as it is; ConfigError naming the
    value when it is neither."""
    from hyperpower.generate import normalize_store_uri

    text = text.strip()
    if STORE_SEPARATOR in text:
        uri, _, name = text.rpartition(STORE_SEPARATOR)
        if not uri or not name.strip():
            raise ConfigError(f"--transfer-from {text!r}: expected STORE_URI#EXPERIMENT (e.g. "
                              f"sqlite:////data/old.sqlite#mnist), an experiment folder, or an experiment name")
        try:
            return f"{normalize_store_uri(uri)}{STORE_SEPARATOR}{name.strip()}"
        except ConfigError as exc:
            raise ConfigError(f"--transfer-from {text!r}: {str(exc).replace('--store: ', '')}") from None
    if _looks_like_path(text):
        folder = Path(text).expanduser()
        if not folder.is_dir():
            raise ConfigError(f"--transfer-from {text}: no such experiment folder (give a folder, "
                              f"STORE_URI#EXPERIMENT, or the name of an experiment in this run's store)")
        return str(folder.resolve())
    return text


def _looks_like_path(text: str) -> bool:
    return os.sep in text or "/" in text or text.startswith((".", "~"))


def resolve_source(given: str, run_store_uri: str) -> SourceReference:
    """The experiment and store a kept ``--transfer-from`` text names."""
    if STORE_SEPARATOR in given:
        uri, _, name = given.rpartition(STORE_SEPARATOR)
        return SourceReference(given, name, uri)
    if _looks_like_path(given):
        return _folder_source(given)
    return SourceReference(given, given, run_store_uri)


def _folder_source(given: str) -> SourceReference:
    """A folder's experiment in the store its runs used: the last run's snapshot, else its config."""
    from hyperpower.experiment import resolve_experiment
    from hyperpower.generate import effective_store_uri

    try:
        paths = resolve_experiment(given)
    except ConfigError as exc:
        raise ConfigError(f"--transfer-from {given}: {exc}") from None
    if not paths.config.is_file():
        raise ConfigError(f"--transfer-from {given}: the folder has no {paths.config.name} (it was never run), "
                          f"so there are no results to transfer")
    name = load_experiment_config(paths).name
    settings = (load_config(paths.run_config) if paths.run_config.is_file() else load_experiment_config(paths)).settings
    return SourceReference(given, name, effective_store_uri(paths, settings))


def load_transfer_prior(store_uri: str, config: ExperimentConfig) -> tuple[TransferPrior, list[LoadedSource]] | None:
    """The prior of ``config.settings.transfer.sources`` and what was read of each source (None when
    it names nothing); ConfigError before anything is written when a source cannot serve."""
    references = [resolve_source(text, store_uri) for text in config.settings.transfer.sources or []]
    if not references:
        return None
    loaded = [_load(reference, store_uri, config) for reference in references]
    try:
        prior = TransferPrior(config.space, [source.task for source in loaded])
    except ValueError as exc:
        raise ConfigError(f"--transfer-from {' '.join(s.label for s in loaded)}: {exc} "
                          f"({'; '.join(usage_text(s, None) for s in loaded)})") from None
    return prior, loaded


def _load(reference: SourceReference, run_store_uri: str, config: ExperimentConfig) -> LoadedSource:
    from hyperpower.loop.worker import META_CONFIG
    from hyperpower.store import mask_uri, open_store
    from hyperpower.store.sqlite import StoreFileMissing

    same_store = reference.store_uri == run_store_uri
    label = reference.name if same_store else f"{reference.name} (store {mask_uri(reference.store_uri)})"
    where = f"--transfer-from {reference.given}"
    if same_store and reference.name == config.name:
        raise ConfigError(f"{where}: that is this experiment; name finished experiments of related tasks (its own "
                          f"results are used anyway)")
    try:
        store = open_store(reference.store_uri, create=False)
    except StoreFileMissing:
        hint = " (transfer reads this run's store for a plain name: give the experiment's folder or " \
               "STORE_URI#EXPERIMENT for another store)" if same_store else ""
        raise ConfigError(f"{where}: store {mask_uri(reference.store_uri)} does not exist yet, so it holds no "
                          f"experiment {reference.name!r}{hint}") from None
    with store:
        present = store.list_experiments()
        if reference.name not in present:
            raise ConfigError(f"{where}: no experiment {reference.name!r} in store {mask_uri(store.uri)} (it holds "
                              f"{', '.join(present) or 'none'})")
        data = store.get_meta(reference.name, META_CONFIG)
        jobs = store.list_jobs(reference.name)
    if data is None:
        raise ConfigError(f"{where}: experiment {reference.name!r} has no config in store {mask_uri(reference.store_uri)} "
                          f"(it was never driven by `hyperpower run`), so its variables are unknown")
    source_config = config_from_json(data, f"store {mask_uri(reference.store_uri)} ({reference.name})")
    _check_shared(where, reference.name, source_config, config)
    return _source_task(where, label, jobs, source_config, config)


def _check_shared(where: str, name: str, source: ExperimentConfig, config: ExperimentConfig) -> None:
    if not shared_variables(config.space, source.space):
        raise ConfigError(f"{where}: experiment {name!r} shares no variable with {config.name!r} (its variables: "
                          f"{', '.join(source.space.names)}; this one's: {', '.join(config.space.names)}), so "
                          f"its results say nothing about this search; name a related experiment")


def _source_task(where: str, label: str, jobs: list[Job], source: ExperimentConfig,
                 config: ExperimentConfig) -> LoadedSource:
    """The complete jobs with at least one measured objective of this experiment, as a SourceTask."""
    objectives = config.settings.objectives.names
    complete = [job for job in jobs if job.status is JobStatus.COMPLETE]
    columns, read_as = list(objectives), None
    if not any(is_number(job.values.get(name)) for job in complete for name in objectives):
        read_as = source.objective_task.name  # a related task measured under its own name
        columns[0] = read_as
    raw, values = [], []
    for job in complete:
        row = [float(job.values[name]) if is_number(job.values.get(name)) else math.nan for name in columns]
        if any(math.isfinite(value) for value in row):
            raw.append(job.raw_params)
            values.append(row)
    left_out = {}
    if len(jobs) > len(complete):
        left_out["not complete (broken, pending or skipped)"] = len(jobs) - len(complete)
    if len(complete) > len(values):
        left_out[f"no measured {' or '.join(columns)}"] = len(complete) - len(values)
    if len(values) < MIN_SOURCE_JOBS:
        raise ConfigError(f"{where}: experiment {label!r} has {len(values)} complete job(s) with a measured "
                          f"{' or '.join(columns)}; transfer needs at least {MIN_SOURCE_JOBS} (run it further first)")
    matrix = np.array(values, dtype=float).reshape(len(values), len(columns))
    measured = [name for j, name in enumerate(objectives) if np.isfinite(matrix[:, j]).any()]
    task = SourceTask(label, source.space, raw, matrix)
    return LoadedSource(task, label, len(jobs), left_out, measured, read_as)


def usage_text(source: LoadedSource, prior: TransferPrior | None) -> str:
    """``A: 4 of 5 jobs used (1 not complete; 1 outside this experiment's values of lr)``."""
    usage = prior.usage.get(source.task.name) if prior is not None else None
    left_out = {**source.left_out, **(usage.left_out if usage is not None else {})}
    used = usage.used if usage is not None else len(source.task.raw_params)
    reasons = "; ".join(f"{count} {reason}" for reason, count in left_out.items())
    return f"{source.label}: {used} of {source.jobs} jobs used" + (f" (left out: {reasons})" if reasons else "")


def transfer_lines(prior: TransferPrior, sources: list[LoadedSource], objectives: list[str]) -> list[str]:
    """What the run prints about its transfer: the prior, each source's jobs used and left out,
    and, with several objectives, which objective's GP each source informs."""
    lines = [f"hyperpower: transfer from {', '.join(prior.names)}: {len(prior.points)} configurations over the "
             f"shared variables {', '.join(prior.shared)} (Gaussian-copula prior: initial design and weighted "
             f"extra observations)"]
    for source in sources:
        text = f"hyperpower: transfer source {usage_text(source, prior)}"
        if source.read_as is not None:
            text += f"; its {source.read_as} stands in for {objectives[0]} (it measured none of {', '.join(objectives)})"
        elif len(objectives) > 1:
            unmeasured = [name for name in objectives if name not in source.measured]
            text += f"; measured {', '.join(source.measured)}"
            if unmeasured:
                text += (f"; {', '.join(unmeasured)} not measured, so its configurations are left out of "
                         f"{'that GP' if len(unmeasured) == 1 else 'those GPs'}")
        lines.append(text)
    return lines
