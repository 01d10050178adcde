"""The shared refusal rules of the store contract."""

from __future__ import annotations

import pytest

from hyperpower.errors import StoreError
from hyperpower.jobs import JobStatus
from hyperpower.store import rules


@pytest.mark.parametrize("name", ["digits", "my exp.v2", "cifar-10_run3"])
def test_ordinary_experiment_names_pass(name: str) -> None:
    rules.check_experiment_name(name)


@pytest.mark.parametrize("name", ["", "a$b", "nul\0", "system.jobs", "x" * 101, ".a", "a.", "a..b", "\udc80"])
def test_unstorable_experiment_names_are_refused(name: str) -> None:
    with pytest.raises(StoreError, match="experiment name"):
        rules.check_experiment_name(name)


def test_finish_refusal_decisions() -> None:
    def refusal(status, holder, worker):
        return rules.finish_refusal("sqlite:///s", "e", 3, status, holder, worker)

    assert refusal(JobStatus.RUNNING, "w1", "w1") is None
    assert refusal(JobStatus.RUNNING, "w1", None) is None
    assert refusal(JobStatus.PENDING, None, None) is None
    assert "does not exist" in str(refusal(None, None, "w1"))
    assert "already broken" in str(refusal(JobStatus.BROKEN, "w1", "w1"))
    assert "held by worker 'w2'" in str(refusal(JobStatus.RUNNING, "w2", "w1"))
    assert "back in the queue" in str(refusal(JobStatus.PENDING, None, "w1"))
    assert "job 3 of experiment 'e' in sqlite:///s" in str(refusal(None, None, None))


def test_requeue_arguments_are_checked() -> None:
    with pytest.raises(ValueError):
        rules.check_requeue_arguments(-1.0, 3)
    with pytest.raises(ValueError):
        rules.check_requeue_arguments(60.0, 0)
    assert rules.heartbeat_lost_message(3) == "worker heartbeat lost after 3 attempts"
