"""The store contract (hyperpower/store/base.py) beyond jobs, run against every backend.

Experiments are independent and deletable; metadata, profiling samples and models round-trip.
The ``store`` fixture is in conftest.py.
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


# -- experiments ---------------------------------------------------------------------------------
def test_delete_experiment_drops_everything_of_that_experiment_only(store: ExperimentStore) -> None:
    for name in ("alpha", "beta"):
        _add(store, name, 2)
        store.set_meta(name, "finished", True)
        store.add_profile_samples(name, [{"params": {"a": 1}, "values": {"power": 50.0}}])
        store.save_model(name, "power", {"metric": "power", "coef": [1.0], "intercept": 0.0})
    store.delete_experiment("alpha")
    assert store.list_jobs("alpha") == []
    assert store.get_meta("alpha", "finished") is None
    assert store.list_profile_samples("alpha") == [] and store.load_models("alpha") == {}
    assert store.list_experiments() == ["beta"]
    assert len(store.list_jobs("beta")) == 2 and store.get_meta("beta", "finished") is True
    assert store.add_job("alpha", _job()).id == 1  # a deleted experiment starts afresh
    assert store.add_job("beta", _job()).id == 3


def test_list_experiments_names_any_with_content(store: ExperimentStore) -> None:
    assert store.list_experiments() == []
    store.add_job("jobs.only", _job())
    store.set_meta("meta-only", "k", 1)
    store.add_profile_samples("profiles_only", [{"values": {"power": 1.0}}])
    store.save_model("models only", "memory", {"metric": "memory"})
    store.claim_job("unused", "w")  # reading or claiming creates nothing
    assert store.list_experiments() == ["jobs.only", "meta-only", "models only", "profiles_only"]


UNSTORABLE_NAMES = ["", "a$b", "nul\0", "system.jobs", ".hidden", "trailing.", "a..b", "x" * 101, "system",
                    "é" * 51, "bad\udc80"]
STORABLE_EDGE_NAMES = ["a.b", "my exp v2", "é" * 50, "x" * 100, "systems", "-_~!#%&()+,;=@[]{}"]


def _every_call(store: ExperimentStore, name: str) -> list:
    """Each store method that takes an experiment name, as a thunk."""
    return [
        lambda: store.add_job(name, _job()), lambda: store.claim_job(name, "w"),
        lambda: store.heartbeat(name, 1, "w"), lambda: store.finish_job(name, 1, "w", JobStatus.COMPLETE),
        lambda: store.release_job(name, 1, "w"), lambda: store.requeue_stale(name, 60.0, 3),
        lambda: store.get_job(name, 1), lambda: store.list_jobs(name), lambda: store.delete_experiment(name),
        lambda: store.set_meta(name, "k", 1), lambda: store.get_meta(name, "k"), lambda: store.list_meta(name),
        lambda: store.add_profile_samples(name, [{"values": {"power": 1.0}}]),
        lambda: store.list_profile_samples(name), lambda: store.save_model(name, "power", {"metric": "power"}),
        lambda: store.load_models(name),
    ]


@pytest.mark.parametrize("name", UNSTORABLE_NAMES)
def test_a_name_mongodb_cannot_hold_is_refused_by_every_call_with_one_message(store: ExperimentStore,
                                                                             name: str) -> None:
    messages = set()
    for call in _every_call(store, name):
        with pytest.raises(StoreError, match="experiment name .* cannot be stored") as refused:
            call()
        messages.add(str(refused.value))
    assert len(messages) == 1, messages
    assert store.list_experiments() == []


@pytest.mark.parametrize("name", STORABLE_EDGE_NAMES)
def test_names_at_the_edge_of_the_rules_are_stored_by_every_backend(store: ExperimentStore, name: str) -> None:
    assert store.add_job(name, _job()).id == 1
    store.set_meta(name, "k", 2)
    store.save_model(name, "power", {"metric": "power"})
    assert [job.id for job in store.list_jobs(name)] == [1] and store.get_meta(name, "k") == 2
    assert store.list_experiments() == [name]


# -- metadata, profiles, models ------------------------------------------------------------------
def test_meta_round_trips_json_values(store: ExperimentStore) -> None:
    assert store.get_meta("alpha", "state") is None
    assert store.get_meta("alpha", "state", default={"fresh": True}) == {"fresh": True}
    state = {"seed": 7, "best": 0.0812, "history": [[1, 0.5], [2, None]], "name": "hw-ieci"}
    store.set_meta("alpha", "state", state)
    store.set_meta("alpha", "finished", False)
    store.set_meta("alpha", "nothing", None)
    assert store.get_meta("alpha", "state") == state
    assert store.get_meta("alpha", "finished", default=True) is False
    assert store.get_meta("alpha", "nothing", default="absent") is None
    store.set_meta("alpha", "finished", True)
    assert store.get_meta("alpha", "finished") is True
    assert store.get_meta("beta", "state") is None


def test_list_meta_selects_keys_by_prefix(store: ExperimentStore) -> None:
    assert store.list_meta("alpha") == {}
    store.set_meta("alpha", "worker/b:2", {"busy": True})
    store.set_meta("alpha", "worker/a:1", {"busy": False})
    store.set_meta("alpha", "workers", 3)  # shares the prefix "worker" but not "worker/"
    store.set_meta("alpha", "finished", False)
    store.set_meta("beta", "worker/c:3", {"busy": True})
    assert store.list_meta("alpha", "worker/") == {"worker/a:1": {"busy": False}, "worker/b:2": {"busy": True}}
    assert set(store.list_meta("alpha")) == {"worker/a:1", "worker/b:2", "workers", "finished"}
    assert store.list_meta("alpha", "w.*") == {}, "the prefix is literal, not a pattern"


def test_meta_keeps_nan_values(store: ExperimentStore) -> None:
    store.set_meta("alpha", "best", {"value": math.nan, "bound": math.inf})
    stored = store.get_meta("alpha", "best")
    assert math.isnan(stored["value"]) and stored["bound"] == math.inf


def test_profile_samples_keep_insertion_order(store: ExperimentStore) -> None:
    first = [
        {"params": {"conv1": n}, "features": {"conv1": float(n)}, "values": {"power": 40.0 + n}}
        for n in range(3)
    ]
    second = [{"params": {"conv1": 9}, "values": {"power": math.nan, "memory": 12.0}}]
    store.add_profile_samples("alpha", first)
    store.add_profile_samples("beta", [{"values": {"power": 1.0}}])
    store.add_profile_samples("alpha", [])
    store.add_profile_samples("alpha", second)
    samples = store.list_profile_samples("alpha")
    assert samples[:3] == first
    assert samples[3]["params"] == {"conv1": 9} and math.isnan(samples[3]["values"]["power"])
    assert len(samples) == 4
    assert store.list_profile_samples("beta") == [{"values": {"power": 1.0}}]


def test_models_are_saved_per_metric_and_replaced(store: ExperimentStore) -> None:
    power = {"metric": "power", "unit": "W", "features": ["conv1_num_output", "ip1_num_output"],
             "coef": [0.41, 0.02], "intercept": 38.5, "device": "NVIDIA H100 80GB HBM3",
             "samples": 50, "cv_rmspe": 0.043}
    memory = {"metric": "memory", "unit": "MB", "features": [], "coef": [], "intercept": 12.0}
    store.save_model("alpha", "power", power)
    store.save_model("alpha", "memory", memory)
    assert store.load_models("alpha") == {"power": power, "memory": memory}
    refit = dict(power, coef=[0.5, 0.01], samples=80)
    store.save_model("alpha", "power", refit)
    assert store.load_models("alpha") == {"power": refit, "memory": memory}
    assert store.load_models("beta") == {}
