"""The store contract (hyperpower/store/base.py) for jobs, run against every backend.

The ``store`` and ``clock`` fixtures (conftest.py) give SQLite, mongomock and, when
HYPERPOWER_TEST_MONGODB_URI is set, a real MongoDB; test_contract_experiments.py covers the rest
of the contract (experiments, metadata, profiles, models).
"""

from __future__ import annotations

import math

import pytest

from hyperpower.errors import StoreError
from hyperpower.jobs import Job, JobStatus
from hyperpower.store.base import ExperimentStore


def _job(**fields) -> Job:
    return Job(id=0, experiment="", **fields)


def _add(store: ExperimentStore, experiment: str, count: int) -> list[Job]:
    return [store.add_job(experiment, _job(raw_params={"n": index})) for index in range(count)]


# -- ids, add, get, list -------------------------------------------------------------------------
def test_ids_are_sequential_per_experiment_and_independent(store: ExperimentStore) -> None:
    first = [store.add_job("alpha", _job()).id for _ in range(3)]
    other = [store.add_job("beta", _job()).id for _ in range(2)]
    more = [store.add_job("alpha", _job()).id for _ in range(2)]
    assert first == [1, 2, 3]
    assert other == [1, 2]
    assert more == [4, 5]


def test_add_job_ignores_given_id_and_sets_submit_time(store: ExperimentStore, clock) -> None:
    added = store.add_job("alpha", Job(id=42, experiment="elsewhere", method="random"))
    assert (added.id, added.experiment, added.submit_time) == (1, "alpha", clock.start)
    assert added.status is JobStatus.PENDING
    kept = store.add_job("alpha", _job(submit_time=123.5, status=JobStatus.SKIPPED))
    assert (kept.submit_time, kept.status) == (123.5, JobStatus.SKIPPED)
    assert store.get_job("alpha", 2) == kept


def test_job_fields_round_trip_exactly(store: ExperimentStore) -> None:
    job = _job(
        method="hw-ieci",
        raw_params={"conv1": 37, "rate": 0.1 + 0.2, "act": "relu", "sizes": [3, 5, 7],
                    "mixed": [1, 2.5, "x"], "tiny": 1e-300, "big": 2**53 + 1, "neg": -4},
        params={"conv1": 37, "rate": 10 ** -2.5, "act": "relu", "sizes": [3, 5, 7]},
        values={"error": 0.0812345678901234, "memory": 131.25},
        predicted={"power": 88.125},
        feasible=False,
        early_terminated=True,
        error="Traceback: line 1\n  ünïcode",
        log_path="/tmp/output/job_00001.out",
        attempts=0,
    )
    added = store.add_job("alpha", job)
    fetched = store.get_job("alpha", added.id)
    assert fetched == added
    for field in ("method", "raw_params", "params", "values", "predicted", "feasible",
                  "early_terminated", "error", "log_path"):
        assert getattr(fetched, field) == getattr(job, field), field
    assert type(fetched.raw_params["conv1"]) is int and type(fetched.raw_params["rate"]) is float
    assert fetched.raw_params["big"] == 2**53 + 1


def test_get_job_of_unknown_id_or_experiment_is_none(store: ExperimentStore) -> None:
    _add(store, "alpha", 1)
    assert store.get_job("alpha", 2) is None
    assert store.get_job("beta", 1) is None


def test_list_jobs_in_id_order_optionally_by_status(store: ExperimentStore) -> None:
    _add(store, "alpha", 4)
    store.add_job("alpha", _job(status=JobStatus.SKIPPED))
    store.claim_job("alpha", "w1")
    assert [job.id for job in store.list_jobs("alpha")] == [1, 2, 3, 4, 5]
    assert [job.id for job in store.list_jobs("alpha", JobStatus.PENDING)] == [2, 3, 4]
    assert [job.id for job in store.list_jobs("alpha", JobStatus.RUNNING)] == [1]
    assert [job.id for job in store.list_jobs("alpha", JobStatus.SKIPPED)] == [5]
    assert store.list_jobs("beta") == []


