"""Trained Keras models on disk: a job's kept model and a rung's checkpoint are written the same way.

Kept below both ``objective`` (which keeps a job's model) and ``schedule.checkpoints`` (which
keeps a rung's network for its promotion), so neither imports the other for it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TextIO


def save_trained_model(model: Any, path: Path, log: TextIO) -> Path | None:
    """Save ``model`` in Keras's native format (``keras.saving.load_model`` reads it back).

    Written to a temporary name first, so a reader never finds half a file. A model Keras cannot
    serialize (e.g. a custom layer without ``get_config``) does not break the job, whose error is
    valid: the log says why no model was kept, and None is returned."""
    temporary = path.with_name(f".{path.stem}.partial.keras")
    try:
        model.save(temporary)
        os.replace(temporary, path)
    except Exception as exc:  # noqa: BLE001 - any serialization failure leaves the job's result valid
        temporary.unlink(missing_ok=True)
        _log(log, f"trained model not kept: saving it failed: {type(exc).__name__}: {exc}")
        return None
    _log(log, f"trained model saved to {path}")
    return path


def _log(log: TextIO, line: str) -> None:
    log.write(line + "\n")
    log.flush()
