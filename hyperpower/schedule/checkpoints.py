"""A rung's checkpoint: the trained network with its optimizer state, so a promotion continues.

A job below the top rung saves ``EXP/output/job_NNNNN_checkpoint.keras`` (Keras's native format,
which keeps the compiled optimizer's variables: Adam's moments and its step count travel with
the weights, so the continued training is the training that would have run on). Its promotion,
a job of its own naming it as ``parent``, loads that file and trains only the extra epochs.

A checkpoint can be lost (deleted, a worker on another machine without the shared output folder,
a network Keras cannot load back): the promotion then trains from scratch for all its epochs,
logs why, and records ``trained_epochs`` = ``epochs``; nothing else changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

from hyperpower.experiment import ExperimentPaths
from hyperpower.saved_models import save_trained_model


def checkpoint_path(paths: ExperimentPaths, job_id: int) -> Path:
    """Where job ``job_id`` leaves its network at the end of its rung."""
    return paths.output_dir / f"job_{job_id:05d}_checkpoint.keras"


def load_checkpoint(paths: ExperimentPaths, parent: int, log: TextIO) -> Any | None:
    """The parent's trained, compiled model (optimizer state included); None, logged, when the
    file is missing or cannot be loaded (the caller then trains from scratch)."""
    path = checkpoint_path(paths, parent)
    if not path.is_file():
        _log(log, f"checkpoint of job {parent} lost ({path} does not exist): training from scratch")
        return None
    import keras

    try:
        model = keras.saving.load_model(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable checkpoint means: start over
        _log(log, f"checkpoint of job {parent} unusable ({type(exc).__name__}: {exc}): training from scratch")
        return None
    _log(log, f"continuing job {parent}'s training from {path}")
    return model


def save_checkpoint(model: Any, paths: ExperimentPaths, job_id: int, log: TextIO) -> Path | None:
    """Save ``model`` (weights and optimizer state) for a later promotion, atomically (a reader
    never finds half a file); a model Keras cannot save is logged and its promotion will start
    over."""
    return save_trained_model(model, checkpoint_path(paths, job_id), log)


def _log(log: TextIO, line: str) -> None:
    log.write(line + "\n")
    log.flush()
