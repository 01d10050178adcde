"""The scheduler's decisions from the store's jobs (issue 13 points 2, 4, 5): promotions first,
highest rung first; Hyperband's brackets; new configurations from the highest rung with enough
observations, every other configuration passed as pending."""

from __future__ import annotations

import numpy as np

from hyperpower.config import config_from_json
from hyperpower.jobs import Job, JobStatus
from hyperpower.optimize.optimizer import Suggestion
from hyperpower.schedule.scheduler import Scheduler, scheduler_objectives


def _config(scheduler: str = "asha", initial_design: int = 3, **extra):
    return config_from_json({"experiment-name": "e", "variables": {"x": {"type": "FLOAT", "min": 0, "max": 1}},
                             "tasks": {"error": {"type": "OBJECTIVE"}},
                             "hyperpower": {"scheduler": scheduler, "min_epochs": 1, "max_epochs": 9, "eta": 3,
                                            "initial_design": initial_design, **extra}})


class FakeOptimizer:
    """Records what it is asked with; suggests x = 0.5, 0.51, ..."""

    def __init__(self) -> None:
        self.asked: list[list[Job]] = []

    def suggest(self, jobs, count):
        self.asked.append(list(jobs))
        start = 0.5 + 0.01 * sum(len(a) for a in self.asked)
        return [Suggestion(raw_params={"x": start + 0.001 * i}, predicted={}) for i in range(count)]


def _job(job_id: int, error: float | None, rung: int = 0, parent: int | None = None,
         status: JobStatus = JobStatus.COMPLETE, **fields) -> Job:
    values = {} if error is None else {"error": error}
    return Job(id=job_id, experiment="e", status=status, raw_params={"x": (parent or job_id) / 100}, values=values, rung=rung,
               epochs=[1, 3, 9][rung], parent=parent, **fields)


def test_a_job_in_the_top_third_of_its_rung_is_promoted_to_continue_it() -> None:
    scheduler = Scheduler(_config(), FakeOptimizer())
    jobs = [_job(1, 0.5), _job(2, 0.1), _job(3, 0.3)]
    [promotion] = scheduler.next_jobs(jobs, 1)
    assert (promotion.parent, promotion.rung, promotion.epochs, promotion.raw_params) == (2, 1, 3, {"x": 0.02})
    # once its child exists, nobody else of three is promotable: a new configuration at rung 0
    jobs.append(dataclasses_replace(promotion, id=4, status=JobStatus.PENDING))
    [new] = scheduler.next_jobs(jobs, 1)
    assert (new.parent, new.rung, new.epochs) == (None, 0, 1)


def dataclasses_replace(job: Job, **changes) -> Job:
    import dataclasses

    return dataclasses.replace(job, **changes)


def test_promotions_come_from_the_highest_rung_first_and_one_slot_takes_one_parent() -> None:
    scheduler = Scheduler(_config(), FakeOptimizer())
    rung0 = [_job(i, e) for i, e in zip(range(1, 7), [0.5, 0.1, 0.3, 0.9, 0.2, 0.4])]
    rung1 = [_job(7, 0.08, 1, parent=2), _job(8, 0.3, 1, parent=5), _job(9, 0.2, 1, parent=3)]
    # rung 0: top 2 are 2 and 5, both promoted already (7, 8); rung 1: top 1 of 3 is job 7
    chosen = scheduler.next_jobs(rung0 + rung1, 3)
    assert [(j.parent, j.rung) for j in chosen] == [(7, 2)] + [(None, 0)] * 2


def test_infeasible_and_early_terminated_jobs_are_never_promoted() -> None:
    scheduler = Scheduler(_config(), FakeOptimizer())
    jobs = [_job(1, 0.05, feasible=False), _job(2, 0.06, early_terminated=True), _job(3, 0.5),
            _job(4, 0.6), _job(5, 0.7), _job(6, 0.8)]
    chosen = scheduler.next_jobs(jobs, 2)
    assert [j.parent for j in chosen] == [3, 4]


def test_hyperband_starts_brackets_in_hyperbands_proportions() -> None:
    scheduler = Scheduler(_config("hyperband"), FakeOptimizer())
    assert scheduler.shares == {0: 9, 1: 5, 2: 3}
    jobs: list[Job] = []
    for job_id in range(1, 18):
        [new] = scheduler.next_jobs(jobs, 1)
        jobs.append(dataclasses_replace(new, id=job_id, status=JobStatus.RUNNING))
    started = [j.rung for j in jobs]
    assert (started.count(0), started.count(1), started.count(2)) == (9, 5, 3)
    assert all(j.epochs == [1, 3, 9][j.rung] for j in jobs)


