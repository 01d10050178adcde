"""Which files of an experiment the dashboard may read and serve: a job's log and its rendered
network file, inside the experiment's own ``output/`` folder, for a job the store holds.

A request names a file (``/files/EXP/job_00003.out``); the name must be one of those two forms,
the job must exist, and the real path (links resolved) must lie inside the folder. Anything else,
``..`` in any spelling, an absolute path, a link out of the folder, another file of the folder, is
refused: a local server must not become a way to read the machine's files.
"""

from __future__ import annotations

import re
from pathlib import Path

from hyperpower.experiment import ExperimentPaths

#: a job's log (``job_00003.out``) or rendered network file (``job_00003_network.py``)
JOB_FILE_NAME = re.compile(r"^job_(\d{5,9})(\.out|_network\.py)$")
LOG_TAIL_LINES = 80
LOG_TAIL_BYTES = 64_000
NETWORK_FILE_BYTES = 200_000


def job_file_names(job_id: int) -> dict[str, str]:
    """``{"log": "job_00003.out", "network": "job_00003_network.py"}``: the names the routes take."""
    return {"log": f"job_{job_id:05d}.out", "network": f"job_{job_id:05d}_network.py"}


def job_file(paths: ExperimentPaths | None, name: str, job_ids: set[int]) -> Path | None:
    """The file ``name`` of the experiment, when it is a job file of a job in ``job_ids`` and
    really lies in the experiment's ``output/`` folder; None for anything else."""
    match = JOB_FILE_NAME.match(name)
    if paths is None or match is None or int(match.group(1)) not in job_ids:
        return None
    output = paths.output_dir.resolve()
    try:
        resolved = (output / name).resolve(strict=True)
    except (OSError, RuntimeError):  # missing, or a loop of links
        return None
    if resolved.parent != output or paths.root.resolve() not in resolved.parents or not resolved.is_file():
        return None
    return resolved


def read_tail(path: Path, lines: int = LOG_TAIL_LINES, limit: int = LOG_TAIL_BYTES) -> str:
    """The last ``lines`` lines of a text file, reading at most its last ``limit`` bytes."""
    with path.open("rb") as file:
        file.seek(0, 2)
        size = file.tell()
        file.seek(max(0, size - limit))
        data = file.read()
    text = data.decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def read_text(path: Path, limit: int = NETWORK_FILE_BYTES) -> str:
    """A text file's first ``limit`` bytes (a network file is small; a huge one is cut)."""
    with path.open("rb") as file:
        data = file.read(limit + 1)
    text = data[:limit].decode("utf-8", errors="replace")
    return text + ("\n... (cut)" if len(data) > limit else "")