def test_nan_and_infinity_round_trip_as_floats(store: ExperimentStore) -> None:
    added = store.add_job("alpha", _job(values={"error": math.nan}, predicted={"power": math.inf}))
    fetched = store.get_job("alpha", added.id)
    assert math.isnan(fetched.values["error"]) and isinstance(fetched.values["error"], float)
    assert fetched.predicted["power"] == math.inf
    store.claim_job("alpha", "w1")
    finished = store.finish_job("alpha", added.id, "w1", JobStatus.BROKEN,
                                values={"error": math.nan, "latency": -math.inf, "memory": 12.5})
    for job in (finished, store.get_job("alpha", added.id)):
        assert math.isnan(job.values["error"])
        assert job.values["latency"] == -math.inf and job.values["memory"] == 12.5


def test_numpy_values_are_stored_as_plain_python(store: ExperimentStore) -> None:
    import numpy

    raw = {"w": numpy.array([1, 2]), "r": numpy.float64(0.5), "n": numpy.int64(7)}
    added = store.add_job("alpha", _job(raw_params=raw))
    fetched = store.get_job("alpha", added.id)
    assert fetched.raw_params == {"w": [1, 2], "r": 0.5, "n": 7}
    assert type(fetched.raw_params["n"]) is int and type(fetched.raw_params["w"][0]) is int


# -- claim ---------------------------------------------------------------------------------------
def test_claim_takes_lowest_pending_id_and_marks_it_running(store: ExperimentStore, clock) -> None:
    _add(store, "alpha", 3)
    clock.advance(5.0)
    claimed = store.claim_job("alpha", "host:1")
    assert claimed.id == 1 and claimed.status is JobStatus.RUNNING
    assert (claimed.worker, claimed.start_time) == ("host:1", clock.start + 5)
    assert claimed.heartbeat_time == clock.start + 5
    assert claimed.attempts == 1
    assert store.get_job("alpha", 1) == claimed
    assert store.claim_job("alpha", "host:2").id == 2


def test_claim_hands_each_job_out_once_and_skips_non_pending(store: ExperimentStore) -> None:
    store.add_job("alpha", _job(status=JobStatus.SKIPPED))
    _add(store, "alpha", 3)
    _add(store, "beta", 2)
    claimed = [store.claim_job("alpha", f"w{index}") for index in range(5)]
    assert [job.id for job in claimed[:3]] == [2, 3, 4]
    assert claimed[3:] == [None, None]
    assert store.get_job("alpha", 1).status is JobStatus.SKIPPED
    assert [job.status for job in store.list_jobs("beta")] == [JobStatus.PENDING] * 2


def test_claim_on_empty_or_unknown_experiment_is_none(store: ExperimentStore) -> None:
    assert store.claim_job("nothing-here", "w1") is None


# -- finish --------------------------------------------------------------------------------------
def test_finish_records_the_result(store: ExperimentStore, clock) -> None:
    _add(store, "alpha", 1)
    store.claim_job("alpha", "w1")
    clock.advance(30.0)
    done = store.finish_job("alpha", 1, "w1", JobStatus.COMPLETE, values={"error": 0.1},
                            feasible=True, early_terminated=True, log_path="out/job_00001.out")
    assert done.status is JobStatus.COMPLETE and done.values == {"error": 0.1}
    assert (done.feasible, done.early_terminated, done.error) == (True, True, None)
    assert (done.end_time, done.duration_s) == (clock.start + 30, 30.0)
    assert done.log_path == "out/job_00001.out"
    assert store.get_job("alpha", 1) == done


def test_finished_job_is_read_only(store: ExperimentStore) -> None:
    _add(store, "alpha", 1)
    store.claim_job("alpha", "w1")
    done = store.finish_job("alpha", 1, "w1", JobStatus.COMPLETE, values={"error": 0.2})
    for worker in ("w1", None):
        with pytest.raises(StoreError, match="already complete"):
            store.finish_job("alpha", 1, worker, JobStatus.BROKEN, error="late")
    assert store.claim_job("alpha", "w2") is None
    assert store.heartbeat("alpha", 1, "w1") is False
    assert store.release_job("alpha", 1, "w1") is False
    assert store.get_job("alpha", 1) == done