def test_hyperband_brackets_compete_only_among_themselves() -> None:
    scheduler = Scheduler(_config("hyperband"), FakeOptimizer())
    # bracket 0 at rung 1: one job (from 1); bracket 1 started at rung 1: jobs 3, 4, 5
    jobs = [_job(1, 0.5), _job(2, 0.6), _job(6, 0.7), _job(10, 0.01, 1, parent=1),
            _job(3, 0.2, 1), _job(4, 0.3, 1), _job(5, 0.4, 1)]
    chosen = scheduler.next_jobs(jobs, 1)
    assert [j.parent for j in chosen] == [3]  # job 10 (0.01) is alone in its bracket at rung 1: not top 1/3


def test_new_configurations_fit_the_highest_rung_with_enough_observations() -> None:
    optimizer = FakeOptimizer()
    scheduler = Scheduler(_config(initial_design=2), optimizer)
    jobs = [_job(1, 0.5), _job(2, 0.1), _job(3, 0.3), _job(4, 0.2, 1, parent=2), _job(5, 0.25, 1, parent=3),
            _job(6, None, 0, status=JobStatus.RUNNING)]
    scheduler.next_jobs(jobs, 1)
    asked = {job.raw_params["x"]: job for job in optimizer.asked[-1]}
    assert scheduler.model_rung(jobs) == 1
    # rung 1's results (configurations 2 and 3), and every other configuration as pending
    assert asked[0.02].values == {"error": 0.2} and asked[0.03].values == {"error": 0.25}
    assert asked[0.01].status is JobStatus.PENDING and asked[0.01].values == {}
    assert asked[0.06].status is JobStatus.PENDING
    assert len(asked) == 4  # one job per configuration


def test_with_no_rung_ready_the_method_sees_no_observation_so_its_initial_design_answers() -> None:
    optimizer = FakeOptimizer()
    scheduler = Scheduler(_config(initial_design=3), optimizer)
    jobs = [_job(1, 0.5), _job(2, 0.1)]
    scheduler.next_jobs(jobs, 1)
    assert scheduler.model_rung(jobs) is None
    assert all(job.status is JobStatus.PENDING for job in optimizer.asked[-1])


def test_the_real_optimizer_does_not_repeat_a_configuration_of_a_lower_rung() -> None:
    from hyperpower.optimize import Optimizer

    config = _config(initial_design=5, method="rand-walk")
    optimizer = Optimizer(config, {}, np.random.default_rng(0))
    scheduler = Scheduler(config, optimizer)
    jobs: list[Job] = []
    for job_id in range(1, 9):  # the Sobol design, one configuration at a time (and promotions)
        [new] = scheduler.next_jobs(jobs, 1)
        jobs.append(dataclasses_replace(new, id=job_id, status=JobStatus.COMPLETE, values={"error": job_id / 10}))
    configurations = [job for job in jobs if job.parent is None]
    assert len(configurations) >= 5 and len({job.raw_params["x"] for job in configurations}) == len(configurations)
    for job in jobs:
        if job.parent is not None:
            assert job.raw_params == jobs[job.parent - 1].raw_params


def test_the_objectives_lookup_reads_the_objective_tasks_in_order() -> None:
    config = _config()
    assert scheduler_objectives(config) == ["error"]
    config = config_from_json({"experiment-name": "e", "variables": {"x": {"type": "FLOAT", "min": 0, "max": 1}},
                               "tasks": {"error": {"type": "OBJECTIVE"}, "latency": {"type": "OBJECTIVE"}},
                               "hyperpower": {"scheduler": "asha", "min_epochs": 1, "max_epochs": 9, "eta": 3,
                                              "method": "rand"}})
    assert scheduler_objectives(config) == ["error", "latency"]
    scheduler = Scheduler(config, FakeOptimizer())
    jobs = [Job(id=i, experiment="e", status=JobStatus.COMPLETE, raw_params={"x": i / 10}, rung=0, epochs=1,
                values={"error": e, "latency": lat})
            for i, (e, lat) in enumerate([(1, 6), (2, 4), (3, 3), (6, 1), (4, 5), (5, 5)], start=1)]
    assert [j.parent for j in scheduler.next_jobs(jobs, 2)] == [1, 4]  # the front's two ends (test_promotion)


def test_an_aware_method_filters_the_schedulers_new_configurations_by_its_a_priori_models() -> None:
    from hyperpower.optimize import LinearModel, Optimizer

    config = config_from_json({"experiment-name": "e", "variables": {"x": {"type": "FLOAT", "min": 0, "max": 1}},
                               "tasks": {"error": {"type": "OBJECTIVE"}},
                               "hyperpower": {"scheduler": "asha", "min_epochs": 1, "max_epochs": 9, "eta": 3,
                                              "method": "rand", "budgets": {"power": 50.0}}})
    power = LinearModel("power", ["x"], [100.0], 0.0, unit="W")  # x <= 0.5 is predicted to fit
    scheduler = Scheduler(config, Optimizer(config, {"power": power}, np.random.default_rng(0)))
    jobs = scheduler.next_jobs([], 20)
    assert len(jobs) == 20 and all(job.raw_params["x"] <= 0.5 and job.predicted["power"] <= 50.0 for job in jobs)
    assert all(job.rung == 0 and job.epochs == 1 for job in jobs)
