"""The scheduler settings (``--scheduler --min-epochs --max-epochs --eta``) and the rung ladder.

``config`` (reading config.json) and ``generate`` (reading flags) validate with the same words
(``check_schedule``), and both leave every file as it was on refusal.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from hyperpower.errors import ConfigError
from hyperpower.settings.group import SettingsGroup

SCHEDULERS = ("asha", "hyperband")
#: what a run trains without ``--scheduler`` (or with ``--epochs``): the tool's default epochs
DEFAULT_EPOCHS = 10


@dataclasses.dataclass
class ScheduleSettings(SettingsGroup):
    """scheduler: ``asha``, ``hyperband`` or None (every job trains to full fidelity); the rung
    ladder from ``min_epochs`` to ``max_epochs`` (None: the run's epochs, else the default) in
    steps of ``eta``."""

    scheduler: str | None = None
    min_epochs: int = 1
    max_epochs: int | None = None
    eta: int = 3

    KEYS = {"scheduler": "scheduler", "min_epochs": "min_epochs", "max_epochs": "max_epochs", "eta": "eta"}


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_schedule(scheduler: Any, min_epochs: Any, max_epochs: Any, eta: Any, where: str = "") -> None:
    """ConfigError (one paragraph naming the flag and value) unless the settings make a ladder:
    a known scheduler or none, whole epochs >= 1 with min <= max, and eta >= 2 (eta 1 would
    promote every job and never stop one early)."""
    prefix = f"{where} " if where else ""
    if scheduler is not None and scheduler not in SCHEDULERS:
        raise ConfigError(f"{prefix}--scheduler {scheduler!r} is not one of {', '.join(SCHEDULERS)} "
                          f"(or none, for full-fidelity training of every job)")
    if not _whole(eta) or eta < 2:
        raise ConfigError(f"{prefix}--eta must be a whole number >= 2, got {eta!r}: each rung keeps the top 1/eta "
                          f"of the jobs that finished there and trains them eta times longer, so eta 1 would "
                          f"never stop a training early (the usual choice is 3)")
    for flag, value in (("--min-epochs", min_epochs), ("--max-epochs", max_epochs)):
        if value is not None and (not _whole(value) or value < 1):
            raise ConfigError(f"{prefix}{flag} must be a whole number of epochs >= 1, got {value!r}")
    if max_epochs is not None and min_epochs > max_epochs:
        raise ConfigError(f"{prefix}--min-epochs {min_epochs} is more than --max-epochs {max_epochs}: the first rung "
                          f"would train longer than the last; give --min-epochs <= --max-epochs (e.g. "
                          f"--min-epochs 1 --max-epochs {max(max_epochs, 1)})")


def top_epochs(settings: Any) -> int:
    """Full fidelity of a run's settings: ``max_epochs``, else the run's ``epochs``, else the default."""
    return int(settings.schedule.max_epochs or settings.training.epochs or DEFAULT_EPOCHS)


def rung_epochs(min_epochs: int, max_epochs: int, eta: int) -> list[int]:
    """Total epochs at each rung: min·eta^k below max, then max itself (so the top rung is full
    fidelity even when max is not min·eta^k): 1, 3, 9 for (1, 9, 3); 1, 3, 10 for (1, 10, 3)."""
    if min_epochs >= max_epochs:
        return [max_epochs]
    steps = int(math.floor(math.log(max_epochs / min_epochs, eta) + 1e-9))
    ladder = [min_epochs * eta**k for k in range(steps)]
    return [epochs for epochs in ladder if epochs < max_epochs] + [max_epochs]


def ladder(settings: Any) -> list[int]:
    """The rung ladder of a run's settings (``scheduler`` set)."""
    top = top_epochs(settings)
    return rung_epochs(min(int(settings.schedule.min_epochs), top), top, int(settings.schedule.eta))


def epochs_text(epochs: int) -> str:
    return f"{epochs} epoch" + ("" if epochs == 1 else "s")


def schedule_text(settings: Any) -> str | None:
    """The run's fidelity in words, for its first line and ``status`` (issue 22 point 10):
    ``scheduler asha: rungs at 1, 3, 9 epochs (eta 3)``; None without a scheduler (every job
    trains the run's epochs)."""
    if settings.schedule.scheduler is None:
        return None
    kind = "brackets over rungs" if settings.schedule.scheduler == "hyperband" else "rungs"
    return f"scheduler {settings.schedule.scheduler}: {kind} at {', '.join(map(str, ladder(settings)))} epochs (eta {settings.schedule.eta})"
