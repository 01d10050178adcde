"""What the driver queues under ``--scheduler``: promotions first, then new configurations.

The driver calls ``Scheduler.next_jobs(jobs, count)`` once per iteration with every job in the
store, so the scheduler keeps no state of its own: a restarted driver, parallel or distributed
workers, and requeued jobs all read the same decisions from the store.

**ASHA** (Li et al. 2020): rungs at ``schedule.settings.ladder`` epochs (1, 3, 9 for min 1,
max 9, eta 3). For each free slot, the highest rung first, a job finished at rung k that is in
the top 1/eta of rung k (``promotion.promotable``) and has no child yet is promoted: a new job
naming it as ``parent``, at rung k+1, which continues its checkpoint. With no promotion to make,
a new configuration starts at the first rung.

**Hyperband** (asynchronous, as in Li et al. 2020 §3.3): brackets b = 0..K (K the top rung
index), bracket b starting its configurations at rung b; each bracket is an ASHA whose jobs
compete only with jobs of the same bracket at the same rung. New configurations go to the
bracket furthest below its share, the shares being the number of configurations synchronous
Hyperband starts in each bracket, n_b = ceil((K+1)/(K+1-b) * eta^(K-b)) (9, 5, 3 for K=2,
eta=3): mostly aggressive brackets, some that start at higher fidelity in case the low rungs
mislead.

**New configurations** (BOHB-like, Falkner et al. 2018): the run's own method (``--method``,
its a-priori models filtering as usual) is asked with the jobs of the highest rung that has at
least ``initial_design`` complete jobs; every other configuration is passed as pending, so it is
never suggested again and parallel suggestions differ. Until a rung has that many, no rung has
observations to fit and the method's initial design (Sobol) or random sampling (``rand``)
answers. ``--method rand`` with a scheduler is ASHA's own random sampling.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Sequence, TextIO

import numpy as np

from hyperpower.config import ExperimentConfig
from hyperpower.devices import job_device
from hyperpower.feasibility import feasibility
from hyperpower.jobs import Job, JobStatus
from hyperpower.metrics import MEASUREMENT_RECORDS, is_hardware_metric
from hyperpower.schedule.promotion import promotable
from hyperpower.settings.schedule import ladder

#: metrics measured on the hardware during inference: a promotion inherits its parent's


def scheduler_objectives(config: ExperimentConfig) -> list[str]:
    """The objectives the promotion rule ranks by (the experiment's OBJECTIVE tasks in order):
    one is ranked by its value, several by non-dominated sorting over all of them."""
    return [task.name for task in config.objective_tasks]


def make_scheduler(config: ExperimentConfig, optimizer: Any) -> "Scheduler | None":
    """The run's scheduler; None without ``--scheduler`` (full fidelity: the driver's own queue)."""
    if config.settings.schedule.scheduler is None:
        return None
    return Scheduler(config, optimizer)


@dataclasses.dataclass
class _Chain:
    """One configuration: its jobs, lowest rung first, and the bracket (its first rung)."""

    jobs: list[Job]

    @property
    def bracket(self) -> int:
        return int(self.jobs[0].rung or 0)

    @property
    def latest(self) -> Job:
        return self.jobs[-1]


class Scheduler:
    """ASHA or asynchronous Hyperband over the store's jobs (see the module doc)."""

    def __init__(self, config: ExperimentConfig, optimizer: Any) -> None:
        self.config, self.optimizer = config, optimizer
        settings = config.settings
        self.rungs = ladder(settings)
        self.eta = int(settings.schedule.eta)
        self.objectives = scheduler_objectives(config)
        top = len(self.rungs) - 1
        self.brackets = list(range(top + 1)) if settings.schedule.scheduler == "hyperband" else [0]
        self.shares = {b: math.ceil((top + 1) / (top + 1 - b) * self.eta ** (top - b)) for b in self.brackets}

    # -- the driver's one call ------------------------------------------------------------------
    def next_jobs(self, jobs: Sequence[Job], count: int) -> list[Job]:
        """Up to ``count`` jobs to queue: promotions (highest rung first), then new configurations."""
        scheduled = [job for job in jobs if job.rung is not None]
        chosen: list[Job] = []
        promoted: set[int] = set()
        while len(chosen) < count:
            parent = self._next_promotion(scheduled, promoted)
            if parent is None:
                break
            promoted.add(parent.id)
            chosen.append(self.promotion_of(parent))
        if len(chosen) < count:
            chosen += self._new_configurations(scheduled, count - len(chosen))
        return chosen

    def promotion_of(self, parent: Job) -> Job:
        """The job that continues ``parent`` one rung up (same configuration and predictions)."""
        rung = int(parent.rung) + 1
        return Job(id=0, experiment=parent.experiment, method=parent.method, raw_params=dict(parent.raw_params),
                   params=dict(parent.params), predicted=dict(parent.predicted), rung=rung,
                   epochs=self.rungs[rung], parent=parent.id, device=parent.device)

    # -- promotions -----------------------------------------------------------------------------
    def _next_promotion(self, scheduled: list[Job], promoted: set[int]) -> Job | None:
        parents = {job.parent for job in scheduled if job.parent is not None} | promoted
        for rung in reversed(range(len(self.rungs) - 1)):
            for bracket in self.brackets:
                if bracket <= rung:
                    ready = self._promotable_at(scheduled, rung, bracket, parents)
                    if ready:
                        return ready[0]
        return None

    def _promotable_at(self, scheduled: list[Job], rung: int, bracket: int, parents: set[int]) -> list[Job]:
        brackets = _brackets(scheduled)
        finished = [job for job in scheduled if job.rung == rung and job.status is JobStatus.COMPLETE
                    and brackets.get(job.id, 0) == bracket]
        if not finished:
            return []
        values = np.array([[_number(job.values.get(name)) for name in self.objectives] for job in finished])
        eligible = np.array([feasibility(job, self.config) is not False and not job.early_terminated
                             for job in finished])
        already = np.array([job.id in parents for job in finished])
        return [finished[i] for i in promotable(values, self.eta, eligible, already)]

    # -- new configurations ------------------------------------------------------------------------
    def _new_configurations(self, scheduled: list[Job], count: int) -> list[Job]:
        chains = _chains(scheduled)
        started = {b: sum(chain.bracket == b for chain in chains) for b in self.brackets}
        brackets = []
        for _ in range(count):
            bracket = min(self.brackets, key=lambda b: (started[b] / self.shares[b], b))
            started[bracket] += 1
            brackets.append(bracket)
        suggestions = self.optimizer.suggest(self.model_jobs(scheduled), count)
        label = self.config.settings.search.label
        return [Job(id=0, experiment=self.config.name, method=label, raw_params=s.raw_params,
                    params=self.config.space.network_params(s.raw_params), predicted=dict(s.predicted),
                    rung=bracket, epochs=self.rungs[bracket], device=job_device(self.config.settings, s.raw_params))
                for s, bracket in zip(suggestions, brackets)]

    def model_rung(self, scheduled: Sequence[Job]) -> int | None:
        """The highest rung with at least ``initial_design`` complete jobs (None: none has)."""
        enough = max(int(self.config.settings.search.initial_design), 1)
        for rung in reversed(range(len(self.rungs))):
            if sum(job.rung == rung and job.status is JobStatus.COMPLETE for job in scheduled) >= enough:
                return rung
        return None

    def model_jobs(self, scheduled: Sequence[Job]) -> list[Job]:
        """What the method is asked with: the finished jobs of ``model_rung``, and every other
        configuration as a pending job (known point, unknown value)."""
        rung = self.model_rung(scheduled)
        given = []
        for chain in _chains(list(scheduled)):
            at_rung = [job for job in chain.jobs if job.rung == rung]
            if at_rung:
                given.append(at_rung[-1])
            else:
                given.append(dataclasses.replace(chain.latest, status=JobStatus.PENDING, values={}, feasible=None))
        return given


