"""Syne Tune's schedulers (ASHA, MOASHA) driven through their ask/tell interface, offline, one
trial at a time against a simulated clock: the loop both multi-fidelity benchmarks run."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Callable

#: ``evaluate(config, epoch)`` -> (the result reported to the scheduler, training seconds to that epoch)
Evaluate = Callable[[dict, int], tuple[dict, float]]
#: ``spend(seconds, epoch, result)`` -> whether the budget allows another trial; ``result`` is the
#: full-fidelity result when the trial was trained to ``max_epochs``, None when it was stopped
Spend = Callable[[float, int, "dict | None"], bool]


def ask_tell_loop(scheduler, evaluate: Evaluate, spend: Spend, max_epochs: int, max_trials: int = 100_000,
                  make_trial: Callable | None = None) -> None:
    """Suggest a trial, report every epoch until the scheduler stops it or it reaches
    ``max_epochs``, then pay its training seconds plus the scheduler's own time; until ``spend``
    says the budget is gone. ``make_trial(id, config, created)``: Syne Tune's ``Trial`` unless given."""
    if make_trial is None:
        from syne_tune.backend.trial_status import Trial as make_trial

    for trial_id in range(max_trials):
        started = time.perf_counter()
        suggestion = scheduler.suggest()
        trial = make_trial(trial_id, suggestion.config, datetime.now())
        scheduler.on_trial_add(trial)
        choosing = time.perf_counter() - started
        for epoch in range(1, max_epochs + 1):
            result, seconds = evaluate(suggestion.config, epoch)
            started = time.perf_counter()
            decision = scheduler.on_trial_result(trial, result)
            choosing += time.perf_counter() - started
            if epoch == max_epochs:
                scheduler.on_trial_complete(trial, result)
                alive = spend(seconds + choosing, epoch, result)
                break
            if decision != "CONTINUE":
                alive = spend(seconds + choosing, epoch, None)
                break
        if not alive:
            return
