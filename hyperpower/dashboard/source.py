"""Where the dashboard's data comes from: one read-only store and, per experiment, its settings,
its folder on this machine and its jobs.

Two ways to name what is shown (``hyperpower dashboard``):

* an experiment folder: its settings as ``status`` reads them (the run's ``output/run_config.json``,
  else its config.json) and its store (``--store``, else the run's, else ``EXP/hyperpower.sqlite``);
  the store file may not exist yet: the page then waits for the first run to create it;
* a whole store (``--store URI`` alone): every experiment in it, each with the settings its driver
  published in the store (the snapshot distributed workers run from) and the folder it recorded.

Nothing here writes: the store is opened with ``open_store(..., read_only=True)``.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any, Callable

from hyperpower.config import ExperimentConfig, config_from_json
from hyperpower.errors import HyperPowerError
from hyperpower.experiment import ExperimentPaths, resolve_experiment
from hyperpower.jobs import Job
from hyperpower.loop.worker import META_CONFIG, META_EXPERIMENT_DIR, META_FINISHED
from hyperpower.store import ExperimentStore, mask_uri, open_store


@dataclasses.dataclass(frozen=True)
class ExperimentSnapshot:
    """One experiment as read at ``read_at`` (seconds since the epoch).

    config: its settings; None when the store holds no config for it (never driven by ``run``).
    paths: its folder on this machine, None when unknown or absent here (no job files then).
    models: metric -> a-priori model (``LinearModel``) of its budgets, for their calibration.
    finished: the driver's flag (True once a run ended; False while one runs or after one died).
    """

    name: str
    store_uri: str
    config: ExperimentConfig | None
    paths: ExperimentPaths | None
    jobs: list[Job]
    models: dict[str, Any]
    finished: bool | None
    read_at: float
    note: str = ""
    #: results computed from this snapshot, kept for the other views of the same state
    computed: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False, repr=False)

    @property
    def store_display(self) -> str:
        return mask_uri(self.store_uri)

    def remember(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per snapshot: the front and the best-so-far curves serve several views."""
        if key not in self.computed:
            self.computed[key] = compute()
        return self.computed[key]

    def front(self) -> Any:
        """The feasible Pareto front of several objectives (``report.pareto.pareto_front``)."""
        from hyperpower.report.pareto import pareto_front

        assert self.config is not None
        return self.remember("front", lambda: pareto_front(self.jobs, self.config))


@dataclasses.dataclass(frozen=True)
class ExperimentFolder:
    """The experiment named on the command line: its folder, the settings ``status`` would use,
    and how to read them again (``read_config``), so a run started after the dashboard shows with
    its own settings."""

    paths: ExperimentPaths
    config: ExperimentConfig
    read_config: Callable[[], ExperimentConfig] | None = None


class UnknownExperiment(HyperPowerError):
    """A name the dashboard does not show (not in the store, or not the experiment it was given)."""


class DashboardSource:
    """Reads experiments from ``store_uri``; ``folder`` limits them to that one experiment, and so
    does ``only`` (a name in the store, shown with the settings the store holds).

    The store is opened on first use and kept open (its reads are thread-safe); a SQLite file that
    does not exist yet is looked for again on every read, so a dashboard started before the run
    shows the run once it begins.
    """

    def __init__(self, store_uri: str, folder: ExperimentFolder | None = None, only: str | None = None) -> None:
        self.store_uri = store_uri
        self.folder = folder
        self.only = only
        self._store: ExperimentStore | None = None
        self._lock = threading.Lock()

    @property
    def store_display(self) -> str:
        return mask_uri(self.store_uri)

    def open(self) -> ExperimentStore | None:
        """The read-only store; None while its SQLite file does not exist. StoreError otherwise."""
        from hyperpower.store.sqlite import StoreFileMissing

        with self._lock:
            if self._store is None:
                try:
                    self._store = open_store(self.store_uri, read_only=True, timeout_s=10.0)
                except StoreFileMissing:
                    return None
            return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    def experiment_names(self) -> list[str]:
        """The experiments shown: the folder's one, or every experiment of the store."""
        if self.folder is not None:
            return [self.folder.config.name]
        if self.only is not None:
            return [self.only]
        store = self.open()
        return store.list_experiments() if store is not None else []

    def snapshot(self, name: str) -> ExperimentSnapshot:
        """Everything the views need about ``name``, read now. UnknownExperiment when not shown."""
        if name not in self.experiment_names():
            raise UnknownExperiment(f"experiment {name!r} is not shown by this dashboard")
        store = self.open()
        read_at = time.time()
        if store is None:
            return self._folder_snapshot([], None, read_at, note="no store yet: it appears with the first run")
        jobs = store.list_jobs(name)
        finished = store.get_meta(name, META_FINISHED)
        if self.folder is not None:
            return self._folder_snapshot(jobs, finished, read_at)
        return self._store_snapshot(store, name, jobs, finished, read_at)

    def _folder_snapshot(self, jobs: list[Job], finished: bool | None, read_at: float,
                         note: str = "") -> ExperimentSnapshot:
        assert self.folder is not None
        paths, config = self.folder.paths, self.folder.config
        if self.folder.read_config is not None:
            try:  # the settings of the run going on now, when it started after the dashboard
                config = self.folder.read_config()
            except HyperPowerError:
                pass
        return ExperimentSnapshot(name=config.name, store_uri=self.store_uri, config=config, paths=paths,
                                  jobs=jobs, models=budget_models(paths, config), finished=finished,
                                  read_at=read_at, note=note)

    def _store_snapshot(self, store: ExperimentStore, name: str, jobs: list[Job], finished: bool | None,
                        read_at: float) -> ExperimentSnapshot:
        data = store.get_meta(name, META_CONFIG)
        note, config = "", None
        if data is None:
            note = "the store holds no settings for this experiment (it was never driven by `hyperpower run`)"
        else:
            try:
                config = config_from_json(data, f"store {mask_uri(self.store_uri)} ({name})")
            except HyperPowerError as error:
                note = f"its settings in the store cannot be read: {error}"
        paths = _recorded_folder(store.get_meta(name, META_EXPERIMENT_DIR))
        models = budget_models(paths, config) if config is not None else {}
        return ExperimentSnapshot(name=name, store_uri=self.store_uri, config=config, paths=paths, jobs=jobs,
                                  models=models, finished=finished, read_at=read_at, note=note)


def _recorded_folder(folder: Any) -> ExperimentPaths | None:
    """The folder the driver recorded, when it is an experiment folder on this machine."""
    if not isinstance(folder, str) or not folder:
        return None
    try:
        return resolve_experiment(folder)
    except HyperPowerError:
        return None


def budget_models(paths: ExperimentPaths | None, config: ExperimentConfig) -> dict[str, Any]:
    """metric -> the a-priori model a run of ``config`` checks that budget with (the config's
    ``models``, else ``EXP/models/<metric>.json``), for the calibration the overview states. A
    model that cannot be read is left out: the run itself refuses it, and says why."""
    from hyperpower.errors import ConfigError
    from hyperpower.loop.model_files import model_sources
    from hyperpower.optimize.constraints import load_linear_model

    if paths is not None:
        sources = model_sources(paths, config)
    else:  # no folder here: the models the settings name by absolute path or inline
        sources = {metric: given for metric, given in config.settings.budgets.models.items()
                   if not isinstance(given, str) or given.startswith("/")}
    models = {}
    for metric, source in sources.items():
        try:
            models[metric] = load_linear_model(source)
        except ConfigError:
            continue
    return models