def _chains(scheduled: list[Job]) -> list[_Chain]:
    """The configurations: each job with its promotions, following ``parent``, in id order."""
    by_root: dict[int, list[Job]] = {}
    root_of: dict[int, int] = {}
    for job in sorted(scheduled, key=lambda j: j.id):
        root = root_of.get(job.parent, job.id) if job.parent is not None else job.id
        root_of[job.id] = root
        by_root.setdefault(root, []).append(job)
    return [_Chain(jobs) for _, jobs in sorted(by_root.items())]


def _brackets(scheduled: list[Job]) -> dict[int, int]:
    """job id -> its configuration's bracket (the rung its first job started at)."""
    return {job.id: chain.bracket for chain in _chains(scheduled) for job in chain.jobs}


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def inherited_measurements(store: Any, config: ExperimentConfig, job: Job, log: TextIO) -> dict[str, float] | None:
    """A promotion's inference metrics: its parent's (same network; inference cost does not
    depend on the epochs trained), so hardware is measured once per configuration. None for a
    new configuration, or when the parent has none (then the caller measures)."""
    if job.parent is None:
        return None
    parent = store.get_job(config.name, job.parent)
    if parent is None:
        return None
    values = {name: float(value) for name, value in parent.values.items()
              if is_hardware_metric(name) or name in MEASUREMENT_RECORDS}  # with how they were measured
    if not values:
        return None
    log.write(f"inference metrics of job {parent.id} reused (same network): "
              + ", ".join(f"{name}={value:g}" for name, value in values.items()) + "\n")
    log.flush()
    return values