def test_skipped_job_cannot_be_finished(store: ExperimentStore) -> None:
    store.add_job("alpha", _job(status=JobStatus.SKIPPED))
    with pytest.raises(StoreError, match="already skipped"):
        store.finish_job("alpha", 1, None, JobStatus.COMPLETE)


def test_finish_by_another_worker_is_refused(store: ExperimentStore) -> None:
    _add(store, "alpha", 1)
    running = store.claim_job("alpha", "w1")
    with pytest.raises(StoreError, match="held by worker 'w1', not by worker 'w2'"):
        store.finish_job("alpha", 1, "w2", JobStatus.COMPLETE, values={"error": 0.5})
    assert store.get_job("alpha", 1) == running


def test_worker_none_finishes_running_or_pending_job(store: ExperimentStore) -> None:
    _add(store, "alpha", 2)
    store.claim_job("alpha", "w1")
    assert store.finish_job("alpha", 1, None, JobStatus.BROKEN, error="killed").error == "killed"
    cancelled = store.finish_job("alpha", 2, None, JobStatus.SKIPPED)
    assert cancelled.status is JobStatus.SKIPPED


def test_worker_cannot_finish_a_pending_job(store: ExperimentStore) -> None:
    _add(store, "alpha", 1)
    with pytest.raises(StoreError, match="back in the queue"):
        store.finish_job("alpha", 1, "w1", JobStatus.COMPLETE)
    assert store.get_job("alpha", 1).status is JobStatus.PENDING


def test_finish_unknown_job_raises(store: ExperimentStore) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        store.finish_job("alpha", 7, None, JobStatus.COMPLETE)


def test_finish_with_an_unfinished_status_is_a_programming_error(store: ExperimentStore) -> None:
    _add(store, "alpha", 1)
    store.claim_job("alpha", "w1")
    with pytest.raises(ValueError, match="finished status"):
        store.finish_job("alpha", 1, "w1", JobStatus.PENDING)


def test_finish_without_values_keeps_existing_ones(store: ExperimentStore) -> None:
    store.add_job("alpha", _job(values={"memory": 64.0}, log_path="job.out"))
    store.claim_job("alpha", "w1")
    done = store.finish_job("alpha", 1, "w1", JobStatus.BROKEN, error="diverged")
    assert (done.values, done.log_path, done.error) == ({"memory": 64.0}, "job.out", "diverged")


# -- heartbeat, release, requeue -----------------------------------------------------------------
def test_heartbeat_refreshes_only_for_the_holder(store: ExperimentStore, clock) -> None:
    _add(store, "alpha", 2)
    store.claim_job("alpha", "w1")
    clock.advance(12.0)
    assert store.heartbeat("alpha", 1, "w1") is True
    assert store.get_job("alpha", 1).heartbeat_time == clock.start + 12
    assert store.heartbeat("alpha", 1, "w2") is False
    assert store.heartbeat("alpha", 2, "w1") is False  # pending, held by nobody
    assert store.heartbeat("alpha", 9, "w1") is False
    assert store.get_job("alpha", 1).heartbeat_time == clock.start + 12


def test_release_returns_job_to_queue_keeping_attempts(store: ExperimentStore) -> None:
    _add(store, "alpha", 1)
    store.claim_job("alpha", "w1")
    assert store.release_job("alpha", 1, "w2") is False
    assert store.release_job("alpha", 1, "w1") is True
    released = store.get_job("alpha", 1)
    assert (released.status, released.worker, released.attempts) == (JobStatus.PENDING, None, 1)
    assert store.release_job("alpha", 1, "w1") is False
    again = store.claim_job("alpha", "w2")
    assert (again.id, again.worker, again.attempts) == (1, "w2", 2)


