"""Result caching: every run is one JSON file, written atomically and never recomputed, so each
benchmark command is resumable and only computes what is missing (delete a file to redo it)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable


def write_json(path: Path, data: dict) -> None:
    """Write through a temporary file, so an interrupted run never leaves half a result."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data))
    temporary.replace(path)


def run_once(path: Path, compute: Callable[[], dict], label: str) -> dict | None:
    """``compute()`` unless ``path`` exists; its record gains ``wall_s`` and is written to ``path``.
    Returns the new record, or None when the cached one was kept."""
    if path.exists():
        return None
    start = time.perf_counter()
    record = compute()
    record["wall_s"] = time.perf_counter() - start
    write_json(path, record)
    print(f"{label}: {record['wall_s']:.1f} s", flush=True)
    return record


def load_runs(folder: Path) -> dict[str, dict[str, list[dict]]]:
    """problem -> method -> run records (one per seed), from ``folder/<problem>/<method>/seed*.json``."""
    runs: dict[str, dict[str, list[dict]]] = {}
    for path in sorted(folder.glob("*/*/seed*.json")):
        runs.setdefault(path.parent.parent.name, {}).setdefault(path.parent.name, []).append(json.loads(path.read_text()))
    return runs
