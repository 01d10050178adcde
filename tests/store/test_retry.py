"""Retry with backoff until a deadline, on a fake clock (no real sleeping)."""

from __future__ import annotations

import random

import pytest

from hyperpower.store.retry import Backoff, RetryTimeout, retry_until


class Transient(Exception):
    pass


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


def _failing(times: int, error: Exception):
    calls = []

    def operation() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise error
        return "done"

    return operation, calls


def _retry(operation, fake: FakeTime, timeout_s: float, backoff: Backoff = Backoff()):
    return retry_until(operation, lambda error: isinstance(error, Transient), timeout_s,
                       backoff=backoff, jitter=random.Random(3), monotonic=fake.monotonic,
                       sleep=fake.sleep)


def test_transient_errors_are_retried_with_growing_pauses() -> None:
    fake = FakeTime()
    operation, calls = _failing(4, Transient("locked"))
    assert _retry(operation, fake, 60.0, Backoff(first_s=0.1, factor=2.0, max_s=10.0)) == "done"
    assert len(calls) == 5 and len(fake.pauses) == 4
    for index, pause in enumerate(fake.pauses):
        assert 0.05 * 2**index <= pause <= 0.15 * 2**index  # base 0.1·2^i, ±50 % jitter


def test_pauses_are_capped() -> None:
    fake = FakeTime()
    operation, _ = _failing(12, Transient("locked"))
    _retry(operation, fake, 1e6, Backoff(first_s=0.1, factor=2.0, max_s=0.5))
    assert max(fake.pauses) <= 0.75


def test_other_errors_propagate_at_once() -> None:
    fake = FakeTime()
    operation, calls = _failing(1, KeyError("bug"))
    with pytest.raises(KeyError):
        _retry(operation, fake, 60.0)
    assert len(calls) == 1 and fake.pauses == []


def test_gives_up_at_the_deadline_with_the_last_error() -> None:
    fake = FakeTime()
    error = Transient("still locked")
    operation, calls = _failing(10**6, error)
    with pytest.raises(RetryTimeout) as raised:
        _retry(operation, fake, 2.0, Backoff(first_s=0.1, factor=2.0, max_s=0.5))
    assert raised.value.last_error is error
    assert raised.value.attempts == len(calls) > 3
    assert 2.0 <= fake.now <= 2.0 + 1e-9  # the last pause is cut to the deadline
    assert raised.value.waited_s == fake.now
