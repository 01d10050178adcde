"""Helpers for report tests: a digits experiment whose store is filled with jobs.

The jobs cover every case the reports distinguish: feasible, measured-infeasible, early
terminated, predicted-infeasible, broken with a traceback, running and pending.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from hyperpower.config import ExperimentConfig
from hyperpower.jobs import Job, JobStatus
from hyperpower.store import open_store
REPO = Path(__file__).resolve().parents[2]
PARAMS = {"conv1_filters": 8, "conv1_kernel": 3, "conv2_filters": 16, "dense_units": 64, "activation": "relu",
          "learning_rate": 0.01, "momentum": 0.9, "weight_decay": 0.0001}
TRACEBACK = ("Traceback (most recent call last):\n  File \"net.py\", line 3, in <module>\n"
             "RuntimeError: exploding network\n--- log tail ---\nEpoch 1/20")


@dataclasses.dataclass
class FilledExperiment:
    folder: Path
    config: ExperimentConfig
    store_uri: str


def add_job(store, experiment: str, status: JobStatus, values=None, predicted=None, feasible=None,
            error=None, early=False, params=None) -> None:
    """Insert a job and drive it through the store's real claim/finish path to ``status``."""
    params = dict(PARAMS if params is None else params)
    store.add_job(experiment, Job(id=0, experiment=experiment, method="hw-ieci", params=params,
                                  raw_params=params, predicted=dict(predicted or {})))
    if status is JobStatus.PENDING:
        return
    claimed = store.claim_job(experiment, "worker-a")
    if status is JobStatus.RUNNING:
        return
    store.finish_job(experiment, claimed.id, "worker-a", status, values=values or {}, feasible=feasible,
                     error=error, early_terminated=early)


def fill_store(uri: str, experiment: str) -> None:
    """Jobs 1..6: feasible; measured-infeasible (memory) with the lowest error; early terminated and
    predicted to break memory; broken with a traceback; running; pending."""
    with open_store(uri) as store:
        add_job(store, experiment, JobStatus.COMPLETE, {"error": 0.05, "power": 80.0, "memory": 150.0},
                {"power": 85.0, "memory": 140.0}, feasible=True)
        add_job(store, experiment, JobStatus.COMPLETE, {"error": 0.02, "power": 80.0, "memory": 250.0},
                {"memory": 190.0}, feasible=False)
        add_job(store, experiment, JobStatus.COMPLETE, {"error": 0.04, "power": 70.0, "memory": 150.0},
                {"memory": 210.0}, feasible=True, early=True)
        add_job(store, experiment, JobStatus.BROKEN, error=TRACEBACK)
        add_job(store, experiment, JobStatus.RUNNING)
        add_job(store, experiment, JobStatus.PENDING)