def test_cancel_deletes_only_an_unclaimed_pending_job_and_keeps_its_id_used(store: ExperimentStore) -> None:
    _add(store, "alpha", 3)
    store.claim_job("alpha", "w1")
    store.finish_job("alpha", 1, "w1", JobStatus.COMPLETE)
    store.claim_job("alpha", "w1")
    assert store.cancel_pending_job("alpha", 1) is False  # finished
    assert store.cancel_pending_job("alpha", 2) is False  # running
    assert store.cancel_pending_job("alpha", 9) is False  # unknown
    assert store.cancel_pending_job("beta", 3) is False  # another experiment
    assert store.cancel_pending_job("alpha", 3) is True
    assert [j.id for j in store.list_jobs("alpha")] == [1, 2]
    assert store.add_job("alpha", _job()).id == 4


def test_requeue_stale_returns_silent_jobs_to_the_queue(store: ExperimentStore, clock) -> None:
    _add(store, "alpha", 3)
    store.claim_job("alpha", "alive")
    store.claim_job("alpha", "dead")
    clock.advance(50.0)
    store.heartbeat("alpha", 1, "alive")
    clock.advance(20.0)  # job 1 beat 20 s ago, job 2 has been silent for 70 s
    assert store.requeue_stale("alpha", timeout_s=60.0, max_attempts=3) == [2]
    requeued = store.get_job("alpha", 2)
    assert (requeued.status, requeued.worker, requeued.attempts) == (JobStatus.PENDING, None, 1)
    assert store.get_job("alpha", 1).status is JobStatus.RUNNING
    assert store.get_job("alpha", 3).status is JobStatus.PENDING
    assert store.requeue_stale("alpha", timeout_s=60.0, max_attempts=3) == []
    assert store.claim_job("alpha", "next").id == 2


def test_old_worker_cannot_finish_or_beat_a_requeued_job(store: ExperimentStore, clock) -> None:
    _add(store, "alpha", 1)
    store.claim_job("alpha", "old")
    clock.advance(100.0)
    assert store.requeue_stale("alpha", timeout_s=60.0, max_attempts=3) == [1]
    assert store.heartbeat("alpha", 1, "old") is False
    with pytest.raises(StoreError):
        store.finish_job("alpha", 1, "old", JobStatus.COMPLETE, values={"error": 0.3})
    store.claim_job("alpha", "new")
    with pytest.raises(StoreError, match="held by worker 'new'"):
        store.finish_job("alpha", 1, "old", JobStatus.COMPLETE, values={"error": 0.3})
    assert store.finish_job("alpha", 1, "new", JobStatus.COMPLETE).worker == "new"


def test_requeue_stale_breaks_a_job_after_max_attempts(store: ExperimentStore, clock) -> None:
    _add(store, "alpha", 1)
    for attempt in (1, 2):
        claimed = store.claim_job("alpha", f"worker{attempt}")
        assert claimed.attempts == attempt
        clock.advance(61.0)
        assert store.requeue_stale("alpha", timeout_s=60.0, max_attempts=2) == [1]
    broken = store.get_job("alpha", 1)
    assert broken.status is JobStatus.BROKEN
    assert broken.error == "worker heartbeat lost after 2 attempts"
    assert broken.end_time == clock.now
    assert store.claim_job("alpha", "worker3") is None
    with pytest.raises(StoreError, match="already broken"):
        store.finish_job("alpha", 1, None, JobStatus.COMPLETE)


def test_requeue_stale_touches_only_its_experiment(store: ExperimentStore, clock) -> None:
    _add(store, "alpha", 1)
    _add(store, "beta", 1)
    store.claim_job("alpha", "w")
    store.claim_job("beta", "w")
    clock.advance(100.0)
    assert store.requeue_stale("alpha", timeout_s=60.0, max_attempts=3) == [1]
    assert store.get_job("beta", 1).status is JobStatus.RUNNING
